//! The streamed answer (`stream: true`, contract §5): the service's [`StreamEvent`]s
//! re-encoded as OpenAI's `chat.completion.chunk` events. Every chunk carries the same `id`,
//! `created` and `model` (written once, into a prefix every frame starts with); a choice's
//! first chunk carries `role`; tool-call fragments carry `index`, with `id`, `type` and
//! `function.name` on the first; `finish_reason` comes on the choice's last chunk; with
//! `include_usage`, a `choices: []` chunk with `usage` (the others `usage: null`); then
//! `data: [DONE]`. A failure after the first chunk is `data: {"error":{…}}` and nothing
//! follows. A `: keep-alive` comment goes out after [`crate::door::sse::KEEP_ALIVE`] of
//! silence; the admission slot is held until the stream ends.

use axum::response::Response;
use bytes::Bytes;
use parlance_core::{Delta, ToolCallDelta, Usage};
use parlance_pipeline::{ConversedStream, StreamEvent};
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;

use super::encode::{CallId, UsageOut, finish_reason};
use super::error::OpenAiError;
use crate::door::sse::Encode;

/// What every chunk of one answer shares.
pub struct Head<'a> {
    /// `chatcmpl-…`.
    pub id: &'a str,
    /// Unix seconds.
    pub created: u64,
    /// The resolved model.
    pub model: &'a str,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
}

/// The model a stream reports: the resolved one, else what the client asked for.
pub fn model<'a>(stream: &'a ConversedStream, requested: &'a str) -> &'a str {
    stream.model.as_deref().filter(|m| !m.is_empty()).unwrap_or(requested)
}

/// The SSE response for `stream`, with the head's model from [`model`].
pub fn answer(
    stream: ConversedStream,
    id: &str,
    created: u64,
    requested: &str,
    include_usage: bool,
    permit: Option<OwnedSemaphorePermit>,
) -> Response {
    let head = Head { id, created, model: model(&stream, requested), include_usage };
    let encoder = Encoder::new(&head);
    crate::door::sse::response(encoder, Bytes::new(), stream.events, permit)
}

/// Turns events into `data:` frames; keeps which choices have had their first chunk.
pub struct Encoder {
    /// `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":`
    prefix: Vec<u8>,
    include_usage: bool,
    started: Vec<bool>,
}

impl Encode for Encoder {
    fn event(&mut self, event: &StreamEvent) -> Bytes {
        Encoder::event(self, event)
    }
}

impl Encoder {
    /// An encoder for one answer.
    pub fn new(head: &Head<'_>) -> Encoder {
        #[derive(Serialize)]
        struct Prefix<'a> {
            id: &'a str,
            object: &'static str,
            created: u64,
            model: &'a str,
        }
        let fields = Prefix {
            id: head.id,
            object: "chat.completion.chunk",
            created: head.created,
            model: head.model,
        };
        let mut prefix = b"data: ".to_vec();
        if serde_json::to_writer(&mut prefix, &fields).is_err() {
            prefix.extend_from_slice(b"{}");
        }
        prefix.pop(); // the closing brace: choices follow
        prefix.extend_from_slice(b",\"choices\":");
        Encoder { prefix, include_usage: head.include_usage, started: Vec::new() }
    }

    /// One event as its frame(s).
    pub fn event(&mut self, event: &StreamEvent) -> Bytes {
        match event {
            StreamEvent::Delta(d) => self.delta(d),
            StreamEvent::Complete(summary) => {
                self.complete(summary.usage.as_ref(), summary.cost_usd)
            }
            StreamEvent::Error(e) => {
                let e = OpenAiError::from_api(e);
                tracing::debug!(status = e.status.as_u16(), "stream failed after its first chunk");
                let mut out = b"data: ".to_vec();
                out.extend_from_slice(&e.body());
                out.extend_from_slice(b"\n\n");
                Bytes::from(out)
            }
        }
    }

    fn delta(&mut self, d: &Delta) -> Bytes {
        let choice = match d {
            Delta::Text { choice, .. } | Delta::Finish { choice, .. } => *choice,
            Delta::ToolCall(t) => t.choice,
            // The service keeps usage for `Complete` (and provider items from this door);
            // nothing to send. Anthropic's thinking has no place in Chat Completions.
            Delta::Usage(_) | Delta::Thinking { .. } | Delta::Opaque { .. } => return Bytes::new(),
        };
        let first = self.first(choice);
        let role = first.then_some("assistant");
        let out = match d {
            Delta::Text { text, .. } => ChoiceChunk::delta(choice, DeltaOut::text(role, text)),
            Delta::ToolCall(t) => ChoiceChunk::delta(choice, DeltaOut::call(role, t)),
            Delta::Finish { reason, .. } => {
                let mut c = ChoiceChunk::delta(choice, DeltaOut::text(role, ""));
                c.finish_reason = Some(finish_reason(reason));
                c
            }
            Delta::Usage(_) | Delta::Thinking { .. } | Delta::Opaque { .. } => return Bytes::new(),
        };
        self.frame(&[out], None)
    }

    /// True (once) for a choice's first chunk.
    fn first(&mut self, choice: u32) -> bool {
        let i = choice as usize;
        if self.started.len() <= i {
            self.started.resize(i + 1, false);
        }
        !std::mem::replace(&mut self.started[i], true)
    }

    fn complete(&self, usage: Option<&Usage>, cost: Option<f64>) -> Bytes {
        let mut out = Vec::new();
        if self.include_usage {
            out.extend_from_slice(&self.frame(&[], Some(usage.map(|u| UsageOut(u, cost)))));
        }
        out.extend_from_slice(b"data: [DONE]\n\n");
        Bytes::from(out)
    }

    /// `usage`: `None` for a choice chunk, `Some` for the usage chunk.
    fn frame(&self, choices: &[ChoiceChunk<'_>], usage: Option<Option<UsageOut<'_>>>) -> Bytes {
        let mut out = Vec::with_capacity(self.prefix.len() + 96);
        out.extend_from_slice(&self.prefix);
        if serde_json::to_writer(&mut out, choices).is_err() {
            out.extend_from_slice(b"[]");
        }
        if self.include_usage {
            out.extend_from_slice(b",\"usage\":");
            let usage = usage.flatten();
            if serde_json::to_writer(&mut out, &usage).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        out.extend_from_slice(b"}\n\n");
        Bytes::from(out)
    }
}

#[derive(Serialize)]
struct ChoiceChunk<'a> {
    index: u32,
    delta: DeltaOut<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

impl<'a> ChoiceChunk<'a> {
    fn delta(index: u32, delta: DeltaOut<'a>) -> ChoiceChunk<'a> {
        ChoiceChunk { index, delta, logprobs: None, finish_reason: None }
    }
}

#[derive(Serialize, Default)]
struct DeltaOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[CallOut<'a>; 1]>,
}

impl<'a> DeltaOut<'a> {
    /// Text; the role chunk of a finish-only choice has `content: ""`, later ones nothing.
    fn text(role: Option<&'static str>, text: &'a str) -> DeltaOut<'a> {
        let content = (role.is_some() || !text.is_empty()).then_some(text);
        DeltaOut { role, content, tool_calls: None }
    }

    fn call(role: Option<&'static str>, t: &'a ToolCallDelta) -> DeltaOut<'a> {
        let first = t.id.is_some() || t.name.is_some();
        let call = CallOut {
            index: t.index,
            id: first.then_some(CallId(t.id.as_deref(), t.index as usize)),
            kind: first.then_some("function"),
            function: FunctionOut { name: t.name.as_deref(), arguments: &t.arguments },
        };
        DeltaOut { role, content: None, tool_calls: Some([call]) }
    }
}

#[derive(Serialize)]
struct CallOut<'a> {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<CallId<'a>>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionOut<'a>,
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

#[cfg(test)]
mod tests;
