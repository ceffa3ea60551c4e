//! The one place where a failure becomes an Anthropic error: the body
//! `{"type":"error","error":{"type","message"}}` and Anthropic's status → type table (400
//! `invalid_request_error`, 401 `authentication_error`, 403 `permission_error`, 404
//! `not_found_error`, 413 `request_too_large`, 429 `rate_limit_error`, 500 `api_error`, 529
//! `overloaded_error`). Statuses come from [`crate::door::error`] and mean what they say
//! (the SDKs and Claude Code retry 408, 409, 429 and ≥ 500); load shed, an open circuit or
//! shutting down is Anthropic's 529 `overloaded_error`; an upstream failure is 502
//! `api_error`, an upstream timeout 504 `timeout_error`. The same body is the `data` of a
//! stream's `error` event.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parlance_core::{ApiError, ErrorCode};
use serde::Serialize;

pub use crate::door::error::MAX_INVALID_MESSAGE;
use crate::door::error::{Class, Retry, bounded, classify, json_reply};

const INVALID: &str = "invalid_request_error";

/// Anthropic's status for an overloaded API.
const OVERLOADED: u16 = 529;

/// An error as an Anthropic client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnthropicError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `error.type`.
    pub kind: &'static str,
    /// `error.message`.
    pub message: String,
    /// Passed on as `retry-after`.
    pub retry_after: Option<Duration>,
    /// A spent budget: `x-should-retry: false`.
    pub final_refusal: bool,
}

impl AnthropicError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> AnthropicError {
        AnthropicError {
            status,
            kind,
            message: message.into(),
            retry_after: None,
            final_refusal: false,
        }
    }

    /// A 400 `invalid_request_error`; the message is cut to [`MAX_INVALID_MESSAGE`] bytes,
    /// since it may quote the client's input (a JSON parser's message does).
    pub fn invalid(message: impl Into<String>) -> AnthropicError {
        AnthropicError::new(StatusCode::BAD_REQUEST, INVALID, bounded(message.into()))
    }

    /// 401 `authentication_error`.
    pub fn unauthenticated() -> AnthropicError {
        AnthropicError::new(StatusCode::UNAUTHORIZED, "authentication_error", "invalid x-api-key")
    }

    /// 404 `not_found_error` for a model no component serves (the name is not repeated:
    /// reflected values stay bounded).
    pub fn model_not_found() -> AnthropicError {
        AnthropicError::new(
            StatusCode::NOT_FOUND,
            "not_found_error",
            "model: no component serves this model (use \"<component>\", \"<component>/<model>\" or a component's modelAliases)",
        )
    }

    /// The Anthropic form of an error the service (or the shared door code) returned.
    pub fn from_api(e: &ApiError) -> AnthropicError {
        let f = classify(e);
        if e.code == ErrorCode::BodyRead && f.message.contains("too large") {
            return AnthropicError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_too_large",
                f.message,
            );
        }
        let status = match f.class {
            Class::Unavailable => StatusCode::from_u16(OVERLOADED).unwrap_or(f.status),
            _ => f.status,
        };
        let kind = match f.class {
            Class::ModelNotFound | Class::NotFound => "not_found_error",
            Class::Forbidden => "permission_error",
            Class::RateLimited | Class::BudgetExceeded => "rate_limit_error",
            Class::Unavailable => "overloaded_error",
            Class::Upstream if f.status == StatusCode::GATEWAY_TIMEOUT => "timeout_error",
            Class::Upstream | Class::Internal | Class::Unimplemented => "api_error",
            Class::Invalid | Class::ModelNotAllowed => kind_of(f.status),
        };
        AnthropicError {
            retry_after: f.retry_after,
            final_refusal: f.class == Class::BudgetExceeded,
            ..AnthropicError::new(status, kind, f.message)
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&self.wire()).unwrap_or_default()
    }

    /// The body as a serialisable value (also a stream's `error` event).
    pub fn wire(&self) -> Wire<'_> {
        Wire { kind: "error", error: Inner { kind: self.kind, message: &self.message } }
    }
}

/// A 4xx status in Anthropic's vocabulary (its table, `invalid_request_error` otherwise).
fn kind_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        _ => INVALID,
    }
}

/// `{"type":"error","error":{"type","message"}}`.
#[derive(Serialize)]
pub struct Wire<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: &'a str,
}

impl From<ApiError> for AnthropicError {
    fn from(e: ApiError) -> AnthropicError {
        AnthropicError::from_api(&e)
    }
}

impl IntoResponse for AnthropicError {
    fn into_response(self) -> Response {
        let retry = Retry { after: self.retry_after, millis: false, never: self.final_refusal };
        json_reply(self.status, &self.message, self.body(), retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use parlance_core::ProviderError;
    use serde_json::{Value, json};

    fn body(e: &AnthropicError) -> Value {
        serde_json::from_slice(&e.body()).unwrap()
    }

    fn from_provider(p: ProviderError) -> AnthropicError {
        AnthropicError::from_api(&ApiError::from_provider("llm", &p))
    }

    #[test]
    fn the_body_is_anthropics() {
        assert_eq!(
            body(&AnthropicError::invalid("bad")),
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}})
        );
    }

    #[test]
    fn statuses_and_types_follow_anthropics_table() {
        let cases = [
            (ApiError::not_found("x"), 404, "not_found_error"),
            (ApiError::missing_inputs("x"), 400, INVALID),
            (ApiError::model_not_allowed("x", "m", "a"), 400, INVALID),
            (ApiError::new(ErrorCode::Overloaded, "busy"), 529, "overloaded_error"),
            (ApiError::new(ErrorCode::Forbidden, "no"), 403, "permission_error"),
            (ApiError::new(ErrorCode::RateLimited, "slow"), 429, "rate_limit_error"),
            (
                ApiError::new(ErrorCode::BodyRead, "http: request body too large (limit 1 bytes)"),
                413,
                "request_too_large",
            ),
            (ApiError::invoke("llm", &"scrubber"), 500, "api_error"),
        ];
        for (e, status, kind) in cases {
            let a = AnthropicError::from_api(&e);
            assert_eq!((a.status.as_u16(), a.kind), (status, kind), "{e:?}");
        }
        let e =
            from_provider(ProviderError::upstream(429, "slow", Some(Duration::from_millis(1500))));
        assert_eq!((e.status.as_u16(), e.kind), (429, "rate_limit_error"));
        assert_eq!(e.into_response().headers()[header::RETRY_AFTER], "2");
        let e = from_provider(ProviderError::upstream(401, "bad key upstream", None));
        assert_eq!((e.status.as_u16(), e.kind), (401, "authentication_error"));
        let e = from_provider(ProviderError::upstream(500, "down", None));
        assert_eq!((e.status.as_u16(), e.kind), (502, "api_error"));
    }
}
