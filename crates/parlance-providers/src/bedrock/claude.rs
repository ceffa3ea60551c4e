//! What the Anthropic door carries (`parlance_core::anthropic`) in Converse's words, for
//! Claude models only (an id, inference profile or ARN naming `anthropic.claude`); every other
//! model family leaves it all out.
//!
//! - The `thinking` option → `additionalModelRequestFields.thinking`, as the client sent it.
//! - `anthropic-beta` values → `additionalModelRequestFields.anthropic_beta`, only those
//!   Bedrock documents for Claude ([`BETAS`]; it refuses the rest, so they are left out).
//! - Thinking blocks in assistant turns → `reasoningContent` blocks in their place:
//!   `reasoningText {text, signature}`, and `redactedContent` for `redacted_thinking` (its
//!   `data` is the blob's base64, both ways, so it comes back byte for byte).
//! - `cache_control` on a block, a system block or a tool → a `cachePoint` right after it.
//! - Replies: `reasoningContent` → thinking blocks (text and signature as they came).

use parlance_core::anthropic::{Betas, Reach};
use parlance_core::{ChatRequest, ThinkingBlock};
use serde_json::{Map, Value};

use super::wire::{Block, CachePoint, Reasoning, ReasoningText, ReplyReasoning, WireMessage};
use crate::turns::{Turn, TurnBlock};

/// The `anthropic_beta` values Bedrock documents for Claude (its "Request and Response" page
/// for the Messages API, which `additionalModelRequestFields` reaches); others are refused
/// there.
pub const BETAS: &[&str] = &[
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14",
    "output-128k-2025-02-19",
    "dev-full-thinking-2025-05-14",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "effort-2025-11-24",
    "tool-search-tool-2025-10-19",
    "tool-examples-2025-10-29",
];

/// A cache point (Bedrock's cache has one lifetime).
pub const CACHE_POINT: CachePoint = CachePoint { kind: "default" };

/// Whether `model` (an id, an inference profile or its ARN) is a Claude model.
pub fn is_claude(model: &str) -> bool {
    model.contains("anthropic.claude")
}

/// What reaches a Bedrock upstream for `model`.
pub fn reach(model: &str) -> Reach {
    match is_claude(model) {
        true => Reach { thinking: true, cache_control: true, betas: Betas::Only(BETAS) },
        false => Reach::NONE,
    }
}

/// `additionalModelRequestFields` for a Claude call: the `thinking` option and the betas
/// Bedrock knows; `None` when there is neither.
pub fn additional_fields(req: &ChatRequest) -> Option<Value> {
    let mut out = Map::new();
    let thinking = req.anthropic.thinking.as_deref().and_then(|t| serde_json::from_str(t).ok());
    if let Some(t @ Value::Object(_)) = thinking {
        out.insert("thinking".into(), t);
    }
    let betas: Vec<Value> = req
        .anthropic
        .betas
        .iter()
        .filter(|b| BETAS.contains(&b.as_str()))
        .map(|b| Value::String(b.clone()))
        .collect();
    if !betas.is_empty() {
        out.insert("anthropic_beta".into(), Value::Array(betas));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// A block of a Claude turn being built; its breakpoint travels with it through the merging
/// and ordering of turns, and becomes a `cachePoint` after it ([`flatten`]).
#[derive(Debug)]
pub(crate) struct Marked {
    block: Block,
    cache_point: bool,
}

impl Marked {
    fn of(block: Block) -> Marked {
        Marked { block, cache_point: false }
    }
}

impl TurnBlock for Marked {
    fn text(text: String) -> Marked {
        Marked::of(Block::text(text))
    }
    fn tool_use(id: String, name: String, input: Value) -> Marked {
        Marked::of(Block::tool_use(id, name, input))
    }
    fn tool_result(id: String, content: String) -> Marked {
        Marked::of(Block::tool_result(id, content))
    }
    fn is_tool_result(&self) -> bool {
        self.block.is_tool_result()
    }
    fn thinking(block: &ThinkingBlock) -> Option<Marked> {
        let reasoning = match block {
            ThinkingBlock::Thinking { thinking, signature } => {
                Reasoning::ReasoningText(ReasoningText {
                    text: thinking.clone(),
                    signature: Some(signature.clone()),
                })
            }
            ThinkingBlock::RedactedThinking { data } => Reasoning::RedactedContent(data.clone()),
        };
        Some(Marked::of(Block::ReasoningContent(reasoning)))
    }
    fn cache_control(&mut self, _json: &str) {
        self.cache_point = true;
    }
}

/// Claude's turns as Converse turns: each marked block followed by its `cachePoint`.
pub(crate) fn flatten(turns: Vec<Turn<Marked>>) -> Vec<WireMessage> {
    let turn = |t: Turn<Marked>| {
        let mut content = Vec::with_capacity(t.content.len());
        for m in t.content {
            content.push(m.block);
            if m.cache_point {
                content.push(Block::CachePoint(CACHE_POINT));
            }
        }
        Turn { role: t.role, content }
    };
    turns.into_iter().map(turn).collect()
}

/// A reply's `reasoningContent` as a thinking block (a text without a signature keeps an
/// empty one); `None` when it sets neither member.
pub fn thinking(r: ReplyReasoning) -> Option<ThinkingBlock> {
    match (r.reasoning_text, r.redacted_content) {
        (Some(t), _) => Some(ThinkingBlock::Thinking {
            thinking: t.text,
            signature: t.signature.unwrap_or_default(),
        }),
        (None, Some(data)) => Some(ThinkingBlock::RedactedThinking { data }),
        (None, None) => None,
    }
}

/// Whether the client put a breakpoint on the tool `name`.
pub fn tool_marked(req: &ChatRequest, name: &str) -> bool {
    req.anthropic.tool_cache_control.iter().any(|(n, _)| n == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claude_is_told_by_its_id() {
        for m in [
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
            "arn:aws:bedrock:us-east-1:1:inference-profile/global.anthropic.claude-opus-4-6-v1",
        ] {
            assert!(is_claude(m), "{m}");
            assert!(reach(m).thinking && reach(m).betas.takes("interleaved-thinking-2025-05-14"));
        }
        for m in ["amazon.nova-lite-v1:0", "meta.llama3-8b-instruct-v1:0", "anthropic-like"] {
            assert_eq!(reach(m), Reach::NONE, "{m}");
        }
        assert!(!reach("anthropic.claude-x").betas.takes("claude-code-20250219"));
    }

    #[test]
    fn thinking_and_known_betas_go_in_additional_fields() {
        let mut req = ChatRequest::default();
        assert_eq!(additional_fields(&req), None);
        req.anthropic.thinking = Some(r#"{"type":"enabled","budget_tokens":1024}"#.into());
        req.anthropic.betas =
            vec!["claude-code-20250219".into(), "interleaved-thinking-2025-05-14".into()];
        assert_eq!(
            additional_fields(&req),
            Some(json!({
                "thinking": {"type": "enabled", "budget_tokens": 1024},
                "anthropic_beta": ["interleaved-thinking-2025-05-14"]
            }))
        );
        req.anthropic.thinking = None;
        req.anthropic.betas = vec!["unknown-2030-01-01".into()];
        assert_eq!(additional_fields(&req), None);
    }

    #[test]
    fn reasoning_replies_become_thinking_blocks() {
        let r: ReplyReasoning =
            serde_json::from_value(json!({"reasoningText": {"text": "hm", "signature": "s"}}))
                .unwrap();
        assert_eq!(
            thinking(r),
            Some(ThinkingBlock::Thinking { thinking: "hm".into(), signature: "s".into() })
        );
        let r: ReplyReasoning = serde_json::from_value(json!({"redactedContent": "Zm9v"})).unwrap();
        assert_eq!(thinking(r), Some(ThinkingBlock::RedactedThinking { data: "Zm9v".into() }));
        assert_eq!(thinking(ReplyReasoning::default()), None);
    }
}
