//! The one place where a failure becomes a Responses API error: OpenAI's body
//! `{"error":{"message","type","param","code"}}` (all four keys, `null` where unknown) with a
//! status that means what it says (the OpenAI SDKs and Codex retry 408, 409, 429 and ≥ 500).
//! The status and class of a service error come from [`crate::door::error`]; this module names
//! them in OpenAI's words, and adds the Responses API's own: an unknown
//! `previous_response_id` (400 `previous_response_not_found`) and an unknown stored response
//! (404). Every message that may quote the client is bounded.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parlance_core::ApiError;
use serde::Serialize;

use crate::door::error::{Class, Retry, bounded, classify, json_reply};

const INVALID: &str = "invalid_request_error";
const API: &str = "api_error";
/// OpenAI's type and code for a spent budget (not worth retrying).
const INSUFFICIENT_QUOTA: &str = "insufficient_quota";

/// An error as a Responses API client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsesError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `error.type`.
    pub kind: &'static str,
    /// `error.code`.
    pub code: Option<&'static str>,
    /// `error.param`.
    pub param: Option<String>,
    /// `error.message`.
    pub message: String,
    /// Passed on as `retry-after` (with a 429).
    pub retry_after: Option<Duration>,
}

impl ResponsesError {
    fn new(status: StatusCode, kind: &'static str, message: String) -> ResponsesError {
        ResponsesError { status, kind, code: None, param: None, message, retry_after: None }
    }

    /// A 400 `invalid_request_error` naming the offending parameter (`input[2].content`);
    /// the message is bounded since it may quote the client.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> ResponsesError {
        let mut e = ResponsesError::new(StatusCode::BAD_REQUEST, INVALID, bounded(message.into()));
        e.param = param.map(|p| bounded(p.to_string()));
        e
    }

    /// 401 `authentication_error`.
    pub fn unauthenticated() -> ResponsesError {
        let mut e = ResponsesError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid api key".into(),
        );
        e.code = Some("invalid_api_key");
        e
    }

    /// 404 `model_not_found`: no component serves `model` (quoted bounded).
    pub fn model_not_found(model: &str) -> ResponsesError {
        let message = format!("The model '{}' does not exist", short(model));
        ResponsesError {
            code: Some("model_not_found"),
            param: Some("model".into()),
            ..ResponsesError::new(StatusCode::NOT_FOUND, INVALID, message)
        }
    }

    /// 400 `previous_response_not_found`: `previous_response_id` names no stored response
    /// this caller may read (never silently ignored).
    pub fn previous_not_found(id: &str) -> ResponsesError {
        let message = format!("Previous response with id '{}' not found.", short(id));
        ResponsesError {
            code: Some("previous_response_not_found"),
            param: Some("previous_response_id".into()),
            ..ResponsesError::new(StatusCode::BAD_REQUEST, INVALID, message)
        }
    }

    /// 404 for `GET`/`DELETE /v1/responses/{id}` of a response that is not stored.
    pub fn response_not_found(id: &str) -> ResponsesError {
        let message = format!("Response with id '{}' not found.", short(id));
        ResponsesError::new(StatusCode::NOT_FOUND, INVALID, message)
    }

    /// The Responses form of an error the service (or the shared door code) returned.
    pub fn from_api(e: &ApiError) -> ResponsesError {
        let f = classify(e);
        let (kind, code, param) = match f.class {
            Class::Invalid | Class::NotFound | Class::Unimplemented => (INVALID, None, None),
            Class::ModelNotAllowed => (INVALID, Some("model_not_allowed"), Some("model")),
            Class::ModelNotFound => (INVALID, Some("model_not_found"), Some("model")),
            Class::RateLimited => ("rate_limit_error", Some("rate_limit_exceeded"), None),
            Class::BudgetExceeded => (INSUFFICIENT_QUOTA, Some(INSUFFICIENT_QUOTA), None),
            Class::Forbidden => ("permission_error", Some("permission_denied"), None),
            Class::Unavailable | Class::Upstream | Class::Internal => (API, None, None),
        };
        ResponsesError {
            code,
            param: param.map(str::to_string),
            retry_after: f.retry_after,
            ..ResponsesError::new(f.status, kind, f.message)
        }
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

    /// The `error` object, borrowed.
    pub fn inner(&self) -> Inner<'_> {
        Inner {
            message: &self.message,
            kind: self.kind,
            param: self.param.as_deref(),
            code: self.code,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        serde_json::to_vec(&Body { error: self.inner() }).unwrap_or_default()
    }
}

/// `{"message","type","param","code"}`.
#[derive(Serialize)]
pub struct Inner<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

/// A client's value quoted in a message, cut to 64 characters.
fn short(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

impl From<ApiError> for ResponsesError {
    fn from(e: ApiError) -> ResponsesError {
        ResponsesError::from_api(&e)
    }
}

impl IntoResponse for ResponsesError {
    fn into_response(self) -> Response {
        let retry = Retry {
            after: self.retry_after,
            millis: true,
            never: self.code == Some(INSUFFICIENT_QUOTA),
        };
        json_reply(self.status, &self.message, self.body(), retry)
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
