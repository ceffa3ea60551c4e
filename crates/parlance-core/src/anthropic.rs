//! What only Anthropic's Messages wire understands, carried through the pipeline untouched so
//! that a request that comes in on the Anthropic door and goes out to an Anthropic component
//! (or Claude on Bedrock, where its wire allows) arrives as the client sent it: thinking
//! blocks with their signatures, `cache_control` breakpoints, the `thinking` request option
//! and the `anthropic-beta` header.
//!
//! Every other provider drops these (the door counts what it drops in
//! `parlance_dropped_fields_total`). Thinking text is signed by the model: the PII stage does
//! not rewrite it (one changed letter and Anthropic refuses the block), and the cache keys
//! and stores it like any other part.

use serde::{Deserialize, Serialize};

/// A `thinking` or `redacted_thinking` content block, exactly as the model produced it; its
/// serde form is Anthropic's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThinkingBlock {
    /// The model's reasoning and the signature that vouches for it.
    Thinking {
        /// The reasoning text (summarised by Claude 4 models).
        thinking: String,
        /// The opaque signature the upstream checks when the block comes back.
        signature: String,
    },
    /// Reasoning the upstream encrypted; passed back as it came.
    RedactedThinking {
        /// The encrypted reasoning.
        data: String,
    },
}

/// An Anthropic-only piece of a message ([`crate::Part::Anthropic`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AnthropicPart {
    /// A thinking block of an assistant turn, in its place among the turn's blocks.
    Thinking(ThinkingBlock),
    /// The `cache_control` of the block just before it in the conversation (compact JSON of
    /// the object the client sent, e.g. `{"type":"ephemeral"}`).
    CacheControl(String),
}

/// Request-level options of the Messages API that only Anthropic takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AnthropicOptions {
    /// The `thinking` request option (compact JSON, e.g. `{"type":"enabled","budget_tokens":1024}`).
    pub thinking: Option<String>,
    /// The `anthropic-beta` header's values, in order.
    pub betas: Vec<String>,
    /// `cache_control` of tools: the tool's name and the compact JSON object.
    pub tool_cache_control: Vec<(String, String)>,
}

impl AnthropicOptions {
    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &AnthropicOptions::default()
    }
}

/// How much of what the Anthropic door carries a provider sends upstream, for one model
/// ([`crate::Provider::takes_anthropic`]); what it does not take, it leaves out (and the door
/// counts as dropped).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// Thinking blocks in assistant turns and the `thinking` request option.
    pub thinking: bool,
    /// `cache_control` breakpoints on blocks, system blocks and tools.
    pub cache_control: bool,
    /// Which `anthropic-beta` values.
    pub betas: Betas,
}

impl Reach {
    /// Everything, as it came (an Anthropic upstream).
    pub const ALL: Reach = Reach { thinking: true, cache_control: true, betas: Betas::All };
    /// Nothing (the default).
    pub const NONE: Reach = Reach { thinking: false, cache_control: false, betas: Betas::None };
}

/// The `anthropic-beta` values a provider sends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Betas {
    /// None.
    #[default]
    None,
    /// Every value.
    All,
    /// Only these (an upstream that refuses betas it does not know).
    Only(&'static [&'static str]),
}

impl Betas {
    /// Whether `beta` is sent on.
    pub fn takes(&self, beta: &str) -> bool {
        match self {
            Betas::None => false,
            Betas::All => true,
            Betas::Only(list) => list.contains(&beta),
        }
    }
}

/// A piece of a streamed thinking block ([`crate::Delta::Thinking`]), in the order
/// Anthropic's stream sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThinkingDelta {
    /// A thinking block begins (its text and signature follow).
    Begin,
    /// Thinking text appended to the open block (`thinking_delta`).
    Text(String),
    /// Signature text appended to the open block (`signature_delta`).
    Signature(String),
    /// A whole `redacted_thinking` block.
    Redacted(String),
}

impl ThinkingBlock {
    /// The deltas that stream this block.
    pub fn deltas(&self) -> Vec<ThinkingDelta> {
        match self {
            ThinkingBlock::Thinking { thinking, signature } => vec![
                ThinkingDelta::Begin,
                ThinkingDelta::Text(thinking.clone()),
                ThinkingDelta::Signature(signature.clone()),
            ],
            ThinkingBlock::RedactedThinking { data } => {
                vec![ThinkingDelta::Redacted(data.clone())]
            }
        }
    }
}

/// Folds one delta into a choice's blocks (text or a signature without a `Begin` opens a
/// block).
pub fn fold(blocks: &mut Vec<ThinkingBlock>, delta: &ThinkingDelta) {
    let open = |blocks: &mut Vec<ThinkingBlock>| -> usize {
        if !matches!(blocks.last(), Some(ThinkingBlock::Thinking { .. })) {
            let empty =
                ThinkingBlock::Thinking { thinking: String::new(), signature: String::new() };
            blocks.push(empty);
        }
        blocks.len() - 1
    };
    match delta {
        ThinkingDelta::Begin => blocks
            .push(ThinkingBlock::Thinking { thinking: String::new(), signature: String::new() }),
        ThinkingDelta::Text(t) => {
            let at = open(blocks);
            if let ThinkingBlock::Thinking { thinking, .. } = &mut blocks[at] {
                thinking.push_str(t);
            }
        }
        ThinkingDelta::Signature(s) => {
            let at = open(blocks);
            if let ThinkingBlock::Thinking { signature, .. } = &mut blocks[at] {
                signature.push_str(s);
            }
        }
        ThinkingDelta::Redacted(data) => {
            blocks.push(ThinkingBlock::RedactedThinking { data: data.clone() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_anthropics_json() {
        let b = ThinkingBlock::Thinking { thinking: "hm".into(), signature: "sig".into() };
        let json = serde_json::to_value(&b).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "thinking", "thinking": "hm", "signature": "sig"})
        );
        let r: ThinkingBlock =
            serde_json::from_value(serde_json::json!({"type": "redacted_thinking", "data": "x"}))
                .unwrap();
        assert_eq!(r, ThinkingBlock::RedactedThinking { data: "x".into() });
    }

    #[test]
    fn reach_filters_betas() {
        assert!(Reach::ALL.betas.takes("anything") && !Reach::NONE.betas.takes("anything"));
        let only = Betas::Only(&["a-1"]);
        assert!(only.takes("a-1") && !only.takes("b-2"));
        assert_eq!(Reach::default(), Reach::NONE);
    }

    #[test]
    fn deltas_fold_back_to_the_blocks() {
        let blocks = vec![
            ThinkingBlock::Thinking { thinking: "a".into(), signature: "s1".into() },
            ThinkingBlock::RedactedThinking { data: "r".into() },
            ThinkingBlock::Thinking { thinking: "b".into(), signature: "s2".into() },
        ];
        let mut out = Vec::new();
        for d in blocks.iter().flat_map(ThinkingBlock::deltas) {
            fold(&mut out, &d);
        }
        assert_eq!(out, blocks);
        let mut split = Vec::new();
        for d in [
            ThinkingDelta::Begin,
            ThinkingDelta::Text("x".into()),
            ThinkingDelta::Text("y".into()),
            ThinkingDelta::Signature("s".into()),
        ] {
            fold(&mut split, &d);
        }
        assert_eq!(
            split,
            vec![ThinkingBlock::Thinking { thinking: "xy".into(), signature: "s".into() }]
        );
    }
}
