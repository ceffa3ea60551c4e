//! A streamed Response → deltas. Events are read by their JSON `type`:
//! - `response.output_text.delta` (and `response.refusal.delta`): text;
//! - `response.output_item.added` of a `function_call`: the call begins (its `call_id` and
//!   `name`, any `arguments` already there); `response.function_call_arguments.delta`: its
//!   arguments, by `output_index`; `.done` supplies the whole arguments only when no delta
//!   did; `response.output_item.done` of a call never announced: the whole call;
//! - `response.output_item.done` of a `reasoning` item: the item, whole, as a
//!   [`parlance_core::Delta::Opaque`];
//! - `response.completed` / `response.incomplete`: the finish reason (as the plain reply's)
//!   and the usage; the stream's end;
//! - `response.failed` and `error`: the stream ends with that error (retryable when its code
//!   says a retry may help, as on the chat wire);
//! - everything else (`response.created`, `.in_progress`, `.content_part.*`,
//!   `.output_text.done`, reasoning summaries, keep-alives) is skipped.
//!
//! A body that ends before `response.completed` is a retryable malformed reply.

use std::collections::VecDeque;

use parlance_core::{Delta, Opaque, ProviderError, ToolCallDelta};
use serde::Deserialize;
use serde_json::Value;

use super::{Response, WireError, finish_reason, function_call, usage};
use crate::openai::error;
use crate::openai::wire::ErrorDetail;
use crate::sse;
use crate::streaming::{OnEvent, malformed};

/// The events of one streamed Response.
#[derive(Debug, Default)]
pub(crate) struct Events {
    /// The key, redacted from error texts.
    key: String,
    /// The `output_index` of each tool call begun, in order, and whether it got arguments.
    calls: Vec<(u64, bool)>,
}

/// One event, as far as it is read.
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    output_index: Option<u64>,
    #[serde(default)]
    delta: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
    #[serde(default)]
    item: Option<Value>,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<String>,
}

impl Events {
    /// A decoder for one stream; `key` is kept out of error messages.
    pub(crate) fn new(key: &str) -> Events {
        Events { key: key.to_string(), calls: Vec::new() }
    }

    fn call_at(&self, output_index: Option<u64>) -> Option<usize> {
        let at = output_index?;
        self.calls.iter().position(|(i, _)| *i == at)
    }

    fn begin_call(&mut self, output_index: Option<u64>, item: &Value, out: &mut VecDeque<Delta>) {
        let call = function_call(item);
        let index = self.calls.len() as u32;
        self.calls
            .push((output_index.unwrap_or(u64::MAX - index as u64), !call.arguments.is_empty()));
        out.push_back(Delta::ToolCall(ToolCallDelta {
            choice: 0,
            index,
            id: call.id,
            name: Some(call.name),
            arguments: call.arguments,
        }));
    }

    fn arguments(&mut self, output_index: Option<u64>, text: String, out: &mut VecDeque<Delta>) {
        let Some(at) = self.call_at(output_index) else { return };
        if text.is_empty() {
            return;
        }
        self.calls[at].1 = true;
        let d =
            ToolCallDelta { choice: 0, index: at as u32, arguments: text, ..Default::default() };
        out.push_back(Delta::ToolCall(d));
    }

    fn item_done(&mut self, output_index: Option<u64>, item: Value, out: &mut VecDeque<Delta>) {
        match item.get("type").and_then(Value::as_str) {
            Some("reasoning") => out
                .push_back(Delta::Opaque { choice: 0, item: Opaque::responses(item.to_string()) }),
            Some("function_call") if self.call_at(output_index).is_none() => {
                self.begin_call(output_index, &item, out)
            }
            Some("function_call") => {
                let at = self.call_at(output_index).unwrap_or_default();
                if !self.calls[at].1 {
                    let args = function_call(&item).arguments;
                    self.arguments(output_index, args, out);
                }
            }
            _ => {}
        }
    }

    fn finished(&mut self, response: Option<Response>, out: &mut VecDeque<Delta>) {
        let Some(r) = response else {
            let reason = if self.calls.is_empty() { "stop" } else { "tool_calls" };
            out.push_back(Delta::Finish { choice: 0, reason: reason.into() });
            return;
        };
        let reason = finish_reason(&r, !self.calls.is_empty());
        out.push_back(Delta::Finish { choice: 0, reason });
        out.extend(r.usage.map(|u| Delta::Usage(usage(u))));
    }

    fn failure(&self, e: WireError) -> ProviderError {
        let detail = ErrorDetail { message: e.message, kind: None, code: e.code };
        error::from_stream_error(&detail, &self.key)
    }
}

impl OnEvent for Events {
    fn event(&mut self, ev: sse::Event, out: &mut VecDeque<Delta>) -> Result<bool, ProviderError> {
        let data = ev.data.trim();
        if data.is_empty() || data == "[DONE]" {
            return Ok(false);
        }
        let e: Event = serde_json::from_str(data).map_err(|e| malformed("response event", &e))?;
        match e.kind.as_str() {
            "response.output_text.delta" | "response.refusal.delta" => {
                if let Some(text) = e.delta.filter(|t| !t.is_empty()) {
                    out.push_back(Delta::Text { choice: 0, text });
                }
            }
            "response.output_item.added" => {
                let item = e.item.unwrap_or_default();
                if item.get("type").and_then(Value::as_str) == Some("function_call") {
                    self.begin_call(e.output_index, &item, out);
                }
            }
            "response.function_call_arguments.delta" => {
                self.arguments(e.output_index, e.delta.unwrap_or_default(), out)
            }
            "response.function_call_arguments.done"
                if self.call_at(e.output_index).is_some_and(|at| !self.calls[at].1) =>
            {
                self.arguments(e.output_index, e.arguments.unwrap_or_default(), out);
            }
            "response.output_item.done" => {
                self.item_done(e.output_index, e.item.unwrap_or_default(), out)
            }
            "response.completed" | "response.incomplete" => {
                self.finished(e.response, out);
                return Ok(true);
            }
            "response.failed" => {
                let err = e.response.and_then(|r| r.error).unwrap_or_default();
                return Err(self.failure(err));
            }
            "error" => return Err(self.failure(WireError { code: e.code, message: e.message })),
            _ => {}
        }
        Ok(false)
    }
}
