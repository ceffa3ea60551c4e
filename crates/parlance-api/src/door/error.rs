//! What a failure means to an HTTP client, decided once for every `/v1` door: the status
//! (which must mean what it says, since the SDKs retry 408, 409, 429 and ≥ 500 by themselves)
//! and a [`Class`] each door names in its own vocabulary. An [`ApiError`] from the service
//! maps by its code and, for provider failures, by what the upstream did
//! ([`parlance_core::UpstreamFailure`]).

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parlance_core::{ApiError, ErrorCode, FailureKind, UpstreamFailure};

/// The kinds of failure a door's error table distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The request is wrong (400, or the upstream's own 4xx).
    Invalid,
    /// `<component>/<model>` names a model the component does not allow (400).
    ModelNotAllowed,
    /// No such component / model (404).
    ModelNotFound,
    /// No such route (404).
    NotFound,
    /// The key may not do this (403).
    Forbidden,
    /// A rate limit, parlance's or the upstream's (429).
    RateLimited,
    /// A spent budget (429, not worth retrying).
    BudgetExceeded,
    /// Load shed, circuit open, shutting down (503).
    Unavailable,
    /// The upstream failed, was unreachable or answered garbage (502), or timed out (504).
    Upstream,
    /// Not implemented (501).
    Unimplemented,
    /// A failure inside parlance (500).
    Internal,
}

/// A failure as the doors see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The HTTP status.
    pub status: StatusCode,
    /// What kind of failure it is.
    pub class: Class,
    /// The message (never a key or a prompt).
    pub message: String,
    /// Passed on as `retry-after`.
    pub retry_after: Option<Duration>,
}

impl Failure {
    fn new(status: StatusCode, class: Class, message: String) -> Failure {
        Failure { status, class, message, retry_after: None }
    }
}

/// The one mapping from the service's errors to HTTP.
pub fn classify(e: &ApiError) -> Failure {
    use ErrorCode::*;
    let msg = e.message.clone();
    let with = |status, class| Failure::new(status, class, msg.clone());
    match e.code {
        BodyRead | MalformedRequest | ConversationMissingInputs | ConversationInvalidParams => {
            with(StatusCode::BAD_REQUEST, Class::Invalid)
        }
        ModelNotAllowed => with(StatusCode::BAD_REQUEST, Class::ModelNotAllowed),
        ConversationNotFound => with(StatusCode::NOT_FOUND, Class::ModelNotFound),
        ConversationInvoke => upstream(e.upstream.as_ref(), msg),
        Overloaded | HealthNotReady => with(StatusCode::SERVICE_UNAVAILABLE, Class::Unavailable),
        DirectInvoke => with(StatusCode::NOT_FOUND, Class::NotFound),
        Unimplemented => with(StatusCode::NOT_IMPLEMENTED, Class::Unimplemented),
        Internal | HealthAppIdNotMatch => with(StatusCode::INTERNAL_SERVER_ERROR, Class::Internal),
        RateLimited => Failure {
            retry_after: e.retry_after,
            ..with(StatusCode::TOO_MANY_REQUESTS, Class::RateLimited)
        },
        BudgetExceeded => Failure {
            retry_after: e.retry_after,
            ..with(StatusCode::TOO_MANY_REQUESTS, Class::BudgetExceeded)
        },
        Forbidden => with(StatusCode::FORBIDDEN, Class::Forbidden),
    }
}

/// A provider failure: the status says what the upstream did.
fn upstream(u: Option<&UpstreamFailure>, msg: String) -> Failure {
    let Some(u) = u else {
        // Failed inside parlance (the scrubber, a stage), not upstream.
        return Failure::new(StatusCode::INTERNAL_SERVER_ERROR, Class::Internal, msg);
    };
    match u.kind {
        FailureKind::UpstreamStatus => match u.status.and_then(|s| StatusCode::from_u16(s).ok()) {
            Some(StatusCode::TOO_MANY_REQUESTS) => Failure {
                retry_after: u.retry_after,
                ..Failure::new(StatusCode::TOO_MANY_REQUESTS, Class::RateLimited, msg)
            },
            Some(s) if s.is_client_error() => Failure::new(s, Class::Invalid, msg),
            _ => Failure::new(StatusCode::BAD_GATEWAY, Class::Upstream, msg),
        },
        FailureKind::Connect | FailureKind::MalformedReply => {
            Failure::new(StatusCode::BAD_GATEWAY, Class::Upstream, msg)
        }
        FailureKind::Timeout => Failure::new(StatusCode::GATEWAY_TIMEOUT, Class::Upstream, msg),
        FailureKind::Rejected => {
            Failure::new(StatusCode::SERVICE_UNAVAILABLE, Class::Unavailable, msg)
        }
        FailureKind::InvalidRequest => Failure::new(StatusCode::BAD_REQUEST, Class::Invalid, msg),
        FailureKind::Internal => {
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, Class::Internal, msg)
        }
    }
}

/// Logs a failure once, where it becomes a response: server errors at `warn`, the client's
/// at `debug` (the message never holds a key or a prompt).
pub fn log(status: StatusCode, message: &str) {
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), message, "request failed");
    } else {
        tracing::debug!(status = status.as_u16(), message, "request rejected");
    }
}

/// The longest message of a 400 on any door: such a message may quote the client's input (a
/// JSON parser's does), and reflected values stay bounded.
pub const MAX_INVALID_MESSAGE: usize = 300;

/// `message` cut to [`MAX_INVALID_MESSAGE`] bytes (on a char boundary, with `…`).
pub fn bounded(mut message: String) -> String {
    if message.len() > MAX_INVALID_MESSAGE {
        let mut at = MAX_INVALID_MESSAGE;
        while !message.is_char_boundary(at) {
            at -= 1;
        }
        message.truncate(at);
        message.push('…');
    }
    message
}

/// `retry-after` in whole seconds, rounded up (the header's unit).
pub fn retry_after_secs(after: Duration) -> u64 {
    after.as_secs() + u64::from(after.subsec_nanos() > 0)
}

/// How a door's error reply tells a client whether and when to try again.
#[derive(Debug, Clone, Copy, Default)]
pub struct Retry {
    /// Wait this long: `retry-after` in whole seconds, rounded up.
    pub after: Option<Duration>,
    /// Also `retry-after-ms` (the OpenAI SDKs read it before `retry-after`).
    pub millis: bool,
    /// A refusal a retry cannot change (a spent budget): `x-should-retry: false`.
    pub never: bool,
}

/// A door's JSON error reply: `body` (already in the door's shape) with `status`, logged once
/// ([`log`] with `message`), `content-type: application/json` and the [`Retry`] headers.
pub fn json_reply(status: StatusCode, message: &str, body: Vec<u8>, retry: Retry) -> Response {
    log(status, message);
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(after) = retry.after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs(after)));
        if retry.millis {
            h.insert("retry-after-ms", HeaderValue::from(after.as_millis() as u64));
        }
    }
    if retry.never {
        h.insert("x-should-retry", HeaderValue::from_static("false"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_reply_says_when_to_retry() {
        let retry = Retry { after: Some(Duration::from_millis(1500)), millis: true, never: true };
        let r = json_reply(StatusCode::TOO_MANY_REQUESTS, "slow down", b"{}".to_vec(), retry);
        let h = r.headers();
        assert_eq!(r.status(), 429);
        assert_eq!(
            (h["retry-after"].to_str().unwrap(), h["retry-after-ms"].to_str().unwrap()),
            ("2", "1500")
        );
        assert_eq!(h["x-should-retry"], "false");
        assert_eq!(h["content-type"], "application/json");
        let plain = json_reply(StatusCode::BAD_REQUEST, "bad", b"{}".to_vec(), Retry::default());
        assert!(plain.headers().get("retry-after").is_none());
        assert!(plain.headers().get("x-should-retry").is_none());
    }
    use parlance_core::ProviderError;

    fn from_provider(p: ProviderError) -> Failure {
        classify(&ApiError::from_provider("llm", &p))
    }

    #[test]
    fn reflected_messages_are_bounded() {
        assert_eq!(bounded("short".into()), "short");
        let long = bounded("é".repeat(100_000));
        assert!(long.len() <= MAX_INVALID_MESSAGE + '…'.len_utf8() && long.ends_with('…'));
    }

    #[test]
    fn service_errors_map_by_code() {
        let f = classify(&ApiError::not_found("nope"));
        assert_eq!((f.status, f.class), (StatusCode::NOT_FOUND, Class::ModelNotFound));
        let f = classify(&ApiError::model_not_allowed("x", "m", "a"));
        assert_eq!((f.status, f.class), (StatusCode::BAD_REQUEST, Class::ModelNotAllowed));
        let shed = ApiError::new(ErrorCode::Overloaded, "busy");
        assert_eq!(classify(&shed).status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn upstream_failures_map_by_what_the_upstream_did() {
        let f =
            from_provider(ProviderError::upstream(429, "slow", Some(Duration::from_millis(1500))));
        assert_eq!((f.status, f.class), (StatusCode::TOO_MANY_REQUESTS, Class::RateLimited));
        assert_eq!(retry_after_secs(f.retry_after.unwrap()), 2);
        let f = from_provider(ProviderError::upstream(404, "no such model", None));
        assert_eq!((f.status, f.class), (StatusCode::NOT_FOUND, Class::Invalid));
        let f = from_provider(ProviderError::upstream(503, "down", None));
        assert_eq!((f.status, f.class), (StatusCode::BAD_GATEWAY, Class::Upstream));
        let cases = [
            (FailureKind::Connect, StatusCode::BAD_GATEWAY),
            (FailureKind::MalformedReply, StatusCode::BAD_GATEWAY),
            (FailureKind::Timeout, StatusCode::GATEWAY_TIMEOUT),
            (FailureKind::Rejected, StatusCode::SERVICE_UNAVAILABLE),
            (FailureKind::InvalidRequest, StatusCode::BAD_REQUEST),
        ];
        for (kind, status) in cases {
            assert_eq!(
                from_provider(ProviderError::transient(kind, "x")).status,
                status,
                "{kind:?}"
            );
        }
        let plain = classify(&ApiError::invoke("llm", &"scrubber failed"));
        assert_eq!(plain.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
