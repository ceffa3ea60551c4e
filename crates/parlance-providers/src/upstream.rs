//! Helpers every provider's `error.rs` shares: a short, secret-free reason and `Retry-After`.

use std::time::Duration;

/// Longest upstream reason kept, in characters.
const MAX_REASON: usize = 200;

/// Cuts an upstream reason short and replaces every secret in it with `[redacted]`
/// (secrets shorter than 4 characters are left alone: replacing them would mangle the text).
pub(crate) fn short_reason(text: &str, secrets: &[&str]) -> String {
    let mut text = text.trim().to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    let short: String = text.chars().take(MAX_REASON).collect();
    if short.is_empty() { "no error detail".to_string() } else { short }
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is rare for LLM APIs), capped at
/// an hour.
pub(crate) fn retry_after(value: Option<&http::HeaderValue>) -> Option<Duration> {
    let secs: f64 = value?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_redacted_and_short() {
        assert_eq!(short_reason(" bad key sk-1234 ", &["sk-1234", ""]), "bad key [redacted]");
        assert_eq!(short_reason("", &[]), "no error detail");
        assert_eq!(short_reason(&"x".repeat(500), &[]).len(), 200);
    }

    #[test]
    fn retry_after_in_seconds() {
        let v = http::HeaderValue::from_static("1.5");
        assert_eq!(retry_after(Some(&v)), Some(Duration::from_millis(1500)));
        assert_eq!(retry_after(Some(&http::HeaderValue::from_static("-1"))), None);
        assert_eq!(retry_after(None), None);
    }
}
