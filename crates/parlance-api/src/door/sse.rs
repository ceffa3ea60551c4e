//! Server-Sent Events for every door: the frame writers (`event:`-named and bare `data:`),
//! the SSE response headers, and the body pump that turns the service's [`StreamEvent`]s into
//! a door's frames through its [`Encode`]r. The body is pulled by hyper as the socket takes
//! it, so a client that stops reading stops the upstream too (backpressure), and one that
//! goes away drops the stream (the upstream call is cancelled). After [`KEEP_ALIVE`] of
//! silence the encoder's keep-alive frame goes out; the admission slot is held until the
//! stream ends, which is after the first `Complete` or `Error` event.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use parlance_pipeline::StreamEvent;
use serde::Serialize;
use tokio::sync::OwnedSemaphorePermit;

/// The longest silence before a keep-alive frame.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A door's stream format.
pub trait Encode: Send + 'static {
    /// The frames of one event (empty when the event shows nothing in this format).
    fn event(&mut self, event: &StreamEvent) -> Bytes;

    /// What goes out after [`KEEP_ALIVE`] of silence: an SSE comment unless the format has
    /// its own.
    fn keep_alive(&mut self) -> Bytes {
        Bytes::from_static(b": keep-alive\n\n")
    }
}

/// `event: <name>\ndata: <json>\n\n`.
pub fn event_frame(name: &str, data: &impl Serialize) -> Bytes {
    let mut out = Vec::with_capacity(128);
    push_event(&mut out, name, data);
    Bytes::from(out)
}

/// Appends `event: <name>\ndata: <json>\n\n` to `out`.
pub fn push_event(out: &mut Vec<u8>, name: &str, data: &impl Serialize) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
    push_data(out, data);
}

/// Appends `data: <json>\n\n` to `out`.
pub fn push_data(out: &mut Vec<u8>, data: &impl Serialize) {
    out.extend_from_slice(b"data: ");
    if serde_json::to_writer(&mut *out, data).is_err() {
        out.extend_from_slice(b"{}");
    }
    out.extend_from_slice(b"\n\n");
}

/// The SSE response for a stream past its first delta: `first` goes out before any event.
pub fn response<E: Encode>(
    encoder: E,
    first: Bytes,
    events: BoxStream<'static, StreamEvent>,
    permit: Option<OwnedSemaphorePermit>,
) -> Response {
    let body = futures::stream::iter((!first.is_empty()).then_some(Ok(first)))
        .chain(pump(encoder, events, permit));
    let mut resp = (StatusCode::OK, Body::from_stream(body)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}

/// What the body stream keeps between frames.
struct Pump<E> {
    encoder: E,
    events: BoxStream<'static, StreamEvent>,
    done: bool,
    _permit: Option<OwnedSemaphorePermit>,
}

fn pump<E: Encode>(
    encoder: E,
    events: BoxStream<'static, StreamEvent>,
    permit: Option<OwnedSemaphorePermit>,
) -> BoxStream<'static, Result<Bytes, std::convert::Infallible>> {
    let state = Pump { encoder, events, done: false, _permit: permit };
    Box::pin(futures::stream::unfold(state, |mut s| async move {
        loop {
            if s.done {
                return None;
            }
            let frame = match tokio::time::timeout(KEEP_ALIVE, s.events.next()).await {
                Err(_) => s.encoder.keep_alive(),
                Ok(None) => return None,
                Ok(Some(event)) => {
                    s.done = !matches!(event, StreamEvent::Delta(_));
                    s.encoder.event(&event)
                }
            };
            // An empty frame is not a body chunk worth sending.
            if !frame.is_empty() {
                return Some((Ok(frame), s));
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let f = event_frame("ping", &serde_json::json!({"type": "ping"}));
        assert_eq!(&f[..], b"event: ping\ndata: {\"type\":\"ping\"}\n\n");
        let mut out = Vec::new();
        push_data(&mut out, &[1]);
        assert_eq!(out, b"data: [1]\n\n");
    }
}
