//! A Response streamed (`"stream": true`), cut from the finished Response object so that the
//! assembled stream equals the plain reply. Every event is `event: <type>` + `data:` with its
//! `type` and a `sequence_number` counting from 0:
//!
//! `response.created`, `response.in_progress` (the Response with `status: in_progress` and no
//! output); per output item, `response.output_item.added` (the item without its content),
//! then for a message `response.content_part.added`, `response.output_text.delta` pieces,
//! `response.output_text.done`, `response.content_part.done`; for a function call
//! `response.function_call_arguments.delta` pieces and `.done`; then
//! `response.output_item.done` (the whole item, a reasoning item's `encrypted_content`
//! included); last `response.completed` (or `response.incomplete`) with the whole Response.
//! An injected mid-stream error is a `response.failed` event.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::stream::split::Pieces as Words;
use crate::stream::{Piece, Pieces, sse};

/// One event, numbered.
fn event(seq: &mut u64, mut v: Value) -> Bytes {
    if let Some(o) = v.as_object_mut() {
        o.insert("sequence_number".into(), json!(*seq));
    }
    *seq += 1;
    let kind = v["type"].as_str().unwrap_or_default().to_string();
    sse::event(&kind, &v)
}

/// The events of the Response `body` (`paced`: whole words, one per text delta).
pub(crate) fn pieces(body: &Value, paced: bool) -> Pieces {
    let mut seq = 0u64;
    let mut out = Vec::new();
    let mut opening = body.clone();
    opening["status"] = json!("in_progress");
    opening["output"] = json!([]);
    opening["usage"] = Value::Null;
    for kind in ["response.created", "response.in_progress"] {
        out.push(Piece::event(event(&mut seq, json!({"type": kind, "response": opening}))));
    }
    for (i, item) in body["output"].as_array().into_iter().flatten().enumerate() {
        item_events(&mut seq, i, item, paced, &mut out);
    }
    let last =
        if body["status"] == "incomplete" { "response.incomplete" } else { "response.completed" };
    out.push(Piece::event(event(&mut seq, json!({"type": last, "response": body}))));
    Box::new(out.into_iter())
}

fn item_events(seq: &mut u64, i: usize, item: &Value, paced: bool, out: &mut Vec<Piece>) {
    let id = item["id"].clone();
    let mut added = item.clone();
    match item["type"].as_str() {
        Some("message") => added["content"] = json!([]),
        Some("function_call") => added["arguments"] = json!(""),
        _ => {
            if let Some(o) = added.as_object_mut() {
                o.remove("encrypted_content");
                o.insert("summary".into(), json!([]));
            }
        }
    }
    added["status"] = json!("in_progress");
    let ev = json!({"type": "response.output_item.added", "output_index": i, "item": added});
    out.push(Piece::event(event(seq, ev)));
    match item["type"].as_str() {
        Some("message") => {
            let text = item["content"][0]["text"].as_str().unwrap_or_default().to_string();
            let part = |t: &str| json!({"type": "output_text", "text": t, "annotations": []});
            let head = json!({"item_id": id, "output_index": i, "content_index": 0});
            let with = |mut v: Value, extra: Value| {
                if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                    o.extend(e.clone());
                }
                v
            };
            let added = with(
                head.clone(),
                json!({"type": "response.content_part.added", "part": part("")}),
            );
            out.push(Piece::event(event(seq, added)));
            for w in Words::of(text.clone(), paced) {
                let d = with(
                    head.clone(),
                    json!({"type": "response.output_text.delta", "delta": w, "logprobs": []}),
                );
                out.push(Piece::content(event(seq, d)));
            }
            let done = with(
                head.clone(),
                json!({"type": "response.output_text.done", "text": text, "logprobs": []}),
            );
            out.push(Piece::event(event(seq, done)));
            let done =
                with(head, json!({"type": "response.content_part.done", "part": part(&text)}));
            out.push(Piece::event(event(seq, done)));
        }
        Some("function_call") => {
            let args = item["arguments"].as_str().unwrap_or_default().to_string();
            for w in Words::words(args.clone()) {
                let d = json!({"type": "response.function_call_arguments.delta", "item_id": id, "output_index": i, "delta": w});
                out.push(Piece::content(event(seq, d)));
            }
            let d = json!({"type": "response.function_call_arguments.done", "item_id": id, "output_index": i, "arguments": args});
            out.push(Piece::event(event(seq, d)));
        }
        _ => {}
    }
    let done = json!({"type": "response.output_item.done", "output_index": i, "item": item});
    out.push(Piece::event(event(seq, done)));
}

/// The injected mid-stream failure: `response.failed` with the error (`kind` its code).
pub(crate) fn error_event(kind: Option<&str>) -> Bytes {
    let response = json!({
        "object": "response", "status": "failed", "output": [],
        "error": {"code": kind.unwrap_or("server_error"), "message": "The server had an error while processing your request. Sorry about that!"},
    });
    sse::event("response.failed", &json!({"type": "response.failed", "response": response}))
}

/// An event cut in the middle of its JSON.
pub(crate) fn malformed_event() -> Bytes {
    sse::raw_event(
        "response.output_text.delta",
        "{\"type\":\"response.output_text.delta\",\"delta\":\"trunc",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_numbered_and_deltas_join_to_the_text() {
        let body = super::super::fixed_body_with("echo: one two three", 4);
        let events: Vec<Value> = pieces(&body, false)
            .map(|p| {
                let text = String::from_utf8(p.bytes.to_vec()).unwrap();
                let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                serde_json::from_str(data).unwrap()
            })
            .collect();
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e["sequence_number"], i as u64);
        }
        let text: String = events
            .iter()
            .filter(|e| e["type"] == "response.output_text.delta")
            .map(|e| e["delta"].as_str().unwrap())
            .collect();
        assert_eq!(text, "echo: one two three");
        assert_eq!(events.last().unwrap()["type"], "response.completed");
        assert_eq!(events.last().unwrap()["response"], body);
    }
}
