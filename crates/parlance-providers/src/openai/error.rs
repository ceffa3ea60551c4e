//! An OpenAI-protocol error reply → [`ProviderError`]: status, a short reason, retryability.
//! The reason never carries the API key: authentication failures get a fixed text, and any
//! other message is cut short and stripped of the key if an upstream echoes it.

use std::time::Duration;

use parlance_core::ProviderError;

use super::wire::ErrorBody;

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
        Some(b) => {
            let kind = b.error.kind.unwrap_or_default();
            let code = b.error.code.map(|c| c.to_string()).unwrap_or_default();
            let msg = b.error.message.unwrap_or_default();
            [kind, code.trim_matches('"').to_string(), msg]
                .into_iter()
                .filter(|s| !s.is_empty() && s != "null")
                .collect::<Vec<_>>()
                .join(": ")
        }
        None => String::from_utf8_lossy(body).trim().to_string(),
    };
    crate::upstream::short_reason(&text, &[key])
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
    fn retry_after_seconds() {
        let v = http::HeaderValue::from_static("2");
        assert_eq!(retry_after(Some(&v)), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(Some(&http::HeaderValue::from_static("soon"))), None);
    }
}
