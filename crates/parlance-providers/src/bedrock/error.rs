//! A Bedrock error reply → [`ProviderError`]: status, a short reason, retryability.
//!
//! Bodies are `{"message": …}`; the exception name travels in `x-amzn-ErrorType`
//! (`ThrottlingException:http://internal.amazon.com/…`). 401/403 get a fixed text, so no
//! credential detail leaks; 408, 429 and 5xx are retryable, and so is a `ThrottlingException`
//! or `ServiceUnavailableException` whatever its status.

use std::time::Duration;

use parlance_core::ProviderError;

use super::wire::ErrorBody;
use crate::upstream::short_reason;

/// Exceptions worth retrying even when the status alone would not say so.
const RETRYABLE: [&str; 4] = [
    "ThrottlingException",
    "ServiceUnavailableException",
    "ModelNotReadyException",
    "InternalServerException",
];

/// Maps a non-2xx reply; `error_type` is the `x-amzn-ErrorType` header, if any.
pub fn from_status(
    status: u16,
    error_type: Option<&str>,
    body: &[u8],
    retry_after: Option<Duration>,
    secrets: &[&str],
) -> ProviderError {
    let kind = error_type.map(exception_name).filter(|k| !k.is_empty());
    let reason = match status {
        401 | 403 => format!(
            "{}authentication or model access failed (check the AWS credentials, region and model access)",
            kind.map(|k| format!("{k}: ")).unwrap_or_default()
        ),
        _ => short_reason(&detail(kind, body), secrets),
    };
    let mut e = ProviderError::upstream(status, &reason, retry_after);
    e.retryable |= kind.is_some_and(|k| RETRYABLE.contains(&k));
    e
}

/// Exception frames whose kind (matched without case: streams spell them lowerCamel) is
/// worth retrying: the plain path's, and a model stream that failed mid-way.
const STREAM_RETRYABLE: [&str; 5] = [
    "ThrottlingException",
    "ServiceUnavailableException",
    "ModelNotReadyException",
    "InternalServerException",
    "ModelStreamErrorException",
];

/// An exception frame (`:exception-type` `kind`, JSON `payload`) in a stream that had begun
/// with a 200.
pub fn from_stream_exception(kind: &str, payload: &[u8], secrets: &[&str]) -> ProviderError {
    let kind = kind.trim();
    let known = (!kind.is_empty()).then_some(kind);
    let reason = short_reason(&detail(known, payload), secrets);
    let message = format!("upstream stream failed: {reason}");
    let retryable = STREAM_RETRYABLE.iter().any(|k| k.eq_ignore_ascii_case(kind));
    let failure = parlance_core::FailureKind::UpstreamStatus;
    if retryable {
        ProviderError::transient(failure, message)
    } else {
        ProviderError::permanent(failure, message)
    }
}

/// `ThrottlingException:http://internal…` → `ThrottlingException`.
fn exception_name(header: &str) -> &str {
    header.split(':').next().unwrap_or_default().trim()
}

fn detail(kind: Option<&str>, body: &[u8]) -> String {
    let message = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => b.message.unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    match kind {
        Some(k) if !message.is_empty() => format!("{k}: {message}"),
        Some(k) => k.to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THROTTLED: &str =
        "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/";

    #[test]
    fn throttling_is_retryable_with_its_name() {
        let body = br#"{"message":"Too many requests, please wait before trying again."}"#;
        let e = from_status(429, Some(THROTTLED), body, Some(Duration::from_secs(1)), &[]);
        assert_eq!(
            e.message,
            "upstream returned status 429: ThrottlingException: Too many requests, please wait before trying again."
        );
        assert!(e.retryable);
        assert!(from_status(400, Some(THROTTLED), body, None, &[]).retryable);
    }

    #[test]
    fn auth_failures_say_nothing_of_the_credentials() {
        let body =
            br#"{"message":"The security token included in the request is invalid. AKIDSECRET"}"#;
        let e = from_status(
            403,
            Some("UnrecognizedClientException:http://x/"),
            body,
            None,
            &["AKIDSECRET"],
        );
        assert!(!e.message.contains("AKID") && !e.retryable, "{}", e.message);
        assert!(e.message.contains("UnrecognizedClientException"));
    }

    #[test]
    fn validation_errors_keep_their_message() {
        let body = br#"{"message":"The model returned the following errors: input is too long"}"#;
        let e = from_status(400, Some("ValidationException:http://x/"), body, None, &[]);
        assert!(e.message.ends_with(
            "ValidationException: The model returned the following errors: input is too long"
        ));
        assert!(!e.retryable);
        assert_eq!(
            from_status(500, None, b"", None, &[]).message,
            "upstream returned status 500: no error detail"
        );
    }
}
