//! Bedrock ConverseStream: the binary `application/vnd.amazon.eventstream` frames cut from the
//! finished Converse reply (framing and both CRCs by `aws-smithy-eventstream`), so that the
//! assembled stream equals the plain reply.
//!
//! Every event frame has `:event-type`, `:content-type: application/json` and
//! `:message-type: event` headers, and a JSON payload with a `p` padding field (as Bedrock
//! sends; readers ignore it). Order: `messageStart {role}`; per block: for a tool call
//! `contentBlockStart {start: {toolUse: {toolUseId, name}}, contentBlockIndex}` (a text block
//! has none), `contentBlockDelta {delta: {text} | {toolUse: {input: "<fragment>"}},
//! contentBlockIndex}`s (Claude's reasoning: `{reasoningContent: {text}}`s then one
//! `{reasoningContent: {signature}}`, or one `{reasoningContent: {redactedContent}}`),
//! `contentBlockStop {contentBlockIndex}`; then `messageStop
//! {stopReason}` and `metadata {usage, metrics}` (the usage of the plain reply). Exceptions are
//! frames with `:message-type: exception` and `:exception-type`.

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::stream::split::Pieces as Words;
use crate::stream::{Piece, Pieces};

/// The padding Bedrock adds to payloads; a slice of it, of varying length, goes in `p`.
const PADDING: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// The frames of the plain Converse reply `body`.
pub(super) fn pieces(body: &Value, paced: bool) -> Pieces {
    let role = body["output"]["message"]["role"].clone();
    let head = std::iter::once(event("messageStart", json!({"role": role})));
    let blocks: Vec<Value> =
        body["output"]["message"]["content"].as_array().cloned().unwrap_or_default();
    let blocks = blocks.into_iter().enumerate().flat_map(move |(i, b)| block(i, b, paced));
    let end = [
        event("messageStop", json!({"stopReason": body["stopReason"]})),
        event("metadata", json!({"usage": body["usage"], "metrics": body["metrics"]})),
    ];
    Box::new(head.chain(blocks).chain(end))
}

/// The frames of content block `i`.
fn block(i: usize, block: Value, paced: bool) -> Box<dyn Iterator<Item = Piece> + Send> {
    let stop = event("contentBlockStop", json!({"contentBlockIndex": i}));
    let delta = move |d: Value| {
        Piece::content(frame("contentBlockDelta", &json!({"contentBlockIndex": i, "delta": d})))
    };
    if let Some(tool) = block.get("toolUse") {
        let start = json!({"toolUse": {"toolUseId": tool["toolUseId"], "name": tool["name"]}});
        let open = event("contentBlockStart", json!({"start": start, "contentBlockIndex": i}));
        let input = tool["input"].to_string();
        let deltas = Words::of(input, paced).map(move |p| delta(json!({"toolUse": {"input": p}})));
        return Box::new(std::iter::once(open).chain(deltas).chain(std::iter::once(stop)));
    }
    if let Some(r) = block.get("reasoningContent") {
        let reasoning = move |d: Value| {
            let body = json!({"contentBlockIndex": i, "delta": {"reasoningContent": d}});
            Piece::content(frame("contentBlockDelta", &body))
        };
        if let Some(data) = r.get("redactedContent") {
            let one = reasoning(json!({"redactedContent": data}));
            return Box::new([one, stop].into_iter());
        }
        let t = &r["reasoningText"];
        let text = t["text"].as_str().unwrap_or_default().to_owned();
        let signature = reasoning(json!({"signature": t["signature"]}));
        let texts = Words::of(text, paced).map(move |p| reasoning(json!({"text": p})));
        return Box::new(texts.chain([signature, stop]));
    }
    let text = block["text"].as_str().unwrap_or_default().to_owned();
    // An empty text still has its one (empty) delta, so the assembled block exists.
    let pieces: Box<dyn Iterator<Item = String> + Send> = if text.is_empty() {
        Box::new(std::iter::once(String::new()))
    } else {
        Box::new(Words::of(text, paced))
    };
    Box::new(pieces.map(move |p| delta(json!({"text": p}))).chain(std::iter::once(stop)))
}

fn event(name: &'static str, payload: Value) -> Piece {
    Piece::event(frame(name, &payload))
}

/// One event frame, with the `p` padding added to the payload.
fn frame(name: &'static str, payload: &Value) -> Bytes {
    let mut payload = payload.clone();
    let pad = 1 + payload.to_string().len() % (PADDING.len() - 1);
    payload["p"] = json!(&PADDING[..pad]);
    let message = Message::new(Bytes::from(payload.to_string()))
        .add_header(Header::new(":event-type", HeaderValue::String(name.into())))
        .add_header(Header::new(":content-type", HeaderValue::String("application/json".into())))
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())));
    encode(&message)
}

/// Writes a message's frame. Writing fails only for headers or payloads beyond the format's
/// limits (16 MiB), which the fake never builds; such a frame is left empty.
fn encode(message: &Message) -> Bytes {
    let mut out = Vec::new();
    match write_message_to(message, &mut out) {
        Ok(()) => Bytes::from(out),
        Err(_) => Bytes::new(),
    }
}

/// An exception frame (`kind` defaults to `modelStreamErrorException`).
pub(crate) fn exception_frame(kind: Option<&str>) -> Bytes {
    let kind = kind.unwrap_or("modelStreamErrorException").to_owned();
    let payload = json!({
        "message": "The model stream failed while generating the response.",
        "originalStatusCode": 500,
        "originalMessage": "Internal server error",
    });
    let message = Message::new(Bytes::from(payload.to_string()))
        .add_header(Header::new(":exception-type", HeaderValue::String(kind.into())))
        .add_header(Header::new(":content-type", HeaderValue::String("application/json".into())))
        .add_header(Header::new(":message-type", HeaderValue::String("exception".into())));
    encode(&message)
}

/// A frame with valid CRCs whose JSON payload is cut short.
pub(crate) fn malformed_frame() -> Bytes {
    let message =
        Message::new(Bytes::from_static(b"{\"contentBlockIndex\":0,\"delta\":{\"text\":\"tru"))
            .add_header(Header::new(":event-type", HeaderValue::String("contentBlockDelta".into())))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ))
            .add_header(Header::new(":message-type", HeaderValue::String("event".into())));
    encode(&message)
}

/// A well-formed `contentBlockDelta` frame whose message CRC (its last 4 bytes) is wrong.
pub(crate) fn bad_crc_frame() -> Bytes {
    let good = frame("contentBlockDelta", &json!({"contentBlockIndex": 0, "delta": {"text": "x"}}));
    let mut bytes = good.to_vec();
    if let Some(last) = bytes.last_mut() {
        *last ^= 0xff;
    }
    Bytes::from(bytes)
}

#[cfg(test)]
mod tests {
    use aws_smithy_eventstream::frame::read_message_from;

    use super::*;

    #[test]
    fn frames_decode_with_both_crcs() {
        let message =
            read_message_from(frame("messageStart", &json!({"role": "assistant"}))).unwrap();
        let names: Vec<&str> = message.headers().iter().map(|h| h.name().as_str()).collect();
        assert_eq!(names, [":event-type", ":content-type", ":message-type"]);
        let payload: Value = serde_json::from_slice(message.payload()).unwrap();
        assert_eq!(payload["role"], "assistant");
        assert!(payload["p"].is_string());
        assert!(read_message_from(bad_crc_frame()).is_err());
        assert!(read_message_from(exception_frame(None)).is_ok());
    }

    #[test]
    fn reasoning_streams_as_text_pieces_then_the_signature() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {"text": "Thinking about: hi there", "signature": "fakesig_1"}}},
                {"reasoningContent": {"redactedContent": "Zm9v"}},
                {"text": "hello"}
            ]}},
            "stopReason": "end_turn", "usage": {}, "metrics": {}
        });
        let deltas: Vec<Value> = pieces(&body, false)
            .map(|p| read_message_from(p.bytes).unwrap())
            .map(|m| serde_json::from_slice::<Value>(m.payload()).unwrap())
            .filter_map(|v| v.get("delta").map(|d| json!([v["contentBlockIndex"], d])))
            .collect();
        let reasoning: Vec<&Value> =
            deltas.iter().filter_map(|d| d[1].get("reasoningContent")).collect();
        let text: String = reasoning.iter().filter_map(|r| r["text"].as_str()).collect();
        assert_eq!(text, "Thinking about: hi there");
        assert!(reasoning.len() > 2, "the text comes in pieces: {reasoning:?}");
        assert_eq!(reasoning[reasoning.len() - 2]["signature"], "fakesig_1");
        assert_eq!(reasoning[reasoning.len() - 1], &json!({"redactedContent": "Zm9v"}));
        assert_eq!(deltas.last().unwrap(), &json!([2, {"text": "hello"}]));
    }
}
