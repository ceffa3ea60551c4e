//! The streamed reply (`stream: true`): the service's [`StreamEvent`]s re-encoded as the
//! Responses API's `event:`-named SSE, each `data` carrying its `type` and a
//! `sequence_number` counted from 0 — `response.created` and `response.in_progress` first;
//! per output item `response.output_item.added`, then for text `response.content_part.added`,
//! `response.output_text.delta`s, `response.output_text.done` and
//! `response.content_part.done`, for a function call `response.function_call_arguments.delta`s
//! (the arguments as they come, so the client assembles them intact) and `.done`, then
//! `response.output_item.done`; finally `response.completed` (or `response.incomplete` when
//! the output limit cut the reply) with the whole Response and its usage. A failure after the
//! start is an `error` event and `response.failed`. A reasoning item from a Responses-wire
//! component is an item of its own (`output_item.added`, then `.done` with the whole item).
//! Only choice 0 is shown.

use bytes::Bytes;
use parlance_core::{Delta, ToolCallDelta};
use parlance_pipeline::{StreamEvent, Summary};
use serde::Serialize;

use super::encode::{FailOut, Head, ItemOut, OutItem, PartOut, Reply, Status, call_id, response};
use super::error::ResponsesError;
use super::store::Pending;
use crate::door::sse::{Encode, push_event};

/// The item being written: its position in the output, and for a call the provider's index.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Text(usize),
    Call(usize, u32),
}

/// Turns events into frames; keeps the reply so far, for the `.done` events and the end.
pub struct Encoder {
    head: Head,
    seq: u64,
    reply: Reply,
    open: Option<Open>,
    calls: usize,
    messages: usize,
    pending: Option<Pending>,
}

/// `{"type": …, "sequence_number": …, …body}`.
#[derive(Serialize)]
struct Event<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    sequence_number: u64,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize)]
struct ResponseEv<'a> {
    response: super::encode::ResponseOut<'a>,
    /// What the reply cost, on the last event when its model has a price (parlance's own
    /// field, as on the Anthropic stream's `message_delta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_usd: Option<f64>,
}

#[derive(Serialize)]
struct ItemEv<'a> {
    output_index: usize,
    item: ItemOut<'a>,
}

#[derive(Serialize)]
struct PartEv<'a> {
    item_id: &'a str,
    output_index: usize,
    content_index: usize,
    part: PartOut<'a>,
}

#[derive(Serialize)]
struct TextEv<'a> {
    item_id: &'a str,
    output_index: usize,
    content_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    logprobs: [(); 0],
}

#[derive(Serialize)]
struct ArgsEv<'a> {
    item_id: &'a str,
    output_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arguments: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorEv<'a> {
    code: &'a str,
    message: &'a str,
    param: Option<&'a str>,
}

impl Encoder {
    /// An encoder for one answer; `pending` stores it when it completes.
    pub fn new(head: Head, pending: Option<Pending>) -> Encoder {
        Encoder {
            head,
            seq: 0,
            reply: Reply::default(),
            open: None,
            calls: 0,
            messages: 0,
            pending,
        }
    }

    fn push<T: Serialize>(&mut self, out: &mut Vec<u8>, kind: &str, body: T) {
        let seq = self.seq;
        self.seq += 1;
        push_event(out, kind, &Event { kind, sequence_number: seq, body });
    }

    /// `response.created` and `response.in_progress`: the frames before any event.
    pub fn opening(&mut self) -> Bytes {
        let mut out = Vec::with_capacity(2048);
        for kind in ["response.created", "response.in_progress"] {
            let seq = self.seq;
            self.seq += 1;
            let body = ResponseEv {
                response: response(&self.head, &self.reply, Status::InProgress, None),
                cost_usd: None,
            };
            push_event(&mut out, kind, &Event { kind, sequence_number: seq, body });
        }
        Bytes::from(out)
    }

    fn delta(&mut self, d: &Delta, out: &mut Vec<u8>) {
        match d {
            Delta::Text { choice: 0, text } if !text.is_empty() => self.text(text, out),
            Delta::ToolCall(t) if t.choice == 0 => self.tool_call(t, out),
            Delta::Finish { choice: 0, reason } => self.reply.finish = reason.clone(),
            Delta::Usage(u) => self.reply.usage = Some(u.clone()),
            Delta::Opaque { choice: 0, item } => self.reasoning(item, out),
            _ => {}
        }
    }

    /// A whole reasoning item: added and done at once.
    fn reasoning(&mut self, item: &parlance_core::Opaque, out: &mut Vec<u8>) {
        let Some(item) = OutItem::reasoning(item) else { return };
        self.close(out);
        let at = self.reply.items.len();
        self.reply.items.push(item.clone());
        let ev = ItemEv { output_index: at, item: ItemOut::of(&item, "in_progress") };
        self.push(out, "response.output_item.added", ev);
        let ev = ItemEv { output_index: at, item: ItemOut::of(&item, "completed") };
        self.push(out, "response.output_item.done", ev);
    }

    fn text(&mut self, text: &str, out: &mut Vec<u8>) {
        let at = match self.open {
            Some(Open::Text(at)) => at,
            _ => self.open_text(out),
        };
        if let Some(OutItem::Message { text: t, .. }) = self.reply.items.get_mut(at) {
            t.push_str(text);
        }
        let id = self.item_id(at);
        let ev = TextEv {
            item_id: &id,
            output_index: at,
            content_index: 0,
            delta: Some(text),
            text: None,
            logprobs: [],
        };
        self.push(out, "response.output_text.delta", ev);
    }

    fn item_id(&self, at: usize) -> String {
        match self.reply.items.get(at) {
            Some(
                OutItem::Message { id, .. }
                | OutItem::Call { id, .. }
                | OutItem::Reasoning { id, .. },
            ) => id.clone(),
            None => String::new(),
        }
    }

    fn open_text(&mut self, out: &mut Vec<u8>) -> usize {
        self.close(out);
        let id = match self.messages {
            0 => self.head.message_id(),
            n => format!("{}_{n}", self.head.message_id()),
        };
        self.messages += 1;
        let at = self.reply.items.len();
        self.reply.items.push(OutItem::Message { id: id.clone(), text: String::new() });
        self.open = Some(Open::Text(at));
        let item = ItemOut::Message {
            id: &id,
            status: "in_progress",
            role: "assistant",
            content: Vec::new(),
        };
        self.push(out, "response.output_item.added", ItemEv { output_index: at, item });
        let part =
            PartEv { item_id: &id, output_index: at, content_index: 0, part: PartOut::text("") };
        self.push(out, "response.content_part.added", part);
        at
    }

    fn tool_call(&mut self, t: &ToolCallDelta, out: &mut Vec<u8>) {
        let first = t.id.is_some() || t.name.is_some();
        let at = match self.open {
            Some(Open::Call(at, index)) if index == t.index && !first => at,
            _ => self.open_call(t, out),
        };
        if t.arguments.is_empty() {
            return;
        }
        if let Some(OutItem::Call { arguments, .. }) = self.reply.items.get_mut(at) {
            arguments.push_str(&t.arguments);
        }
        let id = self.item_id(at);
        let ev = ArgsEv {
            item_id: &id,
            output_index: at,
            delta: Some(&t.arguments),
            name: None,
            arguments: None,
        };
        self.push(out, "response.function_call_arguments.delta", ev);
    }

    fn open_call(&mut self, t: &ToolCallDelta, out: &mut Vec<u8>) -> usize {
        self.close(out);
        let position = self.calls;
        self.calls += 1;
        let at = self.reply.items.len();
        let item = OutItem::Call {
            id: self.head.call_item_id(position),
            call_id: call_id(t.id.as_deref(), position),
            name: t.name.clone().unwrap_or_default(),
            arguments: String::new(),
        };
        self.reply.items.push(item);
        self.open = Some(Open::Call(at, t.index));
        let item = self.reply.items[at].clone();
        let ev = ItemEv { output_index: at, item: ItemOut::of(&item, "in_progress") };
        self.push(out, "response.output_item.added", ev);
        at
    }

    /// Closes the open item: its `.done` events and `response.output_item.done`.
    fn close(&mut self, out: &mut Vec<u8>) {
        let Some(open) = self.open.take() else { return };
        let at = match open {
            Open::Text(at) | Open::Call(at, _) => at,
        };
        let Some(item) = self.reply.items.get(at).cloned() else { return };
        match &item {
            OutItem::Message { id, text } => {
                let ev = TextEv {
                    item_id: id,
                    output_index: at,
                    content_index: 0,
                    delta: None,
                    text: Some(text),
                    logprobs: [],
                };
                self.push(out, "response.output_text.done", ev);
                let part = PartEv {
                    item_id: id,
                    output_index: at,
                    content_index: 0,
                    part: PartOut::text(text),
                };
                self.push(out, "response.content_part.done", part);
            }
            OutItem::Call { id, name, arguments, .. } => {
                let ev = ArgsEv {
                    item_id: id,
                    output_index: at,
                    delta: None,
                    name: Some(name),
                    arguments: Some(arguments),
                };
                self.push(out, "response.function_call_arguments.done", ev);
            }
            OutItem::Reasoning { .. } => {}
        }
        // A reply the output limit cut leaves its open item incomplete, as OpenAI marks it.
        let status = if self.reply.incomplete().is_some() { "incomplete" } else { "completed" };
        let ev = ItemEv { output_index: at, item: ItemOut::of(&item, status) };
        self.push(out, "response.output_item.done", ev);
    }

    fn complete(&mut self, s: &Summary, out: &mut Vec<u8>) {
        self.close(out);
        if s.usage.is_some() {
            self.reply.usage = s.usage.clone();
        }
        let kind = match self.reply.incomplete() {
            Some(_) => "response.incomplete",
            None => "response.completed",
        };
        let seq = self.seq;
        self.seq += 1;
        let body = ResponseEv {
            response: response(&self.head, &self.reply, Status::Done, None),
            cost_usd: s.cost_usd,
        };
        if let Some(pending) = self.pending.take() {
            match serde_json::to_vec(&body.response) {
                Ok(json) => pending.save(&self.head.id, Bytes::from(json), self.reply.as_message()),
                Err(e) => tracing::debug!(error = %e, "a streamed response could not be stored"),
            }
        }
        push_event(out, kind, &Event { kind, sequence_number: seq, body });
    }

    fn fail(&mut self, e: &ResponsesError, out: &mut Vec<u8>) {
        tracing::debug!(status = e.status.as_u16(), "stream failed after its start");
        let code = e.response_code();
        let ev = ErrorEv { code, message: &e.message, param: e.param.as_deref() };
        self.push(out, "error", ev);
        let seq = self.seq;
        self.seq += 1;
        let error = FailOut { code, message: &e.message };
        let body = ResponseEv {
            response: response(&self.head, &self.reply, Status::Failed, Some(error)),
            cost_usd: None,
        };
        let kind = "response.failed";
        push_event(out, kind, &Event { kind, sequence_number: seq, body });
    }
}

impl Encode for Encoder {
    fn event(&mut self, event: &StreamEvent) -> Bytes {
        let mut out = Vec::with_capacity(192);
        match event {
            StreamEvent::Delta(d) => self.delta(d, &mut out),
            StreamEvent::Complete(s) => self.complete(s, &mut out),
            StreamEvent::Error(e) => self.fail(&ResponsesError::from_api(e), &mut out),
        }
        Bytes::from(out)
    }
}

#[cfg(test)]
mod tests;
