//! What the two block-based protocols share — Anthropic Messages and Bedrock Converse speak
//! the same conversation model in different JSON: a top-level system prompt, alternating
//! user/assistant turns made of text, tool-use and tool-result blocks, a forced tool for
//! structured output, and usage that counts cached prompt tokens apart.
//!
//! Each protocol's `convert.rs` keeps only its JSON; the decisions live here, once:
//! - system messages, wherever they appear, become the system prompt, in order (blank ones
//!   dropped);
//! - consecutive turns of the same role merge (both APIs require alternation), tool results
//!   lead their user turn, and a conversation that does not open with the user gets
//!   [`OPENING_TURN`] in front;
//! - tool-call arguments are sent as the JSON object they encode;
//! - the tool choice table ([`tool_choice`]), the reply fold ([`reply`]) and its streamed
//!   twin ([`stream`]) with the structured-output and finish-reason rules, and the usage
//!   arithmetic ([`usage`]).

pub(crate) mod forced_tool;
pub(crate) mod reply;
pub(crate) mod stream;

use parlance_core::{AnthropicPart, ChatRequest, ThinkingBlock, ToolCall, ToolChoice, Usage};
use parlance_core::{ChatMessage, FailureKind, Part, PromptDetails, ProviderError, Role};
use serde::Serialize;
use serde_json::{Map, Value};

/// The user turn put in front of a conversation that does not start with the user: both APIs
/// require the first turn to be the user's.
pub const OPENING_TURN: &str = "Continue.";

/// What the structured-output tool tells the model when the schema has no description.
pub(crate) const FORMAT_TOOL_DESCRIPTION: &str = "Give the final answer by calling this tool.";

/// A protocol's content block, as far as building turns needs it.
pub(crate) trait TurnBlock: Sized {
    /// A text block (never blank).
    fn text(text: String) -> Self;
    /// An assistant's earlier tool call.
    fn tool_use(id: String, name: String, input: Value) -> Self;
    /// A tool's answer.
    fn tool_result(id: String, content: String) -> Self;
    /// Whether this is a tool result (they lead their user turn).
    fn is_tool_result(&self) -> bool;
    /// A thinking block of an assistant turn, where the protocol can carry it (else dropped).
    fn thinking(_block: &ThinkingBlock) -> Option<Self> {
        None
    }
    /// Puts a client's `cache_control` (compact JSON) on this block, where the protocol can
    /// carry it (else dropped).
    fn cache_control(&mut self, _json: &str) {}
}

/// One turn: `user` or `assistant`, content always as blocks.
#[derive(Debug, Serialize, PartialEq)]
pub struct Turn<B> {
    /// `user` or `assistant`.
    pub role: &'static str,
    /// The turn's blocks, in order.
    pub content: Vec<B>,
}

/// How the two APIs name themselves in errors and prefix the ids they make up.
pub(crate) struct Dialect {
    /// `Anthropic` or `Bedrock`, for error messages.
    pub name: &'static str,
    /// The prefix of a tool-use id made up for a history call that has none.
    pub id_prefix: &'static str,
}

/// The non-system messages as alternating user/assistant turns, starting with the user.
pub(crate) fn turns<B: TurnBlock>(
    messages: &[ChatMessage],
    dialect: &Dialect,
) -> Result<Vec<Turn<B>>, ProviderError> {
    let mut out: Vec<Turn<B>> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let Some(role) = wire_role(m.role) else { continue };
        let (blocks, lead) = blocks(i, m, dialect)?;
        // A cache breakpoint that opens a message marks the conversation's last block.
        let last = out.last_mut().and_then(|t| t.content.last_mut());
        if let (Some(last), Some(cc)) = (last, lead) {
            last.cache_control(cc);
        }
        match out.last_mut() {
            _ if blocks.is_empty() => {}
            Some(prev) if prev.role == role => prev.content.extend(blocks),
            _ => out.push(Turn { role, content: blocks }),
        }
    }
    if out.first().is_none_or(|m| m.role != "user") {
        out.insert(0, Turn { role: "user", content: vec![B::text(OPENING_TURN.to_string())] });
    }
    for m in out.iter_mut().filter(|m| m.role == "user") {
        m.content.sort_by_key(|b| !b.is_tool_result());
    }
    Ok(out)
}

fn wire_role(role: Role) -> Option<&'static str> {
    match role {
        Role::System => None,
        Role::User | Role::Generic | Role::Tool | Role::Function => Some("user"),
        Role::Assistant => Some("assistant"),
    }
}

/// The blocks of one message (blank text is dropped: both APIs reject it), and a cache
/// breakpoint that comes before any of them (it belongs to the block before the message).
fn blocks<'m, B: TurnBlock>(
    i: usize,
    m: &'m ChatMessage,
    dialect: &Dialect,
) -> Result<(Vec<B>, Option<&'m str>), ProviderError> {
    let mut out: Vec<B> = Vec::with_capacity(m.parts.len());
    let mut lead = None;
    for (j, part) in m.parts.iter().enumerate() {
        match part {
            Part::Anthropic(AnthropicPart::Thinking(t)) => out.extend(B::thinking(t)),
            Part::Anthropic(AnthropicPart::CacheControl(cc)) => match out.last_mut() {
                Some(last) => last.cache_control(cc),
                None => lead = Some(cc.as_str()),
            },
            Part::Text(t) if t.trim().is_empty() => {}
            Part::Text(t) => out.push(B::text(t.clone())),
            Part::ToolCall(c) => {
                let id = c.id.clone().filter(|id| !id.is_empty());
                let id = id.unwrap_or_else(|| format!("{}_{i}_{j}", dialect.id_prefix));
                out.push(B::tool_use(id, c.name.clone(), arguments(c, dialect)?));
            }
            Part::ToolResult(r) => out.push(B::tool_result(r.id.clone(), r.content.clone())),
            // Another wire's item (a Responses reasoning item): neither API can take it.
            Part::Opaque(_) => {}
        }
    }
    Ok((out, lead))
}

/// Tool-call arguments are JSON text; both APIs want the object itself.
fn arguments(c: &ToolCall, dialect: &Dialect) -> Result<Value, ProviderError> {
    if c.arguments.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str(&c.arguments) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(ProviderError::permanent(
            FailureKind::InvalidRequest,
            format!("tool call {:?}: arguments must be a JSON object for {}", c.name, dialect.name),
        )),
    }
}

/// The tool choice to send, before each API spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Forced {
    /// Some tool must be called.
    Any,
    /// No tool may be called.
    None,
    /// This tool must be called.
    Tool(String),
}

/// Dapr's choice (ignored without tools); structured output forces its tool (`format`)
/// unless the client asked for a choice of its own. `auto` is the default: nothing is sent.
pub(crate) fn tool_choice(req: &ChatRequest, format: Option<String>) -> Option<Forced> {
    let user = if req.tools.is_empty() { None } else { req.tool_choice.as_ref() };
    match (user, format) {
        (Some(ToolChoice::Auto), _) => None,
        (Some(ToolChoice::Required), _) => Some(Forced::Any),
        (Some(ToolChoice::Named(name)), _) => Some(Forced::Tool(name.clone())),
        (Some(ToolChoice::None) | None, Some(name)) => Some(Forced::Tool(name)),
        (Some(ToolChoice::None), None) => Some(Forced::None),
        (None, None) => None,
    }
}

/// Usage from the four counts both APIs report. Their input count excludes cached tokens, so
/// Dapr's prompt tokens are `input + cache read + cache write`; `cachedTokens` is the cache
/// read; total = prompt + completion.
pub(crate) fn usage(input: u64, output: u64, read: Option<u64>, write: Option<u64>) -> Usage {
    let (read, write) = (read.unwrap_or(0), write.unwrap_or(0));
    let prompt = input + read + write;
    Usage {
        completion_tokens: output,
        prompt_tokens: prompt,
        total_tokens: prompt + output,
        prompt_details: PromptDetails {
            audio_tokens: 0,
            cached_tokens: read,
            cache_write_tokens: write,
        }
        .non_zero(),
        completion_details: None,
    }
}
