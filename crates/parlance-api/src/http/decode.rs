//! HTTP request bodies: protojson of `ConversationRequest` (alpha1) and
//! `ConversationRequestAlpha2` → the shared [`ConverseRequest`] (spec §1.2).
//!
//! protojson rules kept here: lowerCamel and proto field names both accepted (a mix is a
//! duplicate-field error, as protojson says), unknown keys ignored, `null` means unset, booleans
//! must be booleans, doubles may be numeric strings, `Any` needs a known `@type`, two keys of a
//! oneof is an error, and an empty body is an empty request.

use std::collections::BTreeMap;
use std::time::Duration;

use parlance_core::request::{FunctionCallIn, FunctionIn, Input, Message, ToolCallIn, ToolIn};
use parlance_core::wkt::{any_from_json, lenient_f64, parse_duration_json};
use parlance_core::{ApiError, ConverseRequest, Role};
use serde::Deserialize;
use serde_json::{Map, Value};

type Obj = Map<String, Value>;

/// Alpha1 `ConversationRequest`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Alpha1 {
    #[serde(rename = "contextID")]
    context_id: Option<String>,
    inputs: Option<Vec<Alpha1Input>>,
    parameters: Option<BTreeMap<String, Obj>>,
    metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "scrubPII")]
    scrub_pii: Option<bool>,
    temperature: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Alpha1Input {
    content: Option<String>,
    role: Option<String>,
    #[serde(rename = "scrubPII")]
    scrub_pii: Option<bool>,
}

/// Alpha2 `ConversationRequestAlpha2`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Alpha2 {
    #[serde(rename = "contextId", alias = "context_id")]
    context_id: Option<String>,
    inputs: Option<Vec<Alpha2Input>>,
    parameters: Option<BTreeMap<String, Obj>>,
    metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "scrubPii", alias = "scrub_pii")]
    scrub_pii: Option<bool>,
    temperature: Option<Value>,
    tools: Option<Vec<Tool>>,
    #[serde(rename = "toolChoice", alias = "tool_choice")]
    tool_choice: Option<String>,
    #[serde(rename = "responseFormat", alias = "response_format")]
    response_format: Option<Obj>,
    #[serde(rename = "promptCacheRetention", alias = "prompt_cache_retention")]
    prompt_cache_retention: Option<String>,
    /// An int64: a JSON number or, as protojson writes it, a string of digits.
    #[serde(rename = "maxTokens", alias = "max_tokens")]
    max_tokens: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Alpha2Input {
    messages: Option<Vec<WireMessage>>,
    #[serde(rename = "scrubPii", alias = "scrub_pii")]
    scrub_pii: Option<bool>,
}

/// The `message_types` oneof: at most one key may be set.
#[derive(Deserialize, Default)]
#[serde(default)]
struct WireMessage {
    #[serde(rename = "ofDeveloper", alias = "of_developer")]
    of_developer: Option<TextMessage>,
    #[serde(rename = "ofSystem", alias = "of_system")]
    of_system: Option<TextMessage>,
    #[serde(rename = "ofUser", alias = "of_user")]
    of_user: Option<TextMessage>,
    #[serde(rename = "ofAssistant", alias = "of_assistant")]
    of_assistant: Option<AssistantMessage>,
    #[serde(rename = "ofTool", alias = "of_tool")]
    of_tool: Option<ToolMessage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextMessage {
    #[allow(dead_code)]
    name: Option<String>,
    content: Option<Vec<Content>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssistantMessage {
    #[allow(dead_code)]
    name: Option<String>,
    content: Option<Vec<Content>>,
    #[serde(rename = "toolCalls", alias = "tool_calls")]
    tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolMessage {
    #[serde(rename = "toolId", alias = "tool_id")]
    tool_id: Option<String>,
    name: Option<String>,
    content: Option<Vec<Content>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Content {
    text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolCall {
    id: Option<String>,
    function: Option<FunctionCall>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FunctionCall {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tool {
    function: Option<Function>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Function {
    name: Option<String>,
    description: Option<String>,
    parameters: Option<Obj>,
}

/// Decodes an alpha1 body.
pub fn alpha1(body: &[u8]) -> Result<ConverseRequest, ApiError> {
    let raw: Alpha1 = parse(body)?;
    let inputs = raw.inputs.unwrap_or_default().into_iter().map(alpha1_input).collect();
    Ok(ConverseRequest {
        context_id: raw.context_id,
        inputs,
        parameters: parameters(raw.parameters)?,
        metadata: raw.metadata.unwrap_or_default(),
        scrub_pii: raw.scrub_pii.unwrap_or(false),
        temperature: temperature(raw.temperature)?,
        ..ConverseRequest::default()
    })
}

fn alpha1_input(i: Alpha1Input) -> Input {
    let role = Role::from_alpha1(i.role.as_deref().unwrap_or(""));
    let message = Message::Legacy { role, content: i.content.unwrap_or_default() };
    Input { messages: vec![message], scrub_pii: i.scrub_pii.unwrap_or(false) }
}

/// Decodes an alpha2 body.
pub fn alpha2(body: &[u8]) -> Result<ConverseRequest, ApiError> {
    let raw: Alpha2 = parse(body)?;
    let mut inputs = Vec::new();
    for i in raw.inputs.unwrap_or_default() {
        let messages =
            i.messages.unwrap_or_default().into_iter().map(message).collect::<Result<_, _>>()?;
        inputs.push(Input { messages, scrub_pii: i.scrub_pii.unwrap_or(false) });
    }
    Ok(ConverseRequest {
        context_id: raw.context_id,
        inputs,
        parameters: parlance_core::request::with_max_tokens(
            parameters(raw.parameters)?,
            int64(raw.max_tokens, "maxTokens")?,
        )?,
        metadata: raw.metadata.unwrap_or_default(),
        scrub_pii: raw.scrub_pii.unwrap_or(false),
        temperature: temperature(raw.temperature)?,
        tools: raw.tools.unwrap_or_default().into_iter().map(tool).collect(),
        tool_choice: raw.tool_choice,
        response_format: raw.response_format,
        prompt_cache_retention: retention(raw.prompt_cache_retention)?,
        anthropic: Default::default(),
    })
}

fn parse<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::malformed(&e))
}

fn texts(content: Option<Vec<Content>>) -> Vec<String> {
    content.unwrap_or_default().into_iter().map(|c| c.text.unwrap_or_default()).collect()
}

fn message(m: WireMessage) -> Result<Message, ApiError> {
    let set = [
        m.of_developer.is_some(),
        m.of_system.is_some(),
        m.of_user.is_some(),
        m.of_assistant.is_some(),
        m.of_tool.is_some(),
    ];
    if set.iter().filter(|s| **s).count() > 1 {
        return Err(ApiError::malformed(
            &"oneof dapr.proto.runtime.v1.ConversationMessage.message_types is already set",
        ));
    }
    Ok(if let Some(d) = m.of_developer {
        Message::Developer(texts(d.content))
    } else if let Some(s) = m.of_system {
        Message::System(texts(s.content))
    } else if let Some(u) = m.of_user {
        Message::User(texts(u.content))
    } else if let Some(a) = m.of_assistant {
        let tool_calls = a.tool_calls.unwrap_or_default().into_iter().map(tool_call).collect();
        Message::Assistant { content: texts(a.content), tool_calls }
    } else if let Some(t) = m.of_tool {
        Message::Tool {
            tool_id: t.tool_id,
            name: t.name.unwrap_or_default(),
            content: texts(t.content),
        }
    } else {
        Message::Unset
    })
}

fn tool_call(c: ToolCall) -> ToolCallIn {
    let function = c.function.map(|f| FunctionCallIn {
        name: f.name.unwrap_or_default(),
        arguments: f.arguments.unwrap_or_default(),
    });
    ToolCallIn { id: c.id, function }
}

fn tool(t: Tool) -> ToolIn {
    let function = t.function.map(|f| FunctionIn {
        name: f.name.unwrap_or_default(),
        description: f.description,
        parameters: f.parameters,
    });
    ToolIn { function }
}

fn parameters(
    p: Option<BTreeMap<String, Obj>>,
) -> Result<BTreeMap<String, prost_types::Any>, ApiError> {
    p.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| any_from_json(&v).map(|a| (k, a)).map_err(|e| ApiError::malformed(&e)))
        .collect()
}

fn temperature(v: Option<Value>) -> Result<Option<f64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            lenient_f64(&v).map(Some).map_err(|e| ApiError::malformed(&format!("temperature: {e}")))
        }
    }
}

/// A protojson int64 field: a JSON integer or a string of one.
fn int64(v: Option<Value>, field: &str) -> Result<Option<i64>, ApiError> {
    let bad = || ApiError::malformed(&format!("{field}: not an integer"));
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

fn retention(v: Option<String>) -> Result<Option<Duration>, ApiError> {
    let Some(s) = v else { return Ok(None) };
    let d = parse_duration_json(&s).map_err(|e| ApiError::malformed(&e))?;
    if d.seconds < 0 || d.nanos < 0 {
        return Err(ApiError::malformed(&format!(
            "promptCacheRetention must not be negative: {s:?}"
        )));
    }
    Ok(Some(Duration::new(d.seconds as u64, d.nanos as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::ErrorCode;

    #[test]
    fn both_field_name_forms_are_accepted() {
        let a = alpha2(br#"{"context_id":"c","scrub_pii":true,"inputs":[{"messages":[{"of_user":{"content":[{"text":"x"}]}}],"scrubPii":true}]}"#).unwrap();
        assert_eq!(a.context_id.as_deref(), Some("c"));
        assert!(a.scrub_pii && a.inputs[0].scrub_pii);
        assert_eq!(a.inputs[0].messages[0], Message::User(vec!["x".into()]));
    }

    #[test]
    fn alpha1_casing_is_ignored_on_alpha2_and_vice_versa() {
        let a = alpha2(br#"{"contextID":"c","scrubPII":true,"inputs":[]}"#).unwrap();
        assert_eq!((a.context_id, a.scrub_pii), (None, false));
        let a = alpha1(br#"{"contextId":"c","scrubPii":true}"#).unwrap();
        assert_eq!((a.context_id, a.scrub_pii), (None, false));
    }

    #[test]
    fn strings_for_booleans_are_rejected_but_numeric_strings_for_doubles_are_not() {
        let e = alpha1(br#"{"scrubPII":"true","inputs":[{"content":"x"}]}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        assert!(e.message.starts_with("failed deserializing HTTP body: "));
        assert_eq!(alpha1(br#"{"temperature":"0.5"}"#).unwrap().temperature, Some(0.5));
    }

    #[test]
    fn two_oneof_keys_are_rejected_and_none_is_unset() {
        let e = alpha2(br#"{"inputs":[{"messages":[{"ofUser":{},"ofSystem":{}}]}]}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        let a = alpha2(br#"{"inputs":[{"messages":[{"invalidField":{"content":"x"}}]}]}"#).unwrap();
        assert_eq!(a.inputs[0].messages[0], Message::Unset);
    }

    #[test]
    fn empty_body_is_an_empty_request_and_nulls_are_unset() {
        assert!(alpha2(b"").unwrap().inputs.is_empty());
        let a = alpha2(br#"{"inputs":null,"temperature":null,"toolChoice":null}"#).unwrap();
        assert_eq!((a.inputs.len(), a.temperature, a.tool_choice), (0, None, None));
    }

    #[test]
    fn unknown_any_type_and_bad_duration_are_malformed() {
        assert!(
            alpha2(br#"{"parameters":{"x":{"@type":"type.googleapis.com/a.B","value":1}}}"#)
                .is_err()
        );
        assert!(alpha2(br#"{"promptCacheRetention":"24h"}"#).is_err());
        let a = alpha2(br#"{"promptCacheRetention":"86400s"}"#).unwrap();
        assert_eq!(a.prompt_cache_retention, Some(Duration::from_secs(86400)));
    }

    #[test]
    fn mixing_both_names_of_one_field_is_a_duplicate() {
        assert!(alpha2(br#"{"contextId":"a","context_id":"b"}"#).is_err());
    }
}
