//! Server-Sent Events framing for the OpenAI family and Anthropic.

use bytes::Bytes;
use serde_json::Value;

/// The last event of an OpenAI stream.
pub(crate) const DONE: &[u8] = b"data: [DONE]\n\n";

/// An SSE comment the OpenAI family (DeepSeek) sends to keep a connection alive.
pub(crate) const KEEPALIVE: &[u8] = b": keep-alive\n\n";

/// `data: <json>` and the blank line ending the event.
pub(crate) fn data(json: &Value) -> Bytes {
    raw_data(&json.to_string())
}

/// `data: <text>` and the blank line, for text that need not be JSON.
pub(crate) fn raw_data(text: &str) -> Bytes {
    Bytes::from(format!("data: {text}\n\n"))
}

/// `event: <name>`, `data: <json>` and the blank line.
pub(crate) fn event(name: &str, json: &Value) -> Bytes {
    raw_event(name, &json.to_string())
}

/// `event: <name>`, `data: <text>` and the blank line, for text that need not be JSON.
pub(crate) fn raw_event(name: &str, text: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {text}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_events() {
        let j = serde_json::json!({"a": 1});
        assert_eq!(data(&j), Bytes::from_static(b"data: {\"a\":1}\n\n"));
        assert_eq!(event("ping", &j), Bytes::from_static(b"event: ping\ndata: {\"a\":1}\n\n"));
    }
}
