//! Errors, and the one place where an error kind becomes an HTTP status, a gRPC code and a
//! Dapr `errorCode` (spec §1.6, §2.2).
//!
//! Layers keep their own error types; at the edge they all become an [`ApiError`], whose
//! [`ErrorCode`] decides everything a client sees. Provider failures are [`ProviderError`]s:
//! where the failure came from and whether a retry may help are decided where it is born.

use std::fmt;
use std::time::Duration;

/// The Dapr error codes parlance answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The HTTP body could not be read (too large, broken stream).
    BodyRead,
    /// The HTTP body is not valid protojson for the request message.
    MalformedRequest,
    /// No conversation component has that name.
    ConversationNotFound,
    /// The request has no inputs.
    ConversationMissingInputs,
    /// A message, tool call or tool choice is invalid (Dapr's spelling: PARMS).
    ConversationInvalidParams,
    /// The request chose a model (`metadata.model`, or `component/model` on the OpenAI door)
    /// that the component's `allowedModels` does not list. Dapr clients see exactly what an
    /// invalid parameter gives them (`ERR_CONVERSATION_INVALID_PARMS`, 400, InvalidArgument);
    /// the variant exists so that the OpenAI door can answer `model_not_allowed`.
    ModelNotAllowed,
    /// The component, the provider, the scrubber or a policy failed.
    ConversationInvoke,
    /// The response could not be encoded.
    Internal,
    /// A route that daprd serves by service invocation, which parlance does not do.
    DirectInvoke,
    /// `/v1.0/healthz?appid=` named another app.
    HealthAppIdNotMatch,
    /// Not ready to serve.
    HealthNotReady,
    /// Too many requests in flight: load shed.
    Overloaded,
    /// An RPC or route that parlance does not implement.
    Unimplemented,
    /// The caller's API key is over one of its limits (requests, tokens, concurrency).
    RateLimited,
    /// The caller's API key (or its group) has spent a budget.
    BudgetExceeded,
    /// The caller's API key may not use this component or model.
    Forbidden,
}

/// gRPC status codes used by parlance, by number (so the core needs no gRPC crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum GrpcCode {
    /// Code 3.
    InvalidArgument = 3,
    /// Code 5.
    NotFound = 5,
    /// Code 7.
    PermissionDenied = 7,
    /// Code 8.
    ResourceExhausted = 8,
    /// Code 12.
    Unimplemented = 12,
    /// Code 13.
    Internal = 13,
    /// Code 14.
    Unavailable = 14,
}

impl ErrorCode {
    /// The Dapr `errorCode` string.
    pub fn as_str(self) -> &'static str {
        self.mapping().0
    }

    /// The HTTP status.
    pub fn http_status(self) -> u16 {
        self.mapping().1
    }

    /// The gRPC status code.
    pub fn grpc_code(self) -> GrpcCode {
        self.mapping().2
    }

    /// The whole table, in one exhaustive match.
    fn mapping(self) -> (&'static str, u16, GrpcCode) {
        use ErrorCode::*;
        use GrpcCode as G;
        match self {
            BodyRead => ("ERR_BODY_READ", 400, G::InvalidArgument),
            MalformedRequest => ("ERR_MALFORMED_REQUEST", 400, G::InvalidArgument),
            ConversationNotFound => ("ERR_CONVERSATION_NOT_FOUND", 400, G::InvalidArgument),
            ConversationMissingInputs => {
                ("ERR_CONVERSATION_MISSING_INPUTS", 400, G::InvalidArgument)
            }
            ConversationInvalidParams | ModelNotAllowed => {
                ("ERR_CONVERSATION_INVALID_PARMS", 400, G::InvalidArgument)
            }
            ConversationInvoke => ("ERR_CONVERSATION_INVOKE", 500, G::Internal),
            Internal => ("ERR_INTERNAL", 500, G::Internal),
            DirectInvoke => ("ERR_DIRECT_INVOKE", 404, G::NotFound),
            HealthAppIdNotMatch => ("ERR_HEALTH_APPID_NOT_MATCH", 500, G::Internal),
            HealthNotReady => ("ERR_HEALTH_NOT_READY", 500, G::Unavailable),
            Overloaded => ("ERR_TOO_MANY_REQUESTS", 503, G::Unavailable),
            Unimplemented => ("ERR_API_UNIMPLEMENTED", 501, G::Unimplemented),
            RateLimited => ("ERR_CONVERSATION_RATE_LIMITED", 429, G::ResourceExhausted),
            BudgetExceeded => ("ERR_CONVERSATION_BUDGET_EXCEEDED", 429, G::ResourceExhausted),
            Forbidden => ("ERR_CONVERSATION_FORBIDDEN", 403, G::PermissionDenied),
        }
    }
}

/// An error as the client sees it: a code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    /// Decides the status and the `errorCode`.
    pub code: ErrorCode,
    /// The Dapr message text.
    pub message: String,
    /// What the upstream did, when a provider call failed ([`ApiError::from_provider`]). The
    /// Dapr doors answer by `code` alone (as daprd does); the OpenAI door answers with a
    /// status that says what happened upstream (its 429 and `Retry-After`, its 4xx, 502, 504).
    pub upstream: Option<UpstreamFailure>,
    /// When the caller may try again (a key's limit refused it): every door sends it as
    /// `retry-after` (seconds) or its equivalent.
    pub retry_after: Option<Duration>,
}

/// The facts of a failed provider call that a door may answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpstreamFailure {
    /// Where the failure came from.
    pub kind: FailureKind,
    /// The upstream HTTP status, when there was one.
    pub status: Option<u16>,
    /// The upstream's `Retry-After`, when it gave one.
    pub retry_after: Option<Duration>,
}

impl From<&ProviderError> for UpstreamFailure {
    fn from(e: &ProviderError) -> UpstreamFailure {
        UpstreamFailure { kind: e.kind, status: e.status, retry_after: e.retry_after }
    }
}

impl ApiError {
    /// Any error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), upstream: None, retry_after: None }
    }

    /// [`ApiError::invoke`] for a failed provider call, keeping what the upstream did.
    pub fn from_provider(component: &str, err: &ProviderError) -> ApiError {
        ApiError::invoke(component, err).with_upstream(err)
    }

    /// The same error, with `err`'s upstream facts (when the message names more than `err`,
    /// as a fallback's double failure does).
    pub fn with_upstream(mut self, err: &ProviderError) -> ApiError {
        self.upstream = Some(UpstreamFailure::from(err));
        self
    }

    /// `failed finding conversation component <name>`.
    pub fn not_found(component: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ConversationNotFound,
            format!("failed finding conversation component {component}"),
        )
    }

    /// `failed conversing with component <name>: missing inputs in request`.
    pub fn missing_inputs(component: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ConversationMissingInputs,
            format!("failed conversing with component {component}: missing inputs in request"),
        )
    }

    /// `failed conversing with component <name>: invalid params: <detail>` (Dapr master's form).
    pub fn invalid_params(component: &str, detail: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ConversationInvalidParams,
            format!("failed conversing with component {component}: invalid params: {detail}"),
        )
    }

    /// `failed conversing with component <name>: invalid params: model "<model>" is not allowed
    /// for component <name> (allowedModels: <allowed>)`, code [`ErrorCode::ModelNotAllowed`].
    pub fn model_not_allowed(component: &str, model: &str, allowed: &str) -> ApiError {
        let detail = format!(
            "model {model:?} is not allowed for component {component} (allowedModels: {allowed})"
        );
        ApiError {
            code: ErrorCode::ModelNotAllowed,
            ..ApiError::invalid_params(component, &detail)
        }
    }

    /// `failed conversing with component <name>: <error>`.
    pub fn invoke(component: &str, err: &dyn fmt::Display) -> ApiError {
        ApiError::new(
            ErrorCode::ConversationInvoke,
            format!("failed conversing with component {component}: {err}"),
        )
    }

    /// `failed deserializing HTTP body: <detail>`.
    pub fn malformed(detail: &dyn fmt::Display) -> ApiError {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("failed deserializing HTTP body: {detail}"),
        )
    }

    /// The Dapr JSON error body `{"errorCode":…,"message":…}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({"errorCode": self.code.as_str(), "message": self.message}).to_string()
    }
}

/// Where a provider failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The upstream answered with an error status.
    UpstreamStatus,
    /// The upstream could not be reached or dropped the connection.
    Connect,
    /// The upstream did not answer in time.
    Timeout,
    /// The upstream answered something that is not its protocol.
    MalformedReply,
    /// The request cannot be expressed for this provider (a client error).
    InvalidRequest,
    /// A resiliency policy refused the call (open circuit breaker).
    Rejected,
    /// A bug or an impossible state inside parlance.
    Internal,
}

/// A failed provider call, with what the retry logic needs to know.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// Where it came from.
    pub kind: FailureKind,
    /// Short human reason; never contains credentials or prompt text.
    pub message: String,
    /// The upstream HTTP status, when there was one.
    pub status: Option<u16>,
    /// The upstream's `Retry-After`, when it gave one.
    pub retry_after: Option<Duration>,
    /// Whether trying again may help; decided where the error is born.
    pub retryable: bool,
}

impl ProviderError {
    /// A failure that retrying will not fix.
    pub fn permanent(kind: FailureKind, message: impl Into<String>) -> ProviderError {
        ProviderError {
            kind,
            message: message.into(),
            status: None,
            retry_after: None,
            retryable: false,
        }
    }

    /// A failure that may pass on a retry.
    pub fn transient(kind: FailureKind, message: impl Into<String>) -> ProviderError {
        ProviderError { retryable: true, ..ProviderError::permanent(kind, message) }
    }

    /// An upstream error status; 408, 429 and 5xx are retryable.
    pub fn upstream(status: u16, reason: &str, retry_after: Option<Duration>) -> ProviderError {
        let retryable = status == 408 || status == 429 || status >= 500;
        ProviderError {
            kind: FailureKind::UpstreamStatus,
            message: format!("upstream returned status {status}: {reason}"),
            status: Some(status),
            retry_after,
            retryable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_params_message_has_no_go_fmt_artifacts() {
        let e = ApiError::invalid_params("echo", "message type cannot be nil");
        assert_eq!(
            e.message,
            "failed conversing with component echo: invalid params: message type cannot be nil"
        );
        assert!(!e.message.contains("%!"));
        assert_eq!(e.code.http_status(), 400);
        assert_eq!(e.code.as_str(), "ERR_CONVERSATION_INVALID_PARMS");
    }

    #[test]
    fn a_model_not_allowed_is_invalid_params_to_dapr_clients() {
        let e = ApiError::model_not_allowed("llm", "gpt-x", "gpt-4o, gpt-4o-mini");
        assert_eq!(e.code, ErrorCode::ModelNotAllowed);
        assert_eq!(e.code.as_str(), "ERR_CONVERSATION_INVALID_PARMS");
        assert_eq!((e.code.http_status(), e.code.grpc_code()), (400, GrpcCode::InvalidArgument));
        assert_eq!(
            e.message,
            "failed conversing with component llm: invalid params: model \"gpt-x\" is not allowed for component llm (allowedModels: gpt-4o, gpt-4o-mini)"
        );
    }

    #[test]
    fn codes_map_to_dapr_statuses() {
        assert_eq!(ErrorCode::ConversationInvoke.http_status(), 500);
        assert_eq!(ErrorCode::ConversationInvoke.grpc_code(), GrpcCode::Internal);
        assert_eq!(ErrorCode::ConversationNotFound.grpc_code(), GrpcCode::InvalidArgument);
        assert_eq!(ErrorCode::BodyRead.as_str(), "ERR_BODY_READ");
    }

    #[test]
    fn upstream_retryability_is_decided_at_the_source() {
        assert!(ProviderError::upstream(429, "slow down", None).retryable);
        assert!(ProviderError::upstream(503, "x", None).retryable);
        assert!(ProviderError::upstream(408, "x", None).retryable);
        assert!(!ProviderError::upstream(400, "bad", None).retryable);
        assert!(!ProviderError::upstream(401, "bad key", None).retryable);
    }

    #[test]
    fn provider_failures_keep_the_upstream_facts_but_not_in_the_dapr_body() {
        let p = ProviderError::upstream(429, "slow down", Some(Duration::from_secs(2)));
        let e = ApiError::from_provider("llm", &p);
        let u = e.upstream.unwrap();
        assert_eq!((u.kind, u.status, u.retry_after), (p.kind, Some(429), p.retry_after));
        assert_eq!(e.to_json(), ApiError::invoke("llm", &p).to_json());
        assert_eq!(
            e.message,
            "failed conversing with component llm: upstream returned status 429: slow down"
        );
    }

    #[test]
    fn json_body_is_dapr_shaped() {
        let body = ApiError::not_found("x").to_json();
        assert_eq!(
            body,
            r#"{"errorCode":"ERR_CONVERSATION_NOT_FOUND","message":"failed finding conversation component x"}"#
        );
    }
}
