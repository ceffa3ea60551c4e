//! The Anthropic Messages JSON, as serde types: what we send and what we read back.
//! Only the fields parlance uses are declared; unknown reply fields and blocks are ignored.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::turns::{Turn, TurnBlock};

/// `POST /messages` body.
#[derive(Debug, Serialize)]
pub struct MessagesRequest<'a> {
    pub model: &'a str,
    pub max_tokens: u64,
    /// Always the block form, so a block can carry `cache_control`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<SystemBlock>,
    pub messages: Vec<WireMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<WireTool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<WireToolChoice>,
    /// `true` for a streamed call (server-sent events); absent otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
}

/// A `system` text block.
#[derive(Debug, Serialize)]
pub struct SystemBlock {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

/// `{"type":"ephemeral"}`, with `ttl` only for the extended one-hour cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CacheControl {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<&'static str>,
}

/// One turn: `user` or `assistant`, content always as blocks.
pub type WireMessage = Turn<Block>;

/// A request content block.
#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Plain text (never empty: the API rejects empty text blocks).
    Text { text: String },
    /// An assistant's earlier tool call.
    ToolUse { id: String, name: String, input: Value },
    /// A tool's answer, in the user turn after the call.
    ToolResult { tool_use_id: String, content: String },
}

impl TurnBlock for Block {
    fn text(text: String) -> Block {
        Block::Text { text }
    }
    fn tool_use(id: String, name: String, input: Value) -> Block {
        Block::ToolUse { id, name, input }
    }
    fn tool_result(tool_use_id: String, content: String) -> Block {
        Block::ToolResult { tool_use_id, content }
    }
    fn is_tool_result(&self) -> bool {
        matches!(self, Block::ToolResult { .. })
    }
}

/// A tool definition.
#[derive(Debug, Serialize)]
pub struct WireTool<'a> {
    pub name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub input_schema: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

/// `tool_choice` in Anthropic's object form (`auto` is never sent: it is the default).
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WireToolChoice {
    /// Some tool must be called.
    Any,
    /// No tool may be called.
    None,
    /// This tool must be called.
    Tool { name: String },
}

/// The reply.
#[derive(Debug, Deserialize)]
pub struct MessagesResponse {
    pub content: Vec<ReplyBlock>,
    #[serde(default)]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// A reply content block; thinking and server-tool blocks are skipped.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyBlock {
    /// Text.
    Text { text: String },
    /// A tool call the model asks for.
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// Anything else.
    #[serde(other)]
    Other,
}

/// `usage`. `input_tokens` excludes the cached parts, which are counted separately.
#[derive(Debug, Deserialize, Default)]
pub struct WireUsage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<u64>,
}

/// An error body: `{"type":"error","error":{"type","message"}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// Its detail.
#[derive(Debug, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}
