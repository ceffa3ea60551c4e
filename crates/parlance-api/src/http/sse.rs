//! The streaming answer of `POST /v1.0-alpha2/conversation/{name}/converse` with
//! `Accept: text/event-stream`: Server-Sent Events `chunk` … then exactly one `complete` or
//! `error`, each `data` the protojson of the message the gRPC stream sends (lowerCamel names,
//! 64-bit integers as strings, zero values omitted). A `: keep-alive` comment goes out when
//! nothing else was sent for [`KEEP_ALIVE`]. The body is pulled by hyper as the socket takes
//! it, so a client that stops reading stops the upstream too (backpressure), and one that
//! goes away drops the stream (the upstream call is cancelled).

use axum::http::HeaderValue;
use axum::response::Response;
use bytes::Bytes;
use parlance_core::{ApiError, Delta, ToolCallDelta};
use parlance_pipeline::{ConversedStream, StreamEvent, Summary};
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;

use super::encode::{UsageOut, as_text, is_zero};
use crate::door::sse::{Encode, event_frame as frame};
use crate::door::{CACHE_HEADER, component_header};

pub use crate::door::sse::KEEP_ALIVE;

/// True when the client asked for an event stream.
pub fn wants_stream(accept: Option<&HeaderValue>) -> bool {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else { return false };
    accept.split(',').any(|t| {
        let media = t.split(';').next().unwrap_or("").trim();
        media.eq_ignore_ascii_case("text/event-stream")
    })
}

/// The SSE response for a stream past its first delta; `permit` (the admission slot) is held
/// until the stream ends.
pub fn response(stream: ConversedStream, permit: Option<OwnedSemaphorePermit>) -> Response {
    let ConversedStream { events, cache, answered_by, context_id, .. } = stream;
    let mut resp = crate::door::sse::response(Dapr { context_id }, Bytes::new(), events, permit);
    let h = resp.headers_mut();
    if let Some(c) = cache {
        h.insert(CACHE_HEADER, HeaderValue::from_static(c.as_str()));
    }
    if let Some(n) = answered_by {
        component_header(h, &n);
    }
    resp
}

/// The Dapr stream format; the context id goes into `complete`.
struct Dapr {
    context_id: Option<String>,
}

impl Encode for Dapr {
    fn event(&mut self, event: &StreamEvent) -> Bytes {
        encode(event, self.context_id.as_deref())
    }
}

/// One event as an SSE frame.
pub fn encode(event: &StreamEvent, context_id: Option<&str>) -> Bytes {
    match event {
        // Anthropic's thinking has no place in Dapr's chunks.
        StreamEvent::Delta(Delta::Thinking { .. }) => Bytes::new(),
        StreamEvent::Delta(d) => frame("chunk", &chunk(d)),
        StreamEvent::Complete(summary) => frame("complete", &complete(summary, context_id)),
        StreamEvent::Error(e) => frame("error", &error(e)),
    }
}

/// `ConversationStreamChunkAlpha2` (parlance answers one output: `outputIndex` is 0, omitted).
#[derive(Serialize)]
struct Chunk<'a> {
    choices: [ChoiceDelta<'a>; 1],
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ChoiceDelta<'a> {
    #[serde(skip_serializing_if = "is_zero", serialize_with = "as_text")]
    index: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    content: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCallOut<'a>; 1]>,
    #[serde(skip_serializing_if = "str::is_empty")]
    finish_reason: &'a str,
}

#[derive(Serialize)]
struct ToolCallOut<'a> {
    #[serde(skip_serializing_if = "is_zero", serialize_with = "as_text")]
    index: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    arguments: &'a str,
}

fn chunk(d: &Delta) -> Chunk<'_> {
    let choice = match d {
        Delta::Text { choice, text } => {
            ChoiceDelta { index: (*choice).into(), content: text, ..Default::default() }
        }
        Delta::ToolCall(t) => ChoiceDelta {
            index: t.choice.into(),
            tool_calls: Some([tool_call(t)]),
            ..Default::default()
        },
        Delta::Finish { choice, reason } => {
            ChoiceDelta { index: (*choice).into(), finish_reason: reason, ..Default::default() }
        }
        // The service keeps usage for `complete`; an empty chunk is all it could be.
        Delta::Usage(_) | Delta::Thinking { .. } | Delta::Opaque { .. } => ChoiceDelta::default(),
    };
    Chunk { choices: [choice] }
}

fn tool_call(t: &ToolCallDelta) -> ToolCallOut<'_> {
    ToolCallOut {
        index: t.index.into(),
        id: t.id.as_deref(),
        name: t.name.as_deref(),
        arguments: &t.arguments,
    }
}

/// `ConversationStreamCompleteAlpha2`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Complete<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    context_id: Option<&'a str>,
    outputs: [OutputSummary<'a>; 1],
    /// What the reply cost (USD; `0` for a cache hit), when its model has a price.
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_usd: Option<f64>,
}

#[derive(Serialize)]
struct OutputSummary<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut<'a>>,
}

fn complete<'a>(s: &'a Summary, context_id: Option<&'a str>) -> Complete<'a> {
    let model = s.model.as_deref().filter(|m| !m.is_empty());
    let usage = s.usage.as_ref().map(UsageOut::new);
    Complete { context_id, outputs: [OutputSummary { model, usage }], cost_usd: s.cost_usd }
}

/// Dapr's error body, `{"errorCode","message"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    error_code: &'a str,
    message: &'a str,
}

fn error(e: &ApiError) -> ErrorBody<'_> {
    tracing::debug!(code = e.code.as_str(), "stream failed after its first event");
    ErrorBody { error_code: e.code.as_str(), message: &e.message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::Usage;

    fn text(b: Bytes) -> String {
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn chunks_are_protojson() {
        let d = Delta::Text { choice: 0, text: "Hel".into() };
        assert_eq!(
            text(encode(&StreamEvent::Delta(d), None)),
            "event: chunk\ndata: {\"choices\":[{\"content\":\"Hel\"}]}\n\n"
        );
        let d = Delta::Finish { choice: 1, reason: "stop".into() };
        assert_eq!(
            text(encode(&StreamEvent::Delta(d), None)),
            "event: chunk\ndata: {\"choices\":[{\"index\":\"1\",\"finishReason\":\"stop\"}]}\n\n"
        );
        let d = Delta::ToolCall(ToolCallDelta {
            choice: 0,
            index: 2,
            id: Some("c".into()),
            name: Some("f".into()),
            arguments: "{".into(),
        });
        assert_eq!(
            text(encode(&StreamEvent::Delta(d), None)),
            "event: chunk\ndata: {\"choices\":[{\"toolCalls\":[{\"index\":\"2\",\"id\":\"c\",\"name\":\"f\",\"arguments\":\"{\"}]}]}\n\n"
        );
    }

    #[test]
    fn complete_carries_model_usage_and_context() {
        let usage =
            Usage { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, ..Usage::default() };
        let s = Summary { model: Some("gpt-4o-mini".into()), usage: Some(usage), cost_usd: None };
        assert_eq!(
            text(encode(&StreamEvent::Complete(s), Some("ctx"))),
            "event: complete\ndata: {\"contextId\":\"ctx\",\"outputs\":[{\"model\":\"gpt-4o-mini\",\"usage\":{\"completionTokens\":\"2\",\"promptTokens\":\"5\",\"totalTokens\":\"7\"}}]}\n\n"
        );
    }

    #[test]
    fn accept_header_selects_the_stream() {
        let v = |s| HeaderValue::from_static(s);
        assert!(wants_stream(Some(&v("text/event-stream"))));
        assert!(wants_stream(Some(&v("application/json, Text/Event-Stream;q=0.9"))));
        assert!(!wants_stream(Some(&v("application/json"))));
        assert!(!wants_stream(None));
    }
}
