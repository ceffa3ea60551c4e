//! The one place where a failure becomes an OpenAI error, for both doors that speak OpenAI's
//! shape (`/v1/chat/completions`, contract §6, and `/v1/responses`): the body
//! `{"error":{"message","type","param","code"}}` (all four keys, `null` where unknown) and a
//! status that means what it says, since the OpenAI SDKs and Codex retry 408, 409, 429 and
//! ≥ 500 on their own. The status and kind of a service error come from
//! [`crate::door::error`]; this module names them in OpenAI's words. Every value quoted from
//! the client is bounded.

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

/// An error as an OpenAI client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiError {
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
    /// Passed on as `Retry-After` (with a 429).
    pub retry_after: Option<Duration>,
}

impl OpenAiError {
    pub(crate) fn new(
        status: StatusCode,
        kind: &'static str,
        message: impl Into<String>,
    ) -> OpenAiError {
        OpenAiError {
            status,
            kind,
            code: None,
            param: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A 400 `invalid_request_error`, naming the offending parameter when there is one.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> OpenAiError {
        let mut e = OpenAiError::new(StatusCode::BAD_REQUEST, INVALID, bounded(message.into()));
        e.param = param.map(|p| bounded(p.to_string()));
        e
    }

    /// As [`OpenAiError::invalid`], with a computed parameter path (`messages[2].content`).
    pub fn invalid_at(message: impl Into<String>, param: String) -> OpenAiError {
        OpenAiError { param: Some(param), ..OpenAiError::invalid(message, None) }
    }

    /// 401 `authentication_error`.
    pub fn unauthenticated() -> OpenAiError {
        let mut e =
            OpenAiError::new(StatusCode::UNAUTHORIZED, "authentication_error", "invalid api token");
        e.code = Some("invalid_api_key");
        e
    }

    /// 404 `model_not_found` for a model (component) that does not exist.
    pub fn model_not_found(model: &str) -> OpenAiError {
        let message = format!("The model '{}' does not exist", short(model));
        OpenAiError {
            code: Some("model_not_found"),
            param: Some("model".into()),
            ..OpenAiError::new(StatusCode::NOT_FOUND, INVALID, message)
        }
    }

    /// The OpenAI form of an error the service (or the shared sidecar code) returned.
    pub fn from_api(e: &ApiError) -> OpenAiError {
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
        OpenAiError {
            code,
            param: param.map(str::to_string),
            retry_after: f.retry_after,
            ..OpenAiError::new(f.status, kind, f.message)
        }
    }

    /// The `error` object, borrowed (a failed stream's `response.failed` carries it too).
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
pub fn short(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

impl From<ApiError> for OpenAiError {
    fn from(e: ApiError) -> OpenAiError {
        OpenAiError::from_api(&e)
    }
}

impl IntoResponse for OpenAiError {
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
    use parlance_core::{ErrorCode, FailureKind, ProviderError};
    use serde_json::{Value, json};

    fn body(e: &OpenAiError) -> Value {
        serde_json::from_slice(&e.body()).unwrap()
    }

    fn from_provider(p: ProviderError) -> OpenAiError {
        OpenAiError::from_api(&ApiError::from_provider("llm", &p))
    }

    #[test]
    fn a_400_quoting_the_client_is_bounded() {
        let e = OpenAiError::invalid("x".repeat(100_000), None);
        assert!(e.message.len() <= crate::door::error::MAX_INVALID_MESSAGE + '…'.len_utf8());
    }

    #[test]
    fn every_key_is_present() {
        let e = OpenAiError::invalid("bad", None);
        assert_eq!(
            body(&e),
            json!({"error": {"message": "bad", "type": "invalid_request_error", "param": null, "code": null}})
        );
        assert_eq!(body(&OpenAiError::model_not_found("x"))["error"]["code"], "model_not_found");
    }

    #[test]
    fn service_errors_map_by_code() {
        let e = OpenAiError::from_api(&ApiError::not_found("nope"));
        assert_eq!((e.status, e.code), (StatusCode::NOT_FOUND, Some("model_not_found")));
        let e = OpenAiError::from_api(&ApiError::missing_inputs("x"));
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = OpenAiError::from_api(&ApiError::model_not_allowed("x", "m", "a"));
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, Some("model_not_allowed")));
        let shed = ApiError::new(ErrorCode::Overloaded, "busy");
        assert_eq!(OpenAiError::from_api(&shed).status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn upstream_failures_map_by_what_the_upstream_did() {
        let e =
            from_provider(ProviderError::upstream(429, "slow", Some(Duration::from_millis(1500))));
        assert_eq!((e.status, e.kind), (StatusCode::TOO_MANY_REQUESTS, "rate_limit_error"));
        let resp = e.into_response();
        assert_eq!(resp.headers()[header::RETRY_AFTER], "2");
        assert_eq!(resp.headers()["retry-after-ms"], "1500");
        let e = from_provider(ProviderError::upstream(404, "no such model", None));
        assert_eq!((e.status, e.kind), (StatusCode::NOT_FOUND, "invalid_request_error"));
        let e = from_provider(ProviderError::upstream(503, "down", None));
        assert_eq!((e.status, e.kind), (StatusCode::BAD_GATEWAY, "api_error"));
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
        let plain = OpenAiError::from_api(&ApiError::invoke("llm", &"scrubber failed"));
        assert_eq!(plain.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
