//! The Anthropic Messages JSON, as serde types: what we send and what we read back.
//! Only the fields parlance uses are declared; unknown reply fields and blocks are ignored.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use parlance_core::ThinkingBlock;

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
    /// The client's `thinking` option, as it sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Value>,
    /// `true` for a streamed call (server-sent events); absent otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
}

/// `POST /messages/count_tokens` body: the Messages body without what does not count.
#[derive(Debug, Serialize)]
pub struct CountRequest<'a> {
    pub model: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub system: &'a [SystemBlock],
    pub messages: &'a [WireMessage],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tools: &'a [WireTool<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<&'a WireToolChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<&'a Value>,
}

impl<'a> CountRequest<'a> {
    /// The count body of a Messages body.
    pub fn of(m: &'a MessagesRequest<'a>) -> CountRequest<'a> {
        CountRequest {
            model: m.model,
            system: &m.system,
            messages: &m.messages,
            tools: &m.tools,
            tool_choice: m.tool_choice.as_ref(),
            thinking: m.thinking.as_ref(),
        }
    }
}

/// `count_tokens`' reply.
#[derive(Debug, Deserialize)]
pub struct CountResponse {
    pub input_tokens: u64,
}

/// A `system` text block.
#[derive(Debug, Serialize)]
pub struct SystemBlock {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
    /// Ours ([`CacheControl`]) or the client's, as it sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
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

/// A request content block, with the client's `cache_control` when it gave one.
#[derive(Debug, Serialize, PartialEq)]
pub struct Block {
    #[serde(flatten)]
    pub kind: BlockKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
}

/// What a request content block is.
#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockKind {
    /// Plain text (never empty: the API rejects empty text blocks).
    Text { text: String },
    /// An assistant's earlier tool call.
    ToolUse { id: String, name: String, input: Value },
    /// A tool's answer, in the user turn after the call.
    ToolResult { tool_use_id: String, content: String },
    /// An assistant's earlier thinking, with the signature the API checks.
    Thinking { thinking: String, signature: String },
    /// An assistant's earlier encrypted thinking.
    RedactedThinking { data: String },
}

impl From<BlockKind> for Block {
    fn from(kind: BlockKind) -> Block {
        Block { kind, cache_control: None }
    }
}

impl TurnBlock for Block {
    fn text(text: String) -> Block {
        BlockKind::Text { text }.into()
    }
    fn tool_use(id: String, name: String, input: Value) -> Block {
        BlockKind::ToolUse { id, name, input }.into()
    }
    fn tool_result(tool_use_id: String, content: String) -> Block {
        BlockKind::ToolResult { tool_use_id, content }.into()
    }
    fn is_tool_result(&self) -> bool {
        matches!(self.kind, BlockKind::ToolResult { .. })
    }
    fn thinking(block: &ThinkingBlock) -> Option<Block> {
        Some(match block.clone() {
            ThinkingBlock::Thinking { thinking, signature } => {
                BlockKind::Thinking { thinking, signature }.into()
            }
            ThinkingBlock::RedactedThinking { data } => BlockKind::RedactedThinking { data }.into(),
        })
    }
    fn cache_control(&mut self, json: &str) {
        self.cache_control = serde_json::from_str(json).ok();
    }
}

/// A tool definition.
#[derive(Debug, Serialize)]
pub struct WireTool<'a> {
    pub name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub input_schema: Value,
    /// Ours ([`CacheControl`]) or the client's, as it sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
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

/// A reply content block; server-tool blocks are skipped.
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
    /// The model's thinking, signed.
    Thinking {
        thinking: String,
        #[serde(default)]
        signature: String,
    },
    /// Encrypted thinking.
    RedactedThinking { data: String },
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

/// One event of a streamed reply (its `type`; the SSE event name says the same).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// The message, with empty content and the input and cache usage.
    MessageStart { message: StreamMessage },
    /// A content block begins.
    ContentBlockStart { index: u32, content_block: StartBlock },
    /// A piece of a content block.
    ContentBlockDelta { index: u32, delta: BlockDelta },
    /// A content block is complete.
    ContentBlockStop { index: u32 },
    /// The stop reason and the (cumulative) usage.
    MessageDelta {
        delta: MessageDeltaBody,
        #[serde(default)]
        usage: Option<StreamUsage>,
    },
    /// The end of the stream.
    MessageStop {},
    /// A keep-alive.
    Ping {},
    /// A failure after the 200.
    Error { error: ErrorDetail },
    /// An event this version does not know (new event types are allowed by the API).
    #[serde(other)]
    Other,
}

/// `message_start.message`.
#[derive(Debug, Deserialize)]
pub struct StreamMessage {
    #[serde(default)]
    pub usage: Option<StreamUsage>,
}

/// `content_block_start.content_block`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StartBlock {
    /// A text block (its text is normally empty here).
    Text {
        #[serde(default)]
        text: String,
    },
    /// A tool call; its input follows as `input_json_delta`s.
    ToolUse { id: String, name: String },
    /// A thinking block; its text and signature follow as deltas (normally empty here).
    Thinking {
        #[serde(default)]
        thinking: String,
        #[serde(default)]
        signature: String,
    },
    /// A whole redacted thinking block.
    RedactedThinking { data: String },
    /// Server tools and anything newer: skipped, as the plain reply skips them.
    #[serde(other)]
    Other,
}

/// `content_block_delta.delta`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockDelta {
    /// Text to append.
    TextDelta { text: String },
    /// A fragment of a tool call's input JSON.
    InputJsonDelta { partial_json: String },
    /// Thinking text to append.
    ThinkingDelta { thinking: String },
    /// Signature text to append.
    SignatureDelta { signature: String },
    /// Citations and anything newer: skipped.
    #[serde(other)]
    Other,
}

/// `message_delta.delta`.
#[derive(Debug, Deserialize)]
pub struct MessageDeltaBody {
    #[serde(default)]
    pub stop_reason: Option<String>,
}

/// Usage as the stream reports it: `message_start` has the input side, `message_delta` the
/// cumulative output (and, in newer versions, the input side again); a field given later
/// replaces the earlier one.
#[derive(Debug, Deserialize, Default, Clone, Copy)]
pub struct StreamUsage {
    #[serde(default)]
    pub input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens: Option<u64>,
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
