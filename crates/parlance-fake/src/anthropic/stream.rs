//! Anthropic Messages streaming (`"stream": true`): the named SSE events cut from the finished
//! message, so that the assembled stream equals the plain reply.
//!
//! Order: `message_start` (the message with empty `content`, null stop fields, the full input
//! and cache usage and `output_tokens` at most 1), then per block `content_block_start` (a
//! `text` block with empty text, or a `tool_use` block with `id`, `name` and `input: {}`),
//! a `thinking` block with empty `thinking` and `signature` whose `thinking_delta`s are
//! followed by one `signature_delta`), `ping` (after the first block start, or after `message_start` when there is no block),
//! `content_block_delta`s (`text_delta`, or `input_json_delta` whose `partial_json` pieces
//! join to the input; the first is empty), `content_block_stop`; then `message_delta`
//! (`stop_reason`, `stop_sequence`, `usage.output_tokens`, the final count) and
//! `message_stop`.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::stream::split::Pieces as Words;
use crate::stream::{Piece, Pieces, sse};

/// The events of the plain reply `body`.
pub(super) fn pieces(body: &Value, paced: bool) -> Pieces {
    let mut start = body.clone();
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    start["stop_sequence"] = Value::Null;
    let output_tokens = body["usage"]["output_tokens"].as_u64().unwrap_or(0);
    start["usage"]["output_tokens"] = json!(output_tokens.min(1));
    let head = std::iter::once(event("message_start", json!({"message": start})));
    let blocks: Vec<Value> = body["content"].as_array().cloned().unwrap_or_default();
    let ping_first = blocks.is_empty().then(ping_piece);
    let blocks = blocks.into_iter().enumerate().flat_map(move |(i, b)| block(i, b, paced));
    let end = [
        event(
            "message_delta",
            json!({
                "delta": {"stop_reason": body["stop_reason"], "stop_sequence": body["stop_sequence"]},
                "usage": {"output_tokens": output_tokens},
            }),
        ),
        event("message_stop", json!({})),
    ];
    Box::new(head.chain(ping_first).chain(blocks).chain(end))
}

/// The events of content block `i`.
fn block(i: usize, block: Value, paced: bool) -> Box<dyn Iterator<Item = Piece> + Send> {
    let (start, deltas): (Value, Box<dyn Iterator<Item = Value> + Send>) = match block["type"]
        .as_str()
    {
        Some("thinking") => {
            let text = block["thinking"].as_str().unwrap_or_default().to_owned();
            let signature = json!({"type": "signature_delta", "signature": block["signature"]});
            let pieces = Words::of(text, paced);
            let deltas = pieces.map(|p| json!({"type": "thinking_delta", "thinking": p}));
            (
                json!({"type": "thinking", "thinking": "", "signature": ""}),
                Box::new(deltas.chain(std::iter::once(signature))),
            )
        }
        Some("tool_use") => {
            let input = block["input"].to_string();
            let start =
                json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}});
            let pieces = std::iter::once(String::new()).chain(Words::of(input, paced));
            (
                start,
                Box::new(pieces.map(|p| json!({"type": "input_json_delta", "partial_json": p}))),
            )
        }
        _ => {
            let text = block["text"].as_str().unwrap_or_default().to_owned();
            let pieces = Words::of(text, paced);
            (
                json!({"type": "text", "text": ""}),
                Box::new(pieces.map(|p| json!({"type": "text_delta", "text": p}))),
            )
        }
    };
    let open = event("content_block_start", json!({"index": i, "content_block": start}));
    let ping = (i == 0).then(ping_piece);
    let deltas = deltas.map(move |d| {
        let bytes = sse::event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": i, "delta": d}),
        );
        Piece::content(bytes)
    });
    let close = event("content_block_stop", json!({"index": i}));
    Box::new(std::iter::once(open).chain(ping).chain(deltas).chain(std::iter::once(close)))
}

/// An event named `name` whose data is `fields` plus `"type": name` first.
fn event(name: &str, fields: Value) -> Piece {
    let mut data = json!({"type": name});
    if let (Some(d), Value::Object(f)) = (data.as_object_mut(), fields) {
        d.extend(f);
    }
    Piece::event(sse::event(name, &data))
}

fn ping_piece() -> Piece {
    Piece::event(ping())
}

/// A `ping` event.
pub(crate) fn ping() -> Bytes {
    sse::event("ping", &json!({"type": "ping"}))
}

/// The mid-stream `error` event (`kind` defaults to `overloaded_error`).
pub(crate) fn error_event(kind: Option<&str>) -> Bytes {
    let kind = kind.unwrap_or("overloaded_error");
    let message = if kind == "overloaded_error" { "Overloaded" } else { "Internal server error" };
    sse::event("error", &json!({"type": "error", "error": {"type": kind, "message": message}}))
}

/// A `content_block_delta` cut in the middle of its JSON.
pub(crate) fn malformed_event() -> Bytes {
    sse::raw_event(
        "content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"trunc",
    )
}
