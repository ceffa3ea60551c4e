//! Claude on Bedrock, as the fake plays it (the Anthropic fake's extended thinking, in
//! Converse's words):
//! - `additionalModelRequestFields` must be an object; for a Claude model id (one naming
//!   `anthropic.claude`) it may carry `thinking` (checked as the Anthropic fake checks it,
//!   against `inferenceConfig.maxTokens`) and `anthropic_beta` (an array of the betas Bedrock
//!   documents: any other is refused with Bedrock's `invalid beta flag`); another model
//!   family refuses both keys.
//! - `reasoningContent` blocks only in assistant turns: `reasoningText` needs `text` and a
//!   `signature` this fake issued for exactly that text; `redactedContent` must be base64.
//! - With thinking on, the reply opens with a signed `reasoningContent` block.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::request::invalid;
use crate::anthropic::thinking;
use crate::wire::WireError;

/// The `anthropic_beta` values Bedrock documents for Claude.
const BETAS: [&str; 11] = [
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14",
    "output-128k-2025-02-19",
    "dev-full-thinking-2025-05-14",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "effort-2025-11-24",
    "tool-search-tool-2025-10-19",
    "tool-examples-2025-10-29",
];

/// Whether `model` is a Claude model (an id, inference profile or ARN).
pub(super) fn is_claude(model: &str) -> bool {
    model.contains("anthropic.claude")
}

/// Checks `additionalModelRequestFields`; whether thinking is on.
pub(super) fn additional_fields(
    obj: &Map<String, Value>,
    model: &str,
    max_tokens: Option<u64>,
) -> Result<bool, WireError> {
    let fields = match obj.get("additionalModelRequestFields") {
        None | Some(Value::Null) => return Ok(false),
        Some(Value::Object(f)) => f,
        Some(_) => return Err(invalid("additionalModelRequestFields must be a JSON object")),
    };
    let claude = is_claude(model);
    for key in ["thinking", "anthropic_beta"] {
        if fields.contains_key(key) && !claude {
            return Err(invalid(format!(
                "The model returned the following errors: extraneous key [{key}] is not permitted"
            )));
        }
    }
    if let Some(betas) = fields.get("anthropic_beta") {
        let list = betas.as_array().filter(|l| l.iter().all(Value::is_string));
        let list = list.ok_or_else(|| invalid("anthropic_beta: expected an array of strings"))?;
        if list.iter().any(|b| !BETAS.contains(&b.as_str().unwrap_or_default())) {
            return Err(invalid("invalid beta flag"));
        }
    }
    let max = max_tokens.and_then(|m| i64::try_from(m).ok()).unwrap_or(i64::MAX);
    thinking::enabled(fields, max).map_err(|e| invalid(e.message))
}

/// Checks a `reasoningContent` block of a message of `role` at `at`.
pub(super) fn check_reasoning(at: &str, role: &str, b: &Value) -> Result<(), WireError> {
    if role != "assistant" {
        return Err(invalid(format!(
            "{at}: reasoningContent blocks can only appear in assistant messages"
        )));
    }
    let r = &b["reasoningContent"];
    if let Some(data) = r.get("redactedContent") {
        let ok = data.as_str().is_some_and(|d| STANDARD.decode(d).is_ok());
        return match ok {
            true => Ok(()),
            false => Err(invalid(format!("{at}.reasoningContent.redactedContent: not base64"))),
        };
    }
    let t = r.get("reasoningText").ok_or_else(|| {
        invalid(format!("{at}.reasoningContent: set reasoningText or redactedContent"))
    })?;
    let text = t.get("text").and_then(Value::as_str);
    let text = text.ok_or_else(|| {
        invalid(format!("{at}.reasoningContent.reasoningText.text: Member must not be null"))
    })?;
    let Some(signature) = t.get("signature").and_then(Value::as_str) else {
        return Err(invalid(format!(
            "{at}: the reasoningContent block is missing its signature; send back the thinking blocks as they came"
        )));
    };
    if signature != thinking::sign(text) {
        return Err(invalid(format!("{at}: Invalid `signature` in `thinking` block")));
    }
    Ok(())
}

/// The signed reasoning block a reply to `last_text` opens with.
pub(super) fn block(last_text: &str) -> Value {
    let b = thinking::block(last_text);
    json!({"reasoningContent": {"reasoningText": {"text": b["thinking"], "signature": b["signature"]}}})
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAUDE: &str = "us.anthropic.claude-sonnet-4-20250514-v1:0";

    fn fields(f: Value) -> Map<String, Value> {
        json!({"additionalModelRequestFields": f}).as_object().cloned().unwrap()
    }

    #[test]
    fn thinking_and_betas_are_claudes_only() {
        let on = fields(json!({"thinking": {"type": "enabled", "budget_tokens": 1024}}));
        assert!(additional_fields(&on, CLAUDE, Some(2048)).unwrap());
        assert!(additional_fields(&on, CLAUDE, Some(1024)).is_err(), "budget ≥ max_tokens");
        let e = additional_fields(&on, "amazon.nova-lite-v1:0", Some(2048)).unwrap_err();
        assert!(e.message.contains("extraneous key [thinking]"), "{}", e.message);
        let known = fields(json!({"anthropic_beta": ["interleaved-thinking-2025-05-14"]}));
        assert!(!additional_fields(&known, CLAUDE, None).unwrap());
        let unknown = fields(json!({"anthropic_beta": ["claude-code-20250219"]}));
        let e = additional_fields(&unknown, CLAUDE, None).unwrap_err();
        assert_eq!(e.message, "invalid beta flag");
        assert!(additional_fields(&fields(json!([])), CLAUDE, None).is_err());
        assert!(!additional_fields(&Map::new(), "amazon.nova-lite-v1:0", None).unwrap());
    }

    #[test]
    fn reasoning_blocks_need_the_fakes_signature() {
        let b = block("hello");
        assert!(check_reasoning("messages.1.content.0", "assistant", &b).is_ok());
        assert!(check_reasoning("messages.0.content.0", "user", &b).is_err());
        let mut unsigned = b.clone();
        unsigned["reasoningContent"]["reasoningText"].as_object_mut().unwrap().remove("signature");
        let e = check_reasoning("m", "assistant", &unsigned).unwrap_err();
        assert!(e.message.contains("missing its signature"), "{}", e.message);
        let mut changed = b.clone();
        changed["reasoningContent"]["reasoningText"]["text"] = json!("Thinking about: hellO");
        assert!(check_reasoning("m", "assistant", &changed).is_err());
        let redacted = json!({"reasoningContent": {"redactedContent": "Zm9v"}});
        assert!(check_reasoning("m", "assistant", &redacted).is_ok());
        let bad = json!({"reasoningContent": {"redactedContent": "not base64!"}});
        assert!(check_reasoning("m", "assistant", &bad).is_err());
    }
}
