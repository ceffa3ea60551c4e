//! Streamed replies: the one [`Delta`] type every provider emits, the [`Assembler`] that folds
//! deltas into the plain [`ChatResponse`], and [`deltas_of`], its inverse for a finished reply
//! (a cache hit replayed as a stream).
//!
//! The invariant the whole stream path rests on: for any reply `r`,
//! `assemble(deltas_of(r)) == r`, and for every provider, assembling its stream gives exactly
//! what its plain call returns for the same upstream answer.

use std::pin::Pin;

use futures::Stream;

use crate::anthropic::{self, ThinkingBlock, ThinkingDelta};
use crate::chat::{ChatResponse, Choice, Opaque, ToolCall, Usage};
use crate::error::ProviderError;

/// One piece of a streamed reply, in the order the model produced it.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    /// Text appended to a choice's content.
    Text {
        /// The choice's index.
        choice: u32,
        /// The text to append.
        text: String,
    },
    /// A fragment of a tool call: `id` and `name` come on a call's first fragment only,
    /// `arguments` is JSON text appended to what came before.
    ToolCall(ToolCallDelta),
    /// A choice is complete.
    Finish {
        /// The choice's index.
        choice: u32,
        /// The provider's finish reason, as the plain call reports it.
        reason: String,
    },
    /// Token usage so far; a later `Usage` replaces an earlier one.
    Usage(Usage),
    /// A piece of a thinking block (Anthropic's wire); doors that cannot show it skip it.
    Thinking {
        /// The choice's index.
        choice: u32,
        /// The piece.
        delta: ThinkingDelta,
    },
    /// A provider's own item of a choice, whole (see [`Opaque`]); doors of other wires skip
    /// it.
    Opaque {
        /// The choice's index.
        choice: u32,
        /// The item.
        item: Opaque,
    },
}

/// A fragment of one tool call of one choice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolCallDelta {
    /// The choice's index.
    pub choice: u32,
    /// The call's position among the choice's tool calls.
    pub index: u32,
    /// The provider's call id (first fragment only).
    pub id: Option<String>,
    /// The function's name (first fragment only).
    pub name: Option<String>,
    /// JSON text to append to the call's arguments.
    pub arguments: String,
}

/// A provider's (or a stage's) stream of deltas. An `Err` item ends the stream: nothing is
/// read after it.
pub type DeltaStream = Pin<Box<dyn Stream<Item = Result<Delta, ProviderError>> + Send>>;

/// Folds deltas into the reply a plain call would have returned.
#[derive(Debug, Default, Clone)]
pub struct Assembler {
    choices: Vec<Building>,
    usage: Option<Usage>,
}

/// One choice being assembled.
#[derive(Debug, Default, Clone)]
struct Building {
    content: String,
    finish: Option<String>,
    calls: Vec<(u32, ToolCall)>,
    thinking: Vec<ThinkingBlock>,
    opaque: Vec<Opaque>,
}

impl Assembler {
    /// Adds one delta.
    pub fn push(&mut self, delta: &Delta) {
        match delta {
            Delta::Text { choice, text } => self.choice(*choice).content.push_str(text),
            Delta::ToolCall(d) => self.tool_call(d),
            Delta::Finish { choice, reason } => self.choice(*choice).finish = Some(reason.clone()),
            Delta::Usage(u) => self.usage = Some(u.clone()),
            Delta::Thinking { choice, delta } => {
                anthropic::fold(&mut self.choice(*choice).thinking, delta)
            }
            Delta::Opaque { choice, item } => self.choice(*choice).opaque.push(item.clone()),
        }
    }

    /// True when no delta has changed anything yet.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty() && self.usage.is_none()
    }

    /// The assembled reply: choices in index order (a choice with no finish reason gets
    /// `unknown`, as the plain path reports it), tool calls in index order.
    pub fn finish(self, model: Option<String>) -> ChatResponse {
        let choices = self.choices.into_iter().enumerate().map(|(i, b)| b.into_choice(i));
        ChatResponse { choices: choices.collect(), usage: self.usage, model }
    }

    fn choice(&mut self, index: u32) -> &mut Building {
        let i = index as usize;
        if self.choices.len() <= i {
            self.choices.resize_with(i + 1, Building::default);
        }
        &mut self.choices[i]
    }

    fn tool_call(&mut self, d: &ToolCallDelta) {
        let calls = &mut self.choice(d.choice).calls;
        let at = match calls.iter().position(|(i, _)| *i == d.index) {
            Some(at) => at,
            None => {
                let call = ToolCall { id: None, name: String::new(), arguments: String::new() };
                calls.push((d.index, call));
                calls.len() - 1
            }
        };
        let call = &mut calls[at].1;
        if let Some(id) = &d.id {
            call.id = Some(id.clone());
        }
        if let Some(name) = &d.name {
            call.name.push_str(name);
        }
        call.arguments.push_str(&d.arguments);
    }
}

impl Building {
    fn into_choice(mut self, index: usize) -> Choice {
        self.calls.sort_by_key(|(i, _)| *i);
        Choice {
            index: index as i64,
            finish_reason: self.finish.unwrap_or_else(|| "unknown".to_string()),
            content: self.content,
            tool_calls: self.calls.into_iter().map(|(_, c)| c).collect(),
            thinking: self.thinking,
            opaque: self.opaque,
        }
    }
}

/// A finished reply as deltas (per choice: its thinking, its provider items, its text, its tool
/// calls, its finish; then usage),
/// so that a stored answer can be replayed as a stream.
pub fn deltas_of(reply: &ChatResponse) -> Vec<Delta> {
    let mut out = Vec::new();
    for (i, c) in reply.choices.iter().enumerate() {
        let choice = i as u32;
        for delta in c.thinking.iter().flat_map(ThinkingBlock::deltas) {
            out.push(Delta::Thinking { choice, delta });
        }
        let items = c.opaque.iter().map(|item| Delta::Opaque { choice, item: item.clone() });
        out.extend(items);
        if !c.content.is_empty() {
            out.push(Delta::Text { choice, text: c.content.clone() });
        }
        for (index, call) in c.tool_calls.iter().enumerate() {
            out.push(Delta::ToolCall(ToolCallDelta {
                choice,
                index: index as u32,
                id: call.id.clone(),
                name: Some(call.name.clone()),
                arguments: call.arguments.clone(),
            }));
        }
        out.push(Delta::Finish { choice, reason: c.finish_reason.clone() });
    }
    out.extend(reply.usage.clone().map(Delta::Usage));
    out
}

/// A stream over deltas already in hand.
pub fn replay(deltas: Vec<Delta>) -> DeltaStream {
    Box::pin(futures::stream::iter(deltas.into_iter().map(Ok)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply() -> ChatResponse {
        let call = |id: &str, name: &str, args: &str| ToolCall {
            id: Some(id.into()),
            name: name.into(),
            arguments: args.into(),
        };
        ChatResponse {
            choices: vec![
                Choice {
                    index: 0,
                    finish_reason: "tool_calls".into(),
                    content: "Let me look.".into(),
                    tool_calls: vec![call("a", "get", "{\"x\":1}"), call("b", "put", "{}")],
                    thinking: vec![ThinkingBlock::Thinking {
                        thinking: "hm".into(),
                        signature: "sig".into(),
                    }],
                    opaque: vec![Opaque::responses("{\"type\":\"reasoning\"}".into())],
                },
                Choice { index: 1, finish_reason: "stop".into(), ..Choice::default() },
            ],
            usage: Some(Usage {
                prompt_tokens: 3,
                completion_tokens: 4,
                total_tokens: 7,
                ..Default::default()
            }),
            model: Some("m".into()),
        }
    }

    fn assemble(deltas: &[Delta], model: Option<String>) -> ChatResponse {
        let mut a = Assembler::default();
        deltas.iter().for_each(|d| a.push(d));
        a.finish(model)
    }

    #[test]
    fn replayed_deltas_assemble_to_the_reply() {
        let r = reply();
        assert_eq!(assemble(&deltas_of(&r), r.model.clone()), r);
    }

    #[test]
    fn fragments_join_by_index_whatever_their_order() {
        let frag = |index, id: Option<&str>, name: Option<&str>, args: &str| {
            Delta::ToolCall(ToolCallDelta {
                choice: 0,
                index,
                id: id.map(Into::into),
                name: name.map(Into::into),
                arguments: args.into(),
            })
        };
        let deltas = [
            Delta::Thinking { choice: 0, delta: ThinkingDelta::Begin },
            Delta::Thinking { choice: 0, delta: ThinkingDelta::Text("h".into()) },
            Delta::Opaque { choice: 0, item: Opaque::responses("{\"type\":\"reasoning\"}".into()) },
            Delta::Text { choice: 0, text: "Let ".into() },
            Delta::Thinking { choice: 0, delta: ThinkingDelta::Text("m".into()) },
            Delta::Thinking { choice: 0, delta: ThinkingDelta::Signature("sig".into()) },
            frag(1, Some("b"), Some("put"), ""),
            Delta::Text { choice: 0, text: "me look.".into() },
            frag(0, Some("a"), Some("get"), "{\"x\""),
            frag(1, None, None, "{}"),
            frag(0, None, None, ":1}"),
            Delta::Finish { choice: 0, reason: "tool_calls".into() },
            Delta::Finish { choice: 1, reason: "stop".into() },
            Delta::Usage(Usage::default()),
            Delta::Usage(reply().usage.unwrap()),
        ];
        assert_eq!(assemble(&deltas, Some("m".into())), reply());
    }

    #[test]
    fn a_choice_without_finish_is_unknown() {
        let r = assemble(&[Delta::Text { choice: 0, text: "hi".into() }], None);
        assert_eq!((r.choices[0].finish_reason.as_str(), r.usage), ("unknown", None));
    }
}
