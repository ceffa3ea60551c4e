//! Extended thinking, as the fake plays it: the `thinking` request option
//! (`{"type":"enabled","budget_tokens":N}` with 1024 ≤ N < `max_tokens`, `{"type":"adaptive"}`
//! or `{"type":"disabled"}`), a signed thinking block first in the reply when it is on, and
//! the check the real API makes when thinking blocks come back: only in assistant turns, and
//! only with a signature this fake issued for exactly that text (`Invalid signature`
//! otherwise). `redacted_thinking` blocks need a string `data`.

use serde_json::{Map, Value, json};

use super::request::invalid;
use crate::wire::WireError;

/// What every signature this fake issues starts with.
const PREFIX: &str = "fakesig_";

/// The smallest `budget_tokens` the real API accepts.
const MIN_BUDGET: i64 = 1024;

/// The signature of `thinking`: a keyed FNV-1a hash, so a changed letter changes it.
pub(crate) fn sign(thinking: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"parlance-fake:".iter().chain(thinking.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{PREFIX}{h:016x}")
}

/// Whether the request turns thinking on (after checking the option's shape).
pub(crate) fn enabled(obj: &Map<String, Value>, max_tokens: i64) -> Result<bool, WireError> {
    let Some(t) = obj.get("thinking").filter(|t| !t.is_null()) else { return Ok(false) };
    match t.get("type").and_then(Value::as_str) {
        Some("disabled") => Ok(false),
        Some("adaptive") => Ok(true),
        Some("enabled") => {
            let budget = t.get("budget_tokens").and_then(Value::as_i64);
            let budget =
                budget.ok_or_else(|| invalid("thinking.enabled.budget_tokens: Field required"))?;
            if budget < MIN_BUDGET {
                return Err(invalid(
                    "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
                ));
            }
            if budget >= max_tokens {
                return Err(invalid("`max_tokens` must be greater than `thinking.budget_tokens`"));
            }
            Ok(true)
        }
        _ => Err(invalid(
            "thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'",
        )),
    }
}

/// Checks a `thinking` or `redacted_thinking` block of message `role` at `at`.
pub(super) fn check_block(at: &str, role: &str, kind: &str, b: &Value) -> Result<(), WireError> {
    if role != "assistant" {
        return Err(invalid(format!("{at}: {kind} blocks can only appear in assistant messages")));
    }
    let string = |key: &str| b.get(key).and_then(Value::as_str);
    if kind == "redacted_thinking" {
        return string("data")
            .map(|_| ())
            .ok_or_else(|| invalid(format!("{at}.data: Field required")));
    }
    let thinking =
        string("thinking").ok_or_else(|| invalid(format!("{at}.thinking: Field required")))?;
    let signature =
        string("signature").ok_or_else(|| invalid(format!("{at}.signature: Field required")))?;
    if signature != sign(thinking) {
        return Err(invalid(format!("{at}: Invalid `signature` in `thinking` block")));
    }
    Ok(())
}

/// The signed thinking block a reply to `last_text` opens with.
pub(crate) fn block(last_text: &str) -> Value {
    let topic: String = last_text.chars().take(60).collect();
    let thinking = format!("Thinking about: {topic}");
    json!({"type": "thinking", "signature": sign(&thinking), "thinking": thinking})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_vouch_for_exactly_their_text() {
        let b = block("hello");
        let ok = check_block("m.1.content.0", "assistant", "thinking", &b);
        assert!(ok.is_ok());
        let mut changed = b.clone();
        changed["thinking"] = json!("Thinking about: hellO");
        let e = check_block("m.1.content.0", "assistant", "thinking", &changed).unwrap_err();
        assert!(e.message.contains("Invalid `signature`"), "{}", e.message);
        assert!(check_block("m.0.content.0", "user", "thinking", &b).is_err());
        let redacted = json!({"type": "redacted_thinking", "data": "x"});
        assert!(check_block("a", "assistant", "redacted_thinking", &redacted).is_ok());
    }

    #[test]
    fn the_option_is_checked() {
        let opt = |t: Value| json!({"thinking": t}).as_object().cloned().unwrap();
        assert!(enabled(&opt(json!({"type": "enabled", "budget_tokens": 2048})), 4096).unwrap());
        assert!(enabled(&opt(json!({"type": "adaptive"})), 10).unwrap());
        assert!(!enabled(&opt(json!({"type": "disabled"})), 10).unwrap());
        assert!(enabled(&opt(json!({"type": "enabled", "budget_tokens": 100})), 4096).is_err());
        assert!(enabled(&opt(json!({"type": "enabled", "budget_tokens": 4096})), 4096).is_err());
        assert!(enabled(&opt(json!({"type": "sometimes"})), 4096).is_err());
        assert!(!enabled(&Map::new(), 10).unwrap());
    }
}
