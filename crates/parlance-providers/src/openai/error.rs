//! An OpenAI-protocol error reply → [`ProviderError`]: status, a short reason, retryability.
//! The reason never carries the API key: authentication failures get a fixed text, and any
//! other message is cut short and stripped of the key if an upstream echoes it.

use std::time::Duration;

use parlance_core::ProviderError;

use super::wire::{ErrorBody, ErrorDetail};

/// Maps a non-2xx reply.
pub fn from_status(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    key: &str,
) -> ProviderError {
    let reason = match status {
        401 | 403 => "authentication failed (check the component's key)".to_string(),
        _ => reason(body, key),
    };
    ProviderError::upstream(status, &reason, retry_after)
}

fn reason(body: &[u8], key: &str) -> String {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let text = match parsed {
        Some(b) => detail_text(&b.error),
        None => String::from_utf8_lossy(body).trim().to_string(),
    };
    crate::upstream::short_reason(&text, &[key])
}

/// `type: code: message`, leaving out the parts that are missing.
fn detail_text(e: &ErrorDetail) -> String {
    let code = e.code.as_ref().map(|c| c.to_string()).unwrap_or_default();
    [e.kind.clone().unwrap_or_default(), code.trim_matches('"').to_string()]
        .into_iter()
        .chain(e.message.clone())
        .filter(|s| !s.is_empty() && s != "null")
        .collect::<Vec<_>>()
        .join(": ")
}

/// Words in an error's type or code that say a retry may help: what a 429 or a 5xx says in
/// a plain reply.
const TRANSIENT: [&str; 6] =
    ["server_error", "overloaded", "rate_limit", "timeout", "unavailable", "internal"];

/// A `data: {"error": …}` event in a stream that had begun with a 2xx: retryable when its
/// type or code is one of [`TRANSIENT`] or a numeric 429/5xx, as the same failure would be
/// as a status.
pub fn from_stream_error(e: &ErrorDetail, key: &str) -> ProviderError {
    let kind = e.kind.as_deref().unwrap_or_default();
    let code = e.code.as_ref().map(|c| c.to_string()).unwrap_or_default();
    let numeric = code.trim_matches('"').parse::<u16>().ok();
    let retryable = numeric.is_some_and(|n| n == 429 || n >= 500)
        || TRANSIENT.iter().any(|w| kind.contains(w) || code.contains(w));
    let reason = crate::upstream::short_reason(&detail_text(e), &[key]);
    let message = format!("upstream stream failed: {reason}");
    let kind = parlance_core::FailureKind::UpstreamStatus;
    if retryable {
        ProviderError::transient(kind, message)
    } else {
        ProviderError::permanent(kind, message)
    }
}

pub(crate) use crate::upstream::retry_after;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_never_echo_the_upstream_text() {
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-abcd","type":"invalid_request_error"}}"#;
        let e = from_status(401, body, None, "sk-abcd");
        assert!(!e.message.contains("sk-"));
        assert!(!e.retryable);
    }

    #[test]
    fn reasons_are_short_and_redacted() {
        let body = br#"{"error":{"message":"Rate limit for key sk-secretkey reached","type":"requests","code":"rate_limit_exceeded"}}"#;
        let e = from_status(429, body, Some(Duration::from_secs(2)), "sk-secretkey");
        assert_eq!(
            e.message,
            "upstream returned status 429: requests: rate_limit_exceeded: Rate limit for key [redacted] reached"
        );
        assert!(e.retryable);
        let long = vec![b'x'; 1000];
        assert!(from_status(500, &long, None, "k").message.len() < 260);
    }

    #[test]
    fn stream_errors_are_retryable_when_the_status_would_be() {
        let detail = |v: serde_json::Value| -> ErrorDetail { serde_json::from_value(v).unwrap() };
        let e = from_stream_error(
            &detail(
                serde_json::json!({"message": "The server had an error", "type": "server_error", "code": null}),
            ),
            "k",
        );
        assert!(e.retryable, "{e:?}");
        assert_eq!(e.message, "upstream stream failed: server_error: The server had an error");
        assert!(from_stream_error(&detail(serde_json::json!({"code": 503})), "k").retryable);
        let bad = detail(
            serde_json::json!({"message": "key sk-zzzz refused", "type": "invalid_request_error"}),
        );
        let e = from_stream_error(&bad, "sk-zzzz");
        assert!(!e.retryable && e.message.contains("[redacted]"), "{e:?}");
    }

    #[test]
    fn retry_after_seconds() {
        let v = http::HeaderValue::from_static("2");
        assert_eq!(retry_after(Some(&v)), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some(&http::HeaderValue::from_static("soon"))), None);
    }
}
