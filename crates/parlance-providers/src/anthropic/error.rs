//! An Anthropic error reply → [`ProviderError`]: status, a short reason, retryability.
//!
//! Bodies are `{"type":"error","error":{"type","message"}}`. Authentication failures get a
//! fixed text; any other reason is cut short and stripped of the key. 408, 429, 5xx and
//! Anthropic's 529 `overloaded_error` are retryable (decided by [`ProviderError::upstream`]).

use std::time::Duration;

use parlance_core::ProviderError;

use super::wire::{ErrorBody, ErrorDetail};
use crate::upstream::short_reason;

/// Maps a non-2xx reply.
pub fn from_status(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    key: &str,
) -> ProviderError {
    let reason = match status {
        401 | 403 => "authentication failed (check the component's key)".to_string(),
        _ => short_reason(&detail(body), &[key]),
    };
    ProviderError::upstream(status, &reason, retry_after)
}

/// `type: message` from an Anthropic error body, else the body as text.
fn detail(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => detail_text(&b.error),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

fn detail_text(e: &ErrorDetail) -> String {
    [e.kind.as_deref(), e.message.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The error types that, as a status, are a 429, a 5xx or 529: worth retrying.
const TRANSIENT: [&str; 4] = ["overloaded_error", "api_error", "rate_limit_error", "timeout_error"];

/// An `error` event in a stream that had begun with a 200 (`overloaded_error` and the like
/// are retryable, as their statuses are).
pub fn from_stream_error(e: &ErrorDetail, key: &str) -> ProviderError {
    let retryable = e.kind.as_deref().is_some_and(|k| TRANSIENT.contains(&k));
    let message = format!("upstream stream failed: {}", short_reason(&detail_text(e), &[key]));
    let kind = parlance_core::FailureKind::UpstreamStatus;
    if retryable {
        ProviderError::transient(kind, message)
    } else {
        ProviderError::permanent(kind, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_never_echo_the_upstream_text() {
        let body = br#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-abcd"}}"#;
        let e = from_status(401, body, None, "sk-ant-abcd");
        assert_eq!(
            e.message,
            "upstream returned status 401: authentication failed (check the component's key)"
        );
        assert!(!e.retryable);
    }

    #[test]
    fn rate_limits_and_overload_are_retryable() {
        let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit."},"request_id":"req_1"}"#;
        let e = from_status(429, body, Some(Duration::from_secs(3)), "k");
        assert_eq!(
            e.message,
            "upstream returned status 429: rate_limit_error: Number of request tokens has exceeded your per-minute rate limit."
        );
        assert!(e.retryable);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        let overloaded =
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert!(from_status(529, overloaded, None, "k").retryable);
    }

    #[test]
    fn bad_requests_keep_the_reason_without_the_key() {
        let body = br#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required (key sk-ant-secret)"}}"#;
        let e = from_status(400, body, None, "sk-ant-secret");
        assert!(
            e.message
                .ends_with("invalid_request_error: max_tokens: Field required (key [redacted])")
        );
        assert!(!e.retryable);
        assert_eq!(
            from_status(502, b"<html>bad gateway</html>", None, "k").message,
            "upstream returned status 502: <html>bad gateway</html>"
        );
    }
}
