//! The streamed Messages reply (`stream: true`): the service's [`StreamEvent`]s re-encoded as
//! Anthropic's `event:`-named SSE — `message_start` (with every `usage` key; the counts come
//! at the end, in `message_delta`) and a `ping` first, then per content block
//! `content_block_start`, its deltas (`text_delta`, or `input_json_delta` carrying a tool
//! call's arguments as they come, so the client assembles them intact) and
//! `content_block_stop` (thinking blocks an Anthropic upstream streamed go out as they came:
//! `thinking_delta`, `signature_delta`, `redacted_thinking`), then `message_delta` with `stop_reason` and `usage`, then
//! `message_stop`. A failure after the start is an `error` event in the error body's shape;
//! the keep-alive after a silence is a `ping`. Only choice 0 is shown (the door asks for one).

use bytes::Bytes;
use parlance_core::{Delta, ThinkingDelta, ToolCallDelta, Usage};
use parlance_pipeline::{StreamEvent, Summary};
use serde::Serialize;
use serde_json::Value;

use super::encode::{UsageOut, call_id, stop_reason};
use super::error::AnthropicError;
use crate::door::sse::{Encode, event_frame, push_event};

/// The block being written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Text,
    Tool(u32),
    /// The n-th thinking block.
    Thinking(u32),
}

/// Turns events into Anthropic's frames; keeps the open block and the stop reason.
pub struct Encoder {
    open: Option<(Open, usize)>,
    next_block: usize,
    stop: Option<String>,
    usage: Option<Usage>,
    calls: bool,
    /// Thinking blocks begun so far.
    thoughts: u32,
}

/// `message_start` and a `ping`: the frames before any event.
pub fn opening(id: &str, model: &str) -> Bytes {
    #[derive(Serialize)]
    struct Start<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        message: Head<'a>,
    }
    #[derive(Serialize)]
    struct Head<'a> {
        id: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
        role: &'static str,
        model: &'a str,
        content: [(); 0],
        stop_reason: Option<()>,
        stop_sequence: Option<()>,
        usage: UsageOut,
    }
    let message = Head {
        id,
        kind: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: None,
        stop_sequence: None,
        usage: UsageOut::default(),
    };
    let mut out = Vec::with_capacity(384);
    push_event(&mut out, "message_start", &Start { kind: "message_start", message });
    push_event(&mut out, "ping", &Ping::default());
    Bytes::from(out)
}

#[derive(Serialize)]
struct Ping {
    #[serde(rename = "type")]
    kind: &'static str,
}

impl Default for Ping {
    fn default() -> Ping {
        Ping { kind: "ping" }
    }
}

#[derive(Serialize)]
struct BlockStart<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    content_block: StartBlock<'a>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StartBlock<'a> {
    Text { text: &'static str },
    ToolUse { id: String, name: &'a str, input: Value },
    Thinking { thinking: &'static str, signature: &'static str },
    RedactedThinking { data: &'a str },
}

#[derive(Serialize)]
struct BlockDelta<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    delta: DeltaOut<'a>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::enum_variant_names)] // Anthropic's own names.
enum DeltaOut<'a> {
    TextDelta { text: &'a str },
    InputJsonDelta { partial_json: &'a str },
    ThinkingDelta { thinking: &'a str },
    SignatureDelta { signature: &'a str },
}

#[derive(Serialize)]
struct BlockStop {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
}

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder::new()
    }
}

impl Encoder {
    /// An encoder for one answer.
    pub fn new() -> Encoder {
        Encoder { open: None, next_block: 0, stop: None, usage: None, calls: false, thoughts: 0 }
    }

    fn delta(&mut self, d: &Delta, out: &mut Vec<u8>) {
        match d {
            Delta::Text { choice: 0, text } if !text.is_empty() => {
                let index = self.ensure(Open::Text, out, |_| StartBlock::Text { text: "" });
                let delta = BlockDelta {
                    kind: "content_block_delta",
                    index,
                    delta: DeltaOut::TextDelta { text },
                };
                push_event(out, "content_block_delta", &delta);
            }
            Delta::ToolCall(t) if t.choice == 0 => self.tool_call(t, out),
            Delta::Finish { choice: 0, reason } => self.stop = Some(reason.clone()),
            Delta::Usage(u) => self.usage = Some(u.clone()),
            Delta::Thinking { choice: 0, delta } => self.thinking(delta, out),
            _ => {}
        }
    }

    fn thinking(&mut self, d: &ThinkingDelta, out: &mut Vec<u8>) {
        let start = |_| StartBlock::Thinking { thinking: "", signature: "" };
        let delta = match d {
            ThinkingDelta::Begin => {
                self.thoughts += 1;
                self.ensure(Open::Thinking(self.thoughts), out, start);
                return;
            }
            ThinkingDelta::Redacted(data) => {
                self.thoughts += 1;
                self.ensure(Open::Thinking(self.thoughts), out, |_| StartBlock::RedactedThinking {
                    data,
                });
                self.close(out);
                return;
            }
            ThinkingDelta::Text(t) => DeltaOut::ThinkingDelta { thinking: t },
            ThinkingDelta::Signature(s) => DeltaOut::SignatureDelta { signature: s },
        };
        let index = self.ensure(Open::Thinking(self.thoughts), out, start);
        push_event(
            out,
            "content_block_delta",
            &BlockDelta { kind: "content_block_delta", index, delta },
        );
    }

    fn tool_call(&mut self, t: &ToolCallDelta, out: &mut Vec<u8>) {
        self.calls = true;
        let first = t.id.is_some() || t.name.is_some();
        if first {
            self.close(out);
        }
        let start = |i: u32| StartBlock::ToolUse {
            id: call_id(t.id.as_deref(), i as usize),
            name: t.name.as_deref().unwrap_or(""),
            input: Value::Object(Default::default()),
        };
        let index = self.ensure(Open::Tool(t.index), out, start);
        if !t.arguments.is_empty() {
            let delta = DeltaOut::InputJsonDelta { partial_json: &t.arguments };
            push_event(
                out,
                "content_block_delta",
                &BlockDelta { kind: "content_block_delta", index, delta },
            );
        }
    }

    /// The index of the open block of `kind`, opening it (and closing another) if needed.
    fn ensure<'a>(
        &mut self,
        kind: Open,
        out: &mut Vec<u8>,
        start: impl FnOnce(u32) -> StartBlock<'a>,
    ) -> usize {
        if let Some((_, index)) = self.open.filter(|(o, _)| *o == kind) {
            return index;
        }
        self.close(out);
        let index = self.next_block;
        self.next_block += 1;
        self.open = Some((kind, index));
        let call = match kind {
            Open::Tool(i) => i,
            Open::Text | Open::Thinking(_) => 0,
        };
        let block = BlockStart { kind: "content_block_start", index, content_block: start(call) };
        push_event(out, "content_block_start", &block);
        index
    }

    fn close(&mut self, out: &mut Vec<u8>) {
        if let Some((_, index)) = self.open.take() {
            push_event(out, "content_block_stop", &BlockStop { kind: "content_block_stop", index });
        }
    }

    fn complete(&mut self, s: &Summary, out: &mut Vec<u8>) {
        #[derive(Serialize)]
        struct MessageDelta {
            #[serde(rename = "type")]
            kind: &'static str,
            delta: StopOut,
            usage: UsageOut,
            /// What the reply cost, when its model has a price (parlance's own field).
            #[serde(skip_serializing_if = "Option::is_none")]
            cost_usd: Option<f64>,
        }
        #[derive(Serialize)]
        struct StopOut {
            stop_reason: &'static str,
            stop_sequence: Option<()>,
        }
        self.close(out);
        let reason = stop_reason(self.stop.as_deref().unwrap_or(""), self.calls);
        let usage = UsageOut::of(s.usage.as_ref().or(self.usage.as_ref()));
        let delta = StopOut { stop_reason: reason, stop_sequence: None };
        let cost_usd = s.cost_usd;
        let md = MessageDelta { kind: "message_delta", delta, usage, cost_usd };
        push_event(out, "message_delta", &md);
        push_event(out, "message_stop", &Ping { kind: "message_stop" });
    }
}

impl Encode for Encoder {
    fn event(&mut self, event: &StreamEvent) -> Bytes {
        let mut out = Vec::with_capacity(160);
        match event {
            StreamEvent::Delta(d) => self.delta(d, &mut out),
            StreamEvent::Complete(s) => self.complete(s, &mut out),
            StreamEvent::Error(e) => {
                let e = AnthropicError::from_api(e);
                tracing::debug!(status = e.status.as_u16(), "stream failed after its start");
                push_event(&mut out, "error", &e.wire());
            }
        }
        Bytes::from(out)
    }

    fn keep_alive(&mut self) -> Bytes {
        event_frame("ping", &Ping::default())
    }
}

#[cfg(test)]
mod tests;
