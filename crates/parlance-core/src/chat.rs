//! The normalised chat exchange between the pipeline and a provider.
//!
//! The API request (alpha1 or alpha2, HTTP or gRPC) is validated and flattened into one
//! [`ChatRequest`]: a list of role-tagged messages plus the options that reach the model. Every
//! provider maps a `ChatRequest` to its own wire protocol and its reply back to a
//! [`ChatResponse`]. The cache key, the PII layer and the echo component all work on these types.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

/// Who speaks a message, after Dapr's role mapping (spec §1.3, §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Instructions for the model (`ofSystem`, alpha1 `system`).
    System,
    /// The end user (`ofUser`, `ofDeveloper`, alpha1 `user`/`human`/unknown).
    User,
    /// The model's earlier turns (`ofAssistant`, alpha1 `assistant`/`ai`).
    Assistant,
    /// Tool results (`ofTool`, alpha1 `tool`).
    Tool,
    /// Alpha1 `function` (legacy OpenAI function role).
    Function,
    /// Alpha1 `generic`.
    Generic,
}

impl Role {
    /// Maps an alpha1 role string the way daprd does: unknown and empty roles are the user.
    pub fn from_alpha1(role: &str) -> Role {
        match role {
            "system" => Role::System,
            "assistant" | "ai" => Role::Assistant,
            "tool" => Role::Tool,
            "function" => Role::Function,
            "generic" => Role::Generic,
            _ => Role::User,
        }
    }
}

/// A tool call, requested by the model or replayed from the conversation history.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ToolCall {
    /// The provider's call id; `None` when the provider gave none.
    pub id: Option<String>,
    /// The function's name.
    pub name: String,
    /// The arguments, as the JSON text the model produced.
    pub arguments: String,
}

/// The result of a tool call, sent back to the model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ToolResult {
    /// The id of the call this answers (empty when the client gave none).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The result text.
    pub content: String,
}

/// A provider's own item that parlance carries without understanding it: an OpenAI Responses
/// `reasoning` item (its `encrypted_content` must go back to the model unchanged), and the like.
///
/// The one provider-neutral home for such data. A door that receives the item in the
/// provider's own shape puts it in the conversation as [`Part::Opaque`] (history) and reads it
/// back from [`Choice::opaque`] / [`crate::Delta::Opaque`] (replies); a provider whose wire is
/// [`Opaque::wire`] sends it upstream as it is, every other provider leaves it out (and
/// says so through [`crate::Provider::keeps_opaque`], so the door can count what is dropped).
/// PII scrubbing does not look inside it (it is usually encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Opaque {
    /// The wire the item belongs to, e.g. [`Opaque::RESPONSES`].
    pub wire: String,
    /// The item as that wire's JSON text, unchanged.
    pub json: String,
}

impl Opaque {
    /// The OpenAI Responses API's items (`reasoning`).
    pub const RESPONSES: &'static str = "openai.responses";

    /// An item of the Responses API.
    pub fn responses(json: String) -> Opaque {
        Opaque { wire: Opaque::RESPONSES.to_string(), json }
    }
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Plain text.
    Text(String),
    /// An assistant's tool call (history).
    ToolCall(ToolCall),
    /// A tool's result.
    ToolResult(ToolResult),
    /// What only Anthropic's wire takes (a thinking block, a `cache_control` breakpoint);
    /// other providers leave it out.
    Anthropic(crate::anthropic::AnthropicPart),
    /// A provider's own item, passed through to that provider only (see [`Opaque`]).
    Opaque(Opaque),
}

/// One message of the flattened conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said, in order.
    pub parts: Vec<Part>,
    /// Set from the input's `scrubPii`: the PII layer scrubs this message before it goes on.
    /// It steers the pipeline only and is not part of what the model sees.
    pub scrub: bool,
}

impl ChatMessage {
    /// A message made of one text part.
    pub fn text(role: Role, text: impl Into<String>) -> ChatMessage {
        ChatMessage { role, parts: vec![Part::Text(text.into())], scrub: false }
    }

    /// The text parts joined with `\n` (tool calls and results left out).
    pub fn joined_text(&self) -> String {
        let texts: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        texts.join("\n")
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    /// Function name.
    pub name: String,
    /// What it does, for the model.
    pub description: Option<String>,
    /// The JSON Schema of its arguments (`{}` when the client gave none).
    pub parameters: Map<String, Value>,
}

/// How the model should choose tools, after validation (spec §1.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// No tool may be called.
    None,
    /// Some tool must be called.
    Required,
    /// This tool must be called.
    Named(String),
}

/// A structured-output request: the JSON Schema the reply must follow.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFormat {
    /// Schema name (top-level `name`, default `response`).
    pub name: String,
    /// Top-level `description`, if any.
    pub description: Option<String>,
    /// Top-level `strict` (default false).
    pub strict: bool,
    /// The schema object as the client sent it.
    pub schema: Map<String, Value>,
}

/// Generation parameters forwarded from alpha2 `parameters` (Dapr drops them; dapr#10317).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerationParams {
    /// Upper bound on generated tokens.
    pub max_tokens: Option<u64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Stop sequences.
    pub stop: Vec<String>,
    /// Sampling seed.
    pub seed: Option<i64>,
    /// Frequency penalty.
    pub frequency_penalty: Option<f64>,
    /// Presence penalty.
    pub presence_penalty: Option<f64>,
    /// How hard a reasoning model thinks (`reasoning.effort` of OpenAI's Responses API,
    /// `reasoning_effort` of its Chat Completions: `none`, `minimal`, `low`, `medium`, `high`,
    /// `xhigh`), passed as given; only providers with
    /// [`crate::Provider::takes_reasoning`] send it.
    pub reasoning_effort: Option<String>,
    /// The reasoning summary asked for (`reasoning.summary`: `auto`, `concise`, `detailed`);
    /// only the Responses API takes it.
    pub reasoning_summary: Option<String>,
}

/// Everything a provider needs for one model call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    /// The conversation, flattened across inputs.
    pub messages: Vec<ChatMessage>,
    /// Callable tools.
    pub tools: Vec<ToolDef>,
    /// Tool choice, `None` when unset and no tools were given.
    pub tool_choice: Option<ToolChoice>,
    /// Sampling temperature; Dapr sends it only when > 0 and so do we.
    pub temperature: Option<f64>,
    /// Structured output.
    pub response_format: Option<ResponseFormat>,
    /// Forwarded generation parameters.
    pub params: GenerationParams,
    /// The request's `metadata` map, forwarded to providers that accept it.
    pub metadata: BTreeMap<String, String>,
    /// Provider-side prompt-cache retention (alpha2 `promptCacheRetention`).
    pub prompt_cache_retention: Option<Duration>,
    /// The upstream model chosen for this request (Dapr request `metadata.model`, the OpenAI
    /// door's `component/model`), already checked against the component's `allowedModels`;
    /// `None`: the component's configured model. Providers send it instead of theirs and
    /// report it as the reply's model.
    pub model: Option<String>,
    /// The Anthropic door's own options (`thinking`, `anthropic-beta`, tools' `cache_control`),
    /// which only Anthropic's wire takes.
    pub anthropic: crate::anthropic::AnthropicOptions,
}

impl ChatRequest {
    /// The model this request goes to: its own when it chose one, else `configured`.
    pub fn model_or<'a>(&'a self, configured: &'a str) -> &'a str {
        self.model.as_deref().unwrap_or(configured)
    }
}

/// Token usage, in Dapr's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// Generated tokens.
    pub completion_tokens: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Their sum as the provider reports it.
    pub total_tokens: u64,
    /// Details of the completion, when any is non-zero.
    pub completion_details: Option<CompletionDetails>,
    /// Details of the prompt, when any is non-zero.
    pub prompt_details: Option<PromptDetails>,
}

/// Completion token details.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompletionDetails {
    /// Predicted tokens accepted.
    pub accepted_prediction_tokens: u64,
    /// Audio tokens.
    pub audio_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_tokens: u64,
    /// Predicted tokens rejected.
    pub rejected_prediction_tokens: u64,
}

impl CompletionDetails {
    /// `Some(self)` when any field is non-zero, as Dapr reports detail blocks.
    pub fn non_zero(self) -> Option<CompletionDetails> {
        (self != CompletionDetails::default()).then_some(self)
    }
}

/// Prompt token details.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PromptDetails {
    /// Audio tokens.
    pub audio_tokens: u64,
    /// Tokens served from the provider's prompt cache.
    pub cached_tokens: u64,
    /// Tokens written to the provider's prompt cache (Anthropic, Bedrock), priced apart;
    /// not part of Dapr's reply.
    #[serde(default)]
    pub cache_write_tokens: u64,
}

impl PromptDetails {
    /// `Some(self)` when any field is non-zero.
    pub fn non_zero(self) -> Option<PromptDetails> {
        (self != PromptDetails::default()).then_some(self)
    }
}

impl Usage {
    /// The prompt details Dapr and OpenAI report: only when audio or cached tokens are
    /// non-zero (cache writes are parlance's own, for pricing).
    pub fn reported_prompt_details(&self) -> Option<&PromptDetails> {
        self.prompt_details.as_ref().filter(|d| d.audio_tokens != 0 || d.cached_tokens != 0)
    }
}

/// One answer of the model.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    /// Position among the choices.
    pub index: i64,
    /// The provider's finish reason (`unknown` when it gave none).
    pub finish_reason: String,
    /// Text content.
    pub content: String,
    /// Tool calls requested.
    pub tool_calls: Vec<ToolCall>,
    /// Thinking blocks the model returned (Anthropic's wire), before the text and tool calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thinking: Vec<crate::anthropic::ThinkingBlock>,
    /// The provider's own items of this answer, in order (Responses `reasoning` items):
    /// read only by a door of the same wire ([`Opaque`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opaque: Vec<Opaque>,
}

/// A provider's reply.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ChatResponse {
    /// The choices, usually one.
    pub choices: Vec<Choice>,
    /// Token usage, when the provider reports it.
    pub usage: Option<Usage>,
    /// The resolved model: the request's chosen model, else the component's (absent for
    /// echo).
    pub model: Option<String>,
}
