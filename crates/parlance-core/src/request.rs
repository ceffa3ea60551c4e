//! The conversation request as a client sent it, before validation.
//!
//! Both doors (HTTP protojson and gRPC protobuf) decode into these types, so everything after
//! decoding — validation, errors, the pipeline — is shared and a request that differs only in
//! transport gets the same answer.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::chat::Role;

/// Which API version a request came in on; it decides the response shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `/v1.0-alpha1/…`, `ConverseAlpha1`.
    Alpha1,
    /// `/v1.0-alpha2/…`, `ConverseAlpha2`.
    #[default]
    Alpha2,
    /// The OpenAI-compatible door, `/v1/chat/completions` (answers in OpenAI's shape).
    OpenAi,
    /// The Anthropic Messages door, `/v1/messages` (answers in Anthropic's shape).
    Anthropic,
    /// The OpenAI Responses door, `/v1/responses` (answers in the Responses API's shape).
    Responses,
}

impl ApiVersion {
    /// A short label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            ApiVersion::Alpha1 => "alpha1",
            ApiVersion::Alpha2 => "alpha2",
            ApiVersion::OpenAi => "openai",
            ApiVersion::Anthropic => "anthropic",
            ApiVersion::Responses => "responses",
        }
    }
}

/// A conversation request of either version (alpha1 fields map onto the alpha2 ones).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConverseRequest {
    /// `contextID` / `contextId`: echoed back when non-empty.
    pub context_id: Option<String>,
    /// The inputs, in order.
    pub inputs: Vec<Input>,
    /// `parameters`: echoed by alpha1; alpha2 forwards the generation parameters it knows.
    pub parameters: BTreeMap<String, prost_types::Any>,
    /// `metadata`: forwarded to providers that accept it.
    pub metadata: BTreeMap<String, String>,
    /// Request-level `scrubPII`/`scrubPii`: scrub the outputs.
    pub scrub_pii: bool,
    /// `temperature`, when given.
    pub temperature: Option<f64>,
    /// Alpha2 `tools`.
    pub tools: Vec<ToolIn>,
    /// Alpha2 `toolChoice`, unvalidated.
    pub tool_choice: Option<String>,
    /// Alpha2 `responseFormat`: a JSON Schema object.
    pub response_format: Option<Map<String, Value>>,
    /// Alpha2 `promptCacheRetention`.
    pub prompt_cache_retention: Option<Duration>,
    /// The Anthropic door's own options, passed to [`crate::ChatRequest::anthropic`].
    pub anthropic: crate::anthropic::AnthropicOptions,
}

/// One input: a list of messages that share a `scrubPii` flag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    /// The messages.
    pub messages: Vec<Message>,
    /// Scrub this input's text before it goes upstream.
    pub scrub_pii: bool,
}

/// One message: the alpha2 oneof, or an alpha1 input.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `ofDeveloper`: sent as the user, as daprd does.
    Developer(Vec<String>),
    /// `ofSystem`.
    System(Vec<String>),
    /// `ofUser`.
    User(Vec<String>),
    /// `ofAssistant`.
    Assistant {
        /// Text parts.
        content: Vec<String>,
        /// Tool calls of the history.
        tool_calls: Vec<ToolCallIn>,
    },
    /// `ofTool`.
    Tool {
        /// The call this answers.
        tool_id: Option<String>,
        /// The tool's name.
        name: String,
        /// One result per entry.
        content: Vec<String>,
    },
    /// An alpha1 input: one text with a role string already mapped.
    Legacy {
        /// The mapped role.
        role: Role,
        /// The text.
        content: String,
    },
    /// A provider's own item from a door of its wire (a Responses `reasoning` item): an
    /// assistant turn's part that only that provider reads (see [`crate::Opaque`]).
    Opaque(crate::chat::Opaque),
    /// No oneof key was set: rejected with `message type cannot be nil`.
    Unset,
    /// An Anthropic-only part (the Anthropic door's thinking blocks and `cache_control`),
    /// merged by providers into the turn of `role`.
    Anthropic {
        /// The role of the turn it belongs to.
        role: Role,
        /// The part.
        part: crate::anthropic::AnthropicPart,
    },
}

/// A tool call in the history; `function` is the oneof and may be missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolCallIn {
    /// The call id.
    pub id: Option<String>,
    /// The function called; `None` is rejected with `tool types cannot be nil`.
    pub function: Option<FunctionCallIn>,
}

/// The function part of a tool call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionCallIn {
    /// Function name.
    pub name: String,
    /// JSON arguments text.
    pub arguments: String,
}

/// A tool definition; `function` is the oneof and may be missing (such tools are skipped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolIn {
    /// The function.
    pub function: Option<FunctionIn>,
}

/// A function tool.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionIn {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    pub parameters: Option<Map<String, Value>>,
}

/// `parameters` with `max_tokens` set from the request's own `max_tokens` field (alpha2 field
/// 12, `maxTokens` in JSON), which overrides a `max_tokens` parameter; under 1 is refused.
pub fn with_max_tokens(
    mut parameters: BTreeMap<String, prost_types::Any>,
    max_tokens: Option<i64>,
) -> Result<BTreeMap<String, prost_types::Any>, crate::ApiError> {
    let Some(n) = max_tokens else { return Ok(parameters) };
    if n < 1 {
        return Err(crate::ApiError::malformed(&format!("max_tokens must be at least 1: {n}")));
    }
    for alias in ["maxTokens", "max_completion_tokens"] {
        parameters.remove(alias);
    }
    parameters.insert("max_tokens".to_string(), crate::wkt::int64_any(n));
    Ok(parameters)
}
