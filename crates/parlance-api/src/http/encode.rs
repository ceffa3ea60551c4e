//! HTTP response bodies, written as Go's protojson writes them (spec §1.2): lowerCamel names,
//! zero values omitted, 64-bit integers as strings, no HTML escaping (serde_json does none).
//!
//! Each choice of the reply becomes one output holding exactly that choice, with the model and
//! usage copied onto every output, as daprd does.

use std::collections::BTreeMap;

use parlance_core::wkt::any_to_json;
use parlance_core::{ChatResponse, Choice, ToolCall, Usage};
use serde_json::{Map, Value, json};

/// Alpha1 `ConversationResponse`.
pub fn alpha1(
    context_id: Option<&str>,
    chat: &ChatResponse,
    parameters: &BTreeMap<String, prost_types::Any>,
) -> Value {
    let params: Map<String, Value> =
        parameters.iter().map(|(k, v)| (k.clone(), any_to_json(v))).collect();
    let outputs: Vec<Value> = chat
        .choices
        .iter()
        .map(|c| {
            let mut o = Map::new();
            put_str(&mut o, "result", &c.content);
            if !params.is_empty() {
                o.insert("parameters".into(), Value::Object(params.clone()));
            }
            Value::Object(o)
        })
        .collect();
    let mut root = Map::new();
    put_str(&mut root, "contextID", context_id.unwrap_or(""));
    if !outputs.is_empty() {
        root.insert("outputs".into(), Value::Array(outputs));
    }
    Value::Object(root)
}

/// Alpha2 `ConversationResponseAlpha2`.
pub fn alpha2(context_id: Option<&str>, chat: &ChatResponse) -> Value {
    let usage = chat.usage.as_ref().map(usage);
    let outputs: Vec<Value> = chat
        .choices
        .iter()
        .map(|c| {
            let mut o = Map::new();
            o.insert("choices".into(), json!([choice(c)]));
            if let Some(m) = chat.model.as_deref().filter(|m| !m.is_empty()) {
                o.insert("model".into(), json!(m));
            }
            if let Some(u) = &usage {
                o.insert("usage".into(), u.clone());
            }
            Value::Object(o)
        })
        .collect();
    let mut root = Map::new();
    put_str(&mut root, "contextId", context_id.unwrap_or(""));
    if !outputs.is_empty() {
        root.insert("outputs".into(), Value::Array(outputs));
    }
    Value::Object(root)
}

fn choice(c: &Choice) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "finishReason", &c.finish_reason);
    if c.index != 0 {
        o.insert("index".into(), json!(c.index.to_string()));
    }
    let mut msg = Map::new();
    put_str(&mut msg, "content", &c.content);
    if !c.tool_calls.is_empty() {
        msg.insert("toolCalls".into(), c.tool_calls.iter().map(tool_call).collect());
    }
    o.insert("message".into(), Value::Object(msg));
    Value::Object(o)
}

fn tool_call(t: &ToolCall) -> Value {
    let mut o = Map::new();
    put_str(&mut o, "id", t.id.as_deref().unwrap_or(""));
    let mut f = Map::new();
    put_str(&mut f, "name", &t.name);
    put_str(&mut f, "arguments", &t.arguments);
    o.insert("function".into(), Value::Object(f));
    Value::Object(o)
}

fn usage(u: &Usage) -> Value {
    let mut o = Map::new();
    put_u64(&mut o, "completionTokens", u.completion_tokens);
    put_u64(&mut o, "promptTokens", u.prompt_tokens);
    put_u64(&mut o, "totalTokens", u.total_tokens);
    if let Some(d) = &u.completion_details {
        let mut m = Map::new();
        put_u64(&mut m, "acceptedPredictionTokens", d.accepted_prediction_tokens);
        put_u64(&mut m, "audioTokens", d.audio_tokens);
        put_u64(&mut m, "reasoningTokens", d.reasoning_tokens);
        put_u64(&mut m, "rejectedPredictionTokens", d.rejected_prediction_tokens);
        o.insert("completionTokensDetails".into(), Value::Object(m));
    }
    if let Some(d) = &u.prompt_details {
        let mut m = Map::new();
        put_u64(&mut m, "audioTokens", d.audio_tokens);
        put_u64(&mut m, "cachedTokens", d.cached_tokens);
        o.insert("promptTokensDetails".into(), Value::Object(m));
    }
    Value::Object(o)
}

fn put_str(o: &mut Map<String, Value>, key: &str, v: &str) {
    if !v.is_empty() {
        o.insert(key.into(), Value::String(v.into()));
    }
}

/// protojson writes uint64 as a decimal string and omits zero.
fn put_u64(o: &mut Map<String, Value>, key: &str, v: u64) {
    if v != 0 {
        o.insert(key.into(), Value::String(v.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_usage_is_an_empty_object_and_empty_message_is_kept() {
        let chat = ChatResponse {
            choices: vec![Choice { finish_reason: "stop".into(), ..Choice::default() }],
            usage: Some(Usage::default()),
            model: None,
        };
        assert_eq!(
            alpha2(None, &chat),
            json!({"outputs": [{"choices": [{"finishReason": "stop", "message": {}}], "usage": {}}]})
        );
    }

    #[test]
    fn index_and_tokens_are_strings() {
        let chat = ChatResponse {
            choices: vec![Choice {
                index: 1,
                finish_reason: "stop".into(),
                content: "x".into(),
                tool_calls: vec![],
            }],
            usage: Some(Usage {
                completion_tokens: 8,
                prompt_tokens: 8,
                total_tokens: 16,
                ..Usage::default()
            }),
            model: Some("m".into()),
        };
        let v = alpha2(Some("ctx"), &chat);
        assert_eq!(v["contextId"], json!("ctx"));
        assert_eq!(v["outputs"][0]["choices"][0]["index"], json!("1"));
        assert_eq!(v["outputs"][0]["usage"]["totalTokens"], json!("16"));
        assert_eq!(v["outputs"][0]["model"], json!("m"));
    }
}
