//! How a cached response is written to a shared store: a version byte, the absolute expiry
//! (Unix milliseconds, 0 = never) and the response as JSON.
//!
//! The expiry travels with the value so that a replica that reads it from Redis can keep it in
//! memory for exactly the time that is left. A value this version cannot read is a miss.

use parlance_core::ChatResponse;

/// The encoding version; a reader ignores values written with another one.
const VERSION: u8 = 1;
/// Version byte + expiry.
const HEADER: usize = 1 + 8;

/// A response as stored, with when it stops being valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The provider's reply, unscrubbed, usage included.
    pub chat: ChatResponse,
    /// Unix milliseconds after which it is stale; `None` = never.
    pub expires_at_ms: Option<u64>,
}

/// Encodes a response.
pub fn encode(chat: &ChatResponse, expires_at_ms: Option<u64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.push(VERSION);
    out.extend_from_slice(&expires_at_ms.unwrap_or(0).to_le_bytes());
    // Serializing plain structs of strings and integers into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, chat);
    out
}

/// Decodes a value; `None` when it has another version or is damaged.
pub fn decode(bytes: &[u8]) -> Option<Stored> {
    if bytes.len() < HEADER || bytes[0] != VERSION {
        return None;
    }
    let mut expiry = [0u8; 8];
    expiry.copy_from_slice(&bytes[1..HEADER]);
    let expires_at_ms = Some(u64::from_le_bytes(expiry)).filter(|&ms| ms != 0);
    let chat = serde_json::from_slice(&bytes[HEADER..]).ok()?;
    Some(Stored { chat, expires_at_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::{Choice, CompletionDetails, Opaque, ToolCall, Usage};

    fn sample() -> ChatResponse {
        ChatResponse {
            choices: vec![Choice {
                index: 0,
                finish_reason: "stop".into(),
                content: "héllo \"world\"".into(),
                tool_calls: vec![ToolCall {
                    id: Some("c1".into()),
                    name: "f".into(),
                    arguments: "{\"a\":1}".into(),
                }],
                thinking: vec![parlance_core::ThinkingBlock::Thinking {
                    thinking: "hm".into(),
                    signature: "sig".into(),
                }],
                opaque: vec![Opaque::responses(r#"{"type":"reasoning","id":"rs_1"}"#.into())],
            }],
            usage: Some(Usage {
                completion_tokens: 3,
                prompt_tokens: 5,
                total_tokens: 8,
                completion_details: CompletionDetails { reasoning_tokens: 2, ..Default::default() }
                    .non_zero(),
                prompt_details: None,
            }),
            model: Some("gpt".into()),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&sample(), Some(1234));
        assert_eq!(decode(&bytes), Some(Stored { chat: sample(), expires_at_ms: Some(1234) }));
        let bytes = encode(&ChatResponse::default(), None);
        assert_eq!(decode(&bytes).map(|s| s.expires_at_ms), Some(None));
    }

    #[test]
    fn other_versions_and_garbage_are_misses() {
        let mut bytes = encode(&sample(), None);
        bytes[0] = 2;
        assert_eq!(decode(&bytes), None);
        assert_eq!(decode(b"\x01short"), None);
        assert_eq!(decode(b"\x01\0\0\0\0\0\0\0\0{not json"), None);
    }
}
