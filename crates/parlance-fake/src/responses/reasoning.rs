//! The fake's reasoning items: what a reasoning model returns before its answer, with an
//! `encrypted_content` the fake can verify when a client sends the item back (the real API
//! refuses content it did not issue; so does the fake — proof that an item travelled
//! through a gateway unchanged).
//!
//! The content is `fake-enc:v1:<hex of the summary>:<check>`, where the check is a 64-bit
//! FNV-1a of the fixed key, the item id and the summary text.

use serde_json::{Map, Value, json};

use crate::openai::request::invalid;
use crate::wire::WireError;

/// The key the check is made with.
const KEY: &str = "parlance-fake-reasoning";

/// The prefix of the fake's encrypted content.
const PREFIX: &str = "fake-enc:v1:";

/// Reasoning tokens a reasoning item costs.
pub(super) const TOKENS: u64 = 4;

fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The encrypted content of an item `id` whose summary is `summary`.
pub(super) fn seal(id: &str, summary: &str) -> String {
    format!("{PREFIX}{}:{:016x}", hex(summary), fnv(&[KEY, id, summary]))
}

/// A reasoning item about `text` (`encrypted`: with its `encrypted_content`).
pub(super) fn item(id: &str, text: &str, encrypted: bool) -> Value {
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    let summary = format!("Considering: {}", words.join(" "));
    let mut v = json!({
        "type": "reasoning",
        "id": id,
        "summary": [{"type": "summary_text", "text": summary}],
    });
    if let (true, Some(o)) = (encrypted, v.as_object_mut()) {
        o.insert("encrypted_content".into(), json!(seal(id, &summary)));
    }
    v
}

/// Checks a reasoning item sent back: a `summary` list, and an `encrypted_content` this fake
/// issued for this id and summary (required with `store: false`, where nothing is kept).
pub(super) fn verify(at: &str, o: &Map<String, Value>, store: bool) -> Result<(), WireError> {
    let Some(summary) = o.get("summary").and_then(Value::as_array) else {
        return Err(invalid(format!("Missing required parameter: '{at}.summary'."))
            .param(format!("{at}.summary"))
            .code("missing_required_parameter"));
    };
    let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
    let content = match o.get("encrypted_content") {
        Some(Value::String(c)) => c,
        _ if store => return Ok(()),
        _ => {
            return Err(invalid(format!(
                "Item with id '{id}' not found. Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input."
            ))
            .param("input"));
        }
    };
    let text: String = summary
        .iter()
        .filter_map(|s| s.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("");
    if *content == seal(id, &text) {
        return Ok(());
    }
    Err(invalid(format!("The encrypted content for item {id} could not be verified."))
        .param(format!("{at}.encrypted_content"))
        .code("invalid_encrypted_content"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_items_verify_and_changed_ones_do_not() {
        let v = item("rs_1", "what is two plus two", true);
        let o = v.as_object().unwrap();
        assert!(verify("input[0]", o, false).is_ok());
        let mut changed = o.clone();
        changed["summary"][0]["text"] = json!("Considering: something else");
        assert!(verify("input[0]", &changed, false).is_err());
        let mut other_id = o.clone();
        other_id["id"] = json!("rs_2");
        assert!(verify("input[0]", &other_id, false).is_err());
        let bare = item("rs_1", "x", false);
        assert!(verify("input[0]", bare.as_object().unwrap(), false).is_err());
        assert!(verify("input[0]", bare.as_object().unwrap(), true).is_ok());
    }
}
