//! The streaming answer of `POST /v1.0-alpha2/conversation/{name}/converse` with
//! `Accept: text/event-stream`: Server-Sent Events `chunk` … then exactly one `complete` or
//! `error`, each `data` the protojson of the message the gRPC stream sends (lowerCamel names,
//! 64-bit integers as strings, zero values omitted). A `: keep-alive` comment goes out when
//! nothing else was sent for [`KEEP_ALIVE`]. The body is pulled by hyper as the socket takes
//! it, so a client that stops reading stops the upstream too (backpressure), and one that
//! goes away drops the stream (the upstream call is cancelled).

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use parlance_core::{ApiError, Delta, ToolCallDelta};
use parlance_pipeline::{ConversedStream, StreamEvent, Summary};
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;

use super::encode::{UsageOut, as_text, is_zero};
use super::{CACHE_HEADER, COMPONENT_HEADER};

/// The longest silence before a keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

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
    let frames = frames(events, context_id, permit);
    let mut resp = (StatusCode::OK, Body::from_stream(frames)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    if let Some(c) = cache {
        h.insert(CACHE_HEADER, HeaderValue::from_static(c.as_str()));
    }
    if let Some(v) = answered_by.and_then(|n| HeaderValue::from_str(&n).ok()) {
        h.insert(COMPONENT_HEADER, v);
    }
    resp
}

/// What the body stream keeps between frames.
struct Frames {
    events: BoxStream<'static, StreamEvent>,
    context_id: Option<String>,
    _permit: Option<OwnedSemaphorePermit>,
}

fn frames(
    events: BoxStream<'static, StreamEvent>,
    context_id: Option<String>,
    permit: Option<OwnedSemaphorePermit>,
) -> BoxStream<'static, Result<Bytes, std::convert::Infallible>> {
    let state = Frames { events, context_id, _permit: permit };
    Box::pin(futures::stream::unfold(state, |mut s| async move {
        let frame = match tokio::time::timeout(KEEP_ALIVE, s.events.next()).await {
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
            Ok(None) => return None,
            Ok(Some(event)) => encode(&event, s.context_id.as_deref()),
        };
        Some((Ok(frame), s))
    }))
}

/// One event as an SSE frame.
pub fn encode(event: &StreamEvent, context_id: Option<&str>) -> Bytes {
    match event {
        StreamEvent::Delta(d) => frame("chunk", &chunk(d)),
        StreamEvent::Complete(summary) => frame("complete", &complete(summary, context_id)),
        StreamEvent::Error(e) => frame("error", &error(e)),
    }
}

fn frame(name: &str, data: &impl Serialize) -> Bytes {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    if serde_json::to_writer(&mut out, data).is_err() {
        out.extend_from_slice(b"{}");
    }
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
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
        Delta::Usage(_) => ChoiceDelta::default(),
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
