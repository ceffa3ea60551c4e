//! The one place where a failure becomes a Responses API error: OpenAI's error shape
//! ([`crate::door::openai_error`], shared with the chat door), plus the Responses API's own —
//! an unknown `previous_response_id` (400 `previous_response_not_found`), an unknown stored
//! response (404) and the short `error.code` list of a failed response. Every message that may
//! quote the client is bounded.

use std::ops::Deref;
#[cfg(test)]
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parlance_core::ApiError;

use crate::door::openai_error::{OpenAiError, short};

pub use crate::door::openai_error::Inner;

/// An error as a Responses API client sees it: an OpenAI error (its fields read through).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsesError(OpenAiError);

impl Deref for ResponsesError {
    type Target = OpenAiError;

    fn deref(&self) -> &OpenAiError {
        &self.0
    }
}

impl ResponsesError {
    /// A 400 `invalid_request_error` naming the offending parameter (`input[2].content`);
    /// the message is bounded since it may quote the client.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> ResponsesError {
        ResponsesError(OpenAiError::invalid(message, param))
    }

    /// 401 `authentication_error`.
    pub fn unauthenticated() -> ResponsesError {
        ResponsesError(OpenAiError::unauthenticated())
    }

    /// 404 `model_not_found`: no component serves `model` (quoted bounded).
    pub fn model_not_found(model: &str) -> ResponsesError {
        ResponsesError(OpenAiError::model_not_found(model))
    }

    /// 400 `previous_response_not_found`: `previous_response_id` names no stored response
    /// this caller may read (never silently ignored).
    pub fn previous_not_found(id: &str) -> ResponsesError {
        let message = format!("Previous response with id '{}' not found.", short(id));
        let mut e = OpenAiError::invalid(message, Some("previous_response_id"));
        e.code = Some("previous_response_not_found");
        ResponsesError(e)
    }

    /// 404 for `GET`/`DELETE /v1/responses/{id}` of a response that is not stored.
    pub fn response_not_found(id: &str) -> ResponsesError {
        let message = format!("Response with id '{}' not found.", short(id));
        ResponsesError(OpenAiError {
            status: StatusCode::NOT_FOUND,
            ..OpenAiError::invalid(message, None)
        })
    }

    /// 503 `api_error` (`store_unavailable`, `Retry-After: 1`): the shared responses store
    /// did not answer within its timeout, so a stored response could not be read or deleted.
    pub fn store_unavailable() -> ResponsesError {
        let message = "The responses store is unavailable; retry shortly.";
        let mut e = OpenAiError::new(StatusCode::SERVICE_UNAVAILABLE, "api_error", message);
        e.code = Some("store_unavailable");
        e.retry_after = Some(std::time::Duration::from_secs(1));
        ResponsesError(e)
    }

    /// The Responses form of an error the service (or the shared door code) returned.
    pub fn from_api(e: &ApiError) -> ResponsesError {
        ResponsesError(OpenAiError::from_api(e))
    }

    /// The code a failed response's `error.code` carries (the Responses API's short list:
    /// `rate_limit_exceeded` or `server_error`).
    pub fn response_code(&self) -> &'static str {
        match self.status {
            StatusCode::TOO_MANY_REQUESTS => "rate_limit_exceeded",
            s if s.is_client_error() => "invalid_prompt",
            _ => "server_error",
        }
    }
}

impl From<ApiError> for ResponsesError {
    fn from(e: ApiError) -> ResponsesError {
        ResponsesError::from_api(&e)
    }
}

impl IntoResponse for ResponsesError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use parlance_core::{ErrorCode, ProviderError};
    use serde_json::{Value, json};

    fn body(e: &ResponsesError) -> Value {
        serde_json::from_slice(&e.body()).unwrap()
    }

    #[test]
    fn every_key_is_present() {
        assert_eq!(
            body(&ResponsesError::invalid("bad", Some("input"))),
            json!({"error": {"message": "bad", "type": "invalid_request_error", "param": "input", "code": null}})
        );
    }

    #[test]
    fn reflected_values_are_bounded() {
        let long = "r".repeat(100_000);
        for e in [
            ResponsesError::invalid(long.clone(), Some(&long)),
            ResponsesError::model_not_found(&long),
            ResponsesError::previous_not_found(&long),
            ResponsesError::response_not_found(&long),
        ] {
            assert!(e.body().len() < 1_000, "{}", e.body().len());
        }
    }

    #[test]
    fn an_unknown_previous_response_is_a_400_with_its_code() {
        let e = ResponsesError::previous_not_found("resp_x");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let v = body(&e);
        assert_eq!(v["error"]["code"], "previous_response_not_found");
        assert_eq!(v["error"]["param"], "previous_response_id");
    }

    #[test]
    fn service_errors_keep_their_statuses() {
        let e = ResponsesError::from_api(&ApiError::model_not_allowed("x", "m", "a"));
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, Some("model_not_allowed")));
        let shed = ApiError::new(ErrorCode::Overloaded, "busy");
        assert_eq!(ResponsesError::from_api(&shed).status, StatusCode::SERVICE_UNAVAILABLE);
        let p = ProviderError::upstream(429, "slow", Some(Duration::from_millis(1500)));
        let e = ResponsesError::from_api(&ApiError::from_provider("llm", &p));
        assert_eq!((e.status, e.kind), (StatusCode::TOO_MANY_REQUESTS, "rate_limit_error"));
        assert_eq!(e.response_code(), "rate_limit_exceeded");
        let resp = e.into_response();
        assert_eq!(resp.headers()[header::RETRY_AFTER], "2");
        let p = ProviderError::upstream(500, "down", None);
        let e = ResponsesError::from_api(&ApiError::from_provider("llm", &p));
        assert_eq!((e.status, e.response_code()), (StatusCode::BAD_GATEWAY, "server_error"));
    }
}
