//! The Bedrock Converse JSON, as serde types: what we send and what we read back. Content
//! blocks are unions (one member set per block), which serde's external tagging expresses.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::turns::{Turn, TurnBlock};

/// `POST /model/{modelId}/converse` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseRequest<'a> {
    pub messages: Vec<WireMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemBlock>,
    #[serde(skip_serializing_if = "InferenceConfig::is_empty")]
    pub inference_config: InferenceConfig<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<ToolConfig<'a>>,
    /// The model's own request fields (Claude: `thinking`, `anthropic_beta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<Value>,
}

/// A `system` block: text, or a cache point ending the cacheable prefix.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum SystemBlock {
    Text(String),
    CachePoint(CachePoint),
}

/// `{"type":"default"}`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct CachePoint {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// One turn.
pub type WireMessage = Turn<Block>;

/// A request content block.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum Block {
    Text(String),
    ToolUse(ToolUse),
    ToolResult(ToolResult),
    /// Claude's thinking, sent back in its assistant turn.
    ReasoningContent(Reasoning),
    /// Ends a cacheable prefix (after the block it follows).
    CachePoint(CachePoint),
}

/// `reasoningContent`: signed reasoning text, or reasoning the model encrypted (the base64 of
/// its bytes, as Converse's JSON spells a blob).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum Reasoning {
    ReasoningText(ReasoningText),
    RedactedContent(String),
}

/// `reasoningContent.reasoningText`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ReasoningText {
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl TurnBlock for Block {
    fn text(text: String) -> Block {
        Block::Text(text)
    }
    fn tool_use(tool_use_id: String, name: String, input: Value) -> Block {
        Block::ToolUse(ToolUse { tool_use_id, name, input })
    }
    fn tool_result(tool_use_id: String, text: String) -> Block {
        Block::ToolResult(ToolResult { tool_use_id, content: vec![ResultContent { text }] })
    }
    fn is_tool_result(&self) -> bool {
        matches!(self, Block::ToolResult(_))
    }
}

/// An assistant's tool call.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ToolUse {
    pub tool_use_id: String,
    pub name: String,
    #[serde(default)]
    pub input: Value,
}

/// A tool's answer.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    pub tool_use_id: String,
    pub content: Vec<ResultContent>,
}

/// Tool result content: text only here.
#[derive(Debug, Serialize, PartialEq)]
pub struct ResultContent {
    pub text: String,
}

/// `inferenceConfig`.
#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InferenceConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub stop_sequences: &'a [String],
}

impl InferenceConfig<'_> {
    fn is_empty(&self) -> bool {
        self.max_tokens.is_none()
            && self.temperature.is_none()
            && self.top_p.is_none()
            && self.stop_sequences.is_empty()
    }
}

/// `toolConfig`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig<'a> {
    pub tools: Vec<WireTool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
}

/// A tool: a spec, or a cache point after the specs.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WireTool<'a> {
    ToolSpec(ToolSpec<'a>),
    CachePoint(CachePoint),
}

/// A tool definition.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec<'a> {
    pub name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub input_schema: InputSchema,
}

/// `{"json": <schema>}`.
#[derive(Debug, Serialize)]
pub struct InputSchema {
    pub json: Value,
}

/// The reply.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseResponse {
    pub output: Output,
    #[serde(default)]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// `output`.
#[derive(Debug, Deserialize)]
pub struct Output {
    pub message: ReplyMessage,
}

/// `output.message`.
#[derive(Debug, Deserialize)]
pub struct ReplyMessage {
    #[serde(default)]
    pub content: Vec<ReplyBlock>,
}

/// A reply block: text, tool use and (Claude's) reasoning are read; other members are
/// ignored.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReplyBlock {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub tool_use: Option<ToolUse>,
    #[serde(default)]
    pub reasoning_content: Option<ReplyReasoning>,
}

/// A reply's `reasoningContent` (one member set).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReplyReasoning {
    #[serde(default)]
    pub reasoning_text: Option<ReasoningText>,
    #[serde(default)]
    pub redacted_content: Option<String>,
}

/// `usage`. `inputTokens` excludes cache reads and writes, which are counted separately.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WireUsage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    pub cache_write_input_tokens: Option<u64>,
}

/// `contentBlockStart`: a tool call's id and name (text blocks have no start event).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockStart {
    pub content_block_index: u32,
    pub start: StartBody,
}

/// `contentBlockStart.start`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartBody {
    #[serde(default)]
    pub tool_use: Option<ToolUseStart>,
}

/// `contentBlockStart.start.toolUse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolUseStart {
    pub tool_use_id: String,
    pub name: String,
}

/// `contentBlockDelta`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockDelta {
    pub content_block_index: u32,
    pub delta: DeltaBody,
}

/// `contentBlockDelta.delta`: text, a fragment of a tool call's input JSON, or a piece of
/// reasoning.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeltaBody {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub tool_use: Option<ToolUseDelta>,
    #[serde(default)]
    pub reasoning_content: Option<ReasoningDelta>,
}

/// `contentBlockDelta.delta.reasoningContent`: one of reasoning text, its signature, or
/// (base64) redacted content.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningDelta {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub redacted_content: Option<String>,
}

/// `contentBlockDelta.delta.toolUse`.
#[derive(Debug, Deserialize)]
pub struct ToolUseDelta {
    #[serde(default)]
    pub input: String,
}

/// `contentBlockStop`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockStop {
    pub content_block_index: u32,
}

/// `messageStop`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStop {
    #[serde(default)]
    pub stop_reason: Option<String>,
}

/// `metadata`: the usage (and metrics, not read), after `messageStop`.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// An error body: `{"message": …}` (the kind travels in `x-amzn-ErrorType`).
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default, alias = "Message")]
    pub message: Option<String>,
}
