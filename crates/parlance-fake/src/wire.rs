//! What the three protocols share: routing by path, the answer types (plain or streamed), the
//! neutral error, and the closed [`Protocol`] enum whose exhaustive matches dispatch to each
//! protocol module.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use crate::state::State;
use crate::stream::StreamAnswer;
use crate::{anthropic, bedrock, openai, responses};

/// The wire protocols the fake speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// OpenAI Chat Completions, bearer auth (OpenAI and its compatible hosts).
    OpenAi,
    /// Azure OpenAI Chat Completions: `api-key` header, deployment in the path, `api-version`.
    Azure,
    /// The OpenAI Responses API: bearer auth (Azure's v1 path: `api-key`).
    Responses,
    /// Anthropic Messages.
    Anthropic,
    /// AWS Bedrock Runtime Converse, SigV4 auth.
    Bedrock,
}

/// Which protocol a path speaks, and the model or deployment named in the path, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// The protocol.
    pub protocol: Protocol,
    /// Azure deployment or Bedrock model id, percent-decoded.
    pub path_model: Option<String>,
    /// Whether the path itself asks for a stream (Bedrock `converse-stream`).
    pub stream: bool,
}

impl Route {
    /// Routes a (still percent-encoded) path; `None` for paths no protocol serves.
    pub(crate) fn of(path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        if let Some(rest) = path.strip_prefix("/model/") {
            let (model, stream) = match rest.strip_suffix("/converse-stream") {
                Some(model) => (model, true),
                None => (rest.strip_suffix("/converse")?, false),
            };
            return Some(Route {
                protocol: Protocol::Bedrock,
                path_model: Some(percent_decode(model)),
                stream,
            });
        }
        if let Some(before) = path.strip_suffix("/chat/completions") {
            return Some(match before.strip_prefix("/openai/deployments/") {
                Some(dep) => Route {
                    protocol: Protocol::Azure,
                    path_model: Some(percent_decode(dep)),
                    stream: false,
                },
                None => Route { protocol: Protocol::OpenAi, path_model: None, stream: false },
            });
        }
        if path.ends_with("/responses") {
            return Some(Route { protocol: Protocol::Responses, path_model: None, stream: false });
        }
        if path.ends_with("/messages") || path.ends_with("/messages/count_tokens") {
            return Some(Route { protocol: Protocol::Anthropic, path_model: None, stream: false });
        }
        None
    }
}

/// A protocol-neutral error; each protocol renders it in its own error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error type (`invalid_request_error`, `ValidationException`, …).
    pub kind: String,
    /// Human-readable message.
    pub message: String,
    /// OpenAI `param`.
    pub param: Option<String>,
    /// OpenAI `code`.
    pub code: Option<String>,
}

impl WireError {
    /// An error with no `param` or `code`.
    pub(crate) fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> Self {
        WireError {
            status,
            kind: kind.to_owned(),
            message: message.into(),
            param: None,
            code: None,
        }
    }

    /// Sets the OpenAI `param`.
    pub(crate) fn param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// Sets the OpenAI `code`.
    pub(crate) fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
}

/// A complete answer, before it is turned into an HTTP response.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers besides `content-type: application/json` (always sent).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// JSON body.
    pub body: Bytes,
}

impl Answer {
    /// A 200 answer with this JSON body.
    pub(crate) fn ok(body: &Value) -> Answer {
        Answer { status: StatusCode::OK, headers: Vec::new(), body: Bytes::from(body.to_string()) }
    }

    /// Adds a header (values that are not valid header text are skipped).
    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Answer {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }
}

/// A protocol's success: a plain answer or a stream.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A complete answer (also every error).
    Plain(Answer),
    /// A streamed answer.
    Stream(StreamAnswer),
}

impl From<Answer> for Outcome {
    fn from(a: Answer) -> Outcome {
        Outcome::Plain(a)
    }
}

/// What a protocol handler sees of a request.
pub(crate) struct Call<'a> {
    /// The fake's shared state (options, ids, prompt cache).
    pub state: &'a State,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The path (still percent-encoded).
    pub path: &'a str,
    /// Raw query string.
    pub query: Option<&'a str>,
    /// The body as JSON, or `None` when it does not parse.
    pub json: Option<&'a Value>,
    /// Model or deployment from the path.
    pub path_model: Option<&'a str>,
    /// Whether the path asks for a stream (Bedrock `converse-stream`).
    pub path_stream: bool,
    /// The paced mode's number of content deltas (`pace=NxT`), when that fault applies.
    pub pace: Option<u32>,
}

impl Call<'_> {
    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Protocol {
    /// Validates the request and answers it (success, plain or streamed, or the protocol's
    /// error, always plain).
    pub(crate) fn answer(self, call: &Call<'_>) -> Outcome {
        let result = match self {
            Protocol::OpenAi | Protocol::Azure => openai::handle(self, call),
            Protocol::Responses => responses::handle(call),
            Protocol::Anthropic => anthropic::handle(call),
            Protocol::Bedrock => bedrock::handle(call),
        };
        result.unwrap_or_else(|e| self.error(&e, call.state).into())
    }

    /// Renders an error in the protocol's shape.
    pub(crate) fn error(self, err: &WireError, state: &State) -> Answer {
        match self {
            Protocol::OpenAi | Protocol::Azure | Protocol::Responses => openai::error(err, state),
            Protocol::Anthropic => anthropic::error(err, state),
            Protocol::Bedrock => bedrock::error(err, state),
        }
    }

    /// The error a provider sends with this status (for `Fault::Status`).
    pub(crate) fn status_error(self, status: StatusCode) -> WireError {
        match self {
            Protocol::OpenAi | Protocol::Azure | Protocol::Responses => {
                openai::status_error(status)
            }
            Protocol::Anthropic => anthropic::status_error(status),
            Protocol::Bedrock => bedrock::status_error(status),
        }
    }

    /// The error for a request whose body is not JSON.
    pub(crate) fn invalid_json(self) -> WireError {
        match self {
            Protocol::OpenAi | Protocol::Azure | Protocol::Responses => openai::invalid_json(),
            Protocol::Anthropic => anthropic::invalid_json(),
            Protocol::Bedrock => bedrock::invalid_json(),
        }
    }

    /// A request-level rejection (bad fault spec: 400; wrong method: 405) in the protocol's terms.
    pub(crate) fn reject(self, status: StatusCode, message: String) -> WireError {
        let kind = match (self, status.as_u16()) {
            (Protocol::OpenAi | Protocol::Azure | Protocol::Responses | Protocol::Anthropic, _) => {
                "invalid_request_error"
            }
            (Protocol::Bedrock, 405) => "UnknownOperationException",
            (Protocol::Bedrock, _) => "ValidationException",
        };
        WireError::new(status, kind, message)
    }

    /// The precomputed success body used in fixed-reply mode.
    pub(crate) fn fixed_body(self) -> Value {
        match self {
            Protocol::OpenAi | Protocol::Azure => openai::fixed_body(),
            Protocol::Responses => responses::fixed_body(),
            Protocol::Anthropic => anthropic::fixed_body(),
            Protocol::Bedrock => bedrock::fixed_body(),
        }
    }

    /// The model a request names: in the path (Azure, Bedrock), else the body's `model`.
    pub(crate) fn model<'a>(route: &'a Route, json: Option<&'a Value>) -> Option<&'a str> {
        route
            .path_model
            .as_deref()
            .or_else(|| json.and_then(|j| j.get("model")).and_then(Value::as_str))
    }
}

/// How the real APIs name a JSON value's type in messages ("a string", "an integer", …).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a decimal",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proto(path: &str) -> Option<Protocol> {
        Route::of(path).map(|r| r.protocol)
    }

    #[test]
    fn routes_by_path() {
        for p in [
            "/v1/chat/completions",
            "/chat/completions",
            "/v1beta/openai/chat/completions",
            "/hf-inference/models/org/model/v1/chat/completions",
        ] {
            assert_eq!(proto(p), Some(Protocol::OpenAi), "{p}");
        }
        for p in ["/v1/messages", "/messages", "/v1/messages/"] {
            assert_eq!(proto(p), Some(Protocol::Anthropic), "{p}");
        }
        for p in ["/v1/responses", "/openai/v1/responses"] {
            assert_eq!(proto(p), Some(Protocol::Responses), "{p}");
        }
        assert_eq!(proto("/v1/embeddings"), None);
        assert_eq!(proto("/model/x/invoke"), None);
        let r = Route::of("/model/m/converse-stream").unwrap();
        assert_eq!(
            (r.protocol, r.path_model.as_deref(), r.stream),
            (Protocol::Bedrock, Some("m"), true)
        );
        assert!(!Route::of("/model/m/converse").unwrap().stream);
    }

    #[test]
    fn path_models_are_decoded() {
        let r = Route::of("/openai/deployments/gpt-4o/chat/completions").unwrap();
        assert_eq!((r.protocol, r.path_model.as_deref()), (Protocol::Azure, Some("gpt-4o")));
        let r = Route::of(
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse",
        )
        .unwrap();
        assert_eq!(r.protocol, Protocol::Bedrock);
        assert_eq!(
            r.path_model.as_deref(),
            Some("arn:aws:bedrock:us-east-1:1:inference-profile/x")
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }
}
