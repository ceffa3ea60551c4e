//! The OpenAI body decodes to what the alpha2 door decodes for the same question — compared
//! after `validate::to_chat`, the request every later stage (and the cache key) sees.

use super::*;
use crate::http::decode::alpha2;
use axum::http::StatusCode;
use parlance_core::ChatRequest;
use parlance_pipeline::validate::to_chat;
use serde_json::json;

fn chat_of(mut req: ConverseRequest) -> ChatRequest {
    to_chat("c", &mut req).unwrap()
}

fn openai(v: Value) -> Decoded {
    request(v.to_string().as_bytes(), None).unwrap()
}

fn err(v: Value) -> OpenAiError {
    request(v.to_string().as_bytes(), None).unwrap_err()
}

#[test]
fn a_whole_question_decodes_as_the_alpha2_door_decodes_it() {
    let weather = json!({"type": "object", "properties": {"city": {"type": "string"}}});
    let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
    let o = openai(json!({
        "model": "llm",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "developer", "content": [{"type": "text", "text": "dev"}]},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
        ],
        "tools": [{"type": "function", "function": {"name": "weather", "description": "w", "parameters": weather}}],
        "tool_choice": {"type": "function", "function": {"name": "weather"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": schema, "strict": true}},
        "temperature": 0.3, "top_p": 0.9, "max_completion_tokens": 50, "stop": ["END", "STOP"],
        "seed": 7, "frequency_penalty": 0.1, "presence_penalty": 0.2, "n": 1, "reasoning_effort": "low",
        "user": "ignored", "logit_bias": {"1": 2}
    }));
    let mut alpha2_schema = schema.as_object().unwrap().clone();
    alpha2_schema.insert("name".into(), json!("out"));
    alpha2_schema.insert("strict".into(), json!(true));
    let a = alpha2(json!({
        "inputs": [{"messages": [
            {"ofSystem": {"content": [{"text": "be brief"}]}},
            {"ofDeveloper": {"content": [{"text": "dev"}]}},
            {"ofUser": {"content": [{"text": "a"}, {"text": "b"}]}},
            {"ofAssistant": {"toolCalls": [{"id": "call_1", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]}},
            {"ofTool": {"toolId": "call_1", "name": "weather", "content": [{"text": "sunny"}]}}
        ]}],
        "tools": [{"function": {"name": "weather", "description": "w", "parameters": weather}}],
        "toolChoice": "weather",
        "responseFormat": alpha2_schema,
        "temperature": 0.3,
        "parameters": {
            "max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "50"},
            "top_p": {"@type": "type.googleapis.com/google.protobuf.DoubleValue", "value": 0.9},
            "stop": {"@type": "type.googleapis.com/google.protobuf.ListValue", "value": ["END", "STOP"]},
            "seed": {"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": 7},
            "frequency_penalty": {"@type": "type.googleapis.com/google.protobuf.DoubleValue", "value": 0.1},
            "presence_penalty": {"@type": "type.googleapis.com/google.protobuf.DoubleValue", "value": 0.2},
            "reasoning_effort": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "low"}
        }
    })
    .to_string()
    .as_bytes())
    .unwrap();
    assert_eq!((o.component.as_str(), o.stream), ("llm", None));
    assert_eq!(chat_of(o.request), chat_of(a));
}

#[test]
fn component_and_model_split_on_the_first_slash() {
    let o = openai(json!({"model": "hf/meta-llama/Llama-3-8B", "messages": []}));
    assert_eq!(o.component, "hf");
    assert_eq!(o.model, "hf/meta-llama/Llama-3-8B");
    assert_eq!(
        o.request.metadata.get(MODEL_KEY).map(String::as_str),
        Some("meta-llama/Llama-3-8B")
    );
    let o = openai(json!({"model": "echo", "messages": []}));
    assert!(o.request.metadata.is_empty());
    assert_eq!(err(json!({"model": "/x", "messages": []})).param.as_deref(), Some("model"));
    assert_eq!(err(json!({"model": "x/", "messages": []})).param.as_deref(), Some("model"));
}

#[test]
fn the_scrub_header_sets_the_request_flags() {
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).to_string();
    let flags = |h| {
        let r = request(body.as_bytes(), h).unwrap().request;
        (r.inputs[0].scrub_pii, r.scrub_pii)
    };
    assert_eq!(flags(None), (false, false));
    assert_eq!(flags(Some("inputs")), (true, false));
    assert_eq!(flags(Some("Outputs")), (false, true));
    assert_eq!(flags(Some("both")), (true, true));
    assert!(request(body.as_bytes(), Some("all")).is_err());
}

#[test]
fn stream_and_usage_options() {
    let o = openai(json!({"model": "m", "messages": [], "stream": true}));
    assert_eq!(o.stream, Some(false));
    let o = openai(
        json!({"model": "m", "messages": [], "stream": true, "stream_options": {"include_usage": true}}),
    );
    assert_eq!(o.stream, Some(true));
    let o = openai(json!({"model": "m", "messages": [], "stream": false, "stream_options": null}));
    assert_eq!(o.stream, None);
}

#[test]
fn json_object_is_an_object_schema_and_text_is_none() {
    let o =
        openai(json!({"model": "m", "messages": [], "response_format": {"type": "json_object"}}));
    assert_eq!(
        o.request.response_format,
        Some(json!({"type": "object"}).as_object().unwrap().clone())
    );
    let o = openai(json!({"model": "m", "messages": [], "response_format": {"type": "text"}}));
    assert_eq!(o.request.response_format, None);
}

#[test]
fn invalid_requests_are_400_with_the_parameter() {
    let cases = [
        (json!({"messages": []}), Some("model")),
        (json!({"model": "m"}), Some("messages")),
        (json!({"model": "m", "messages": [], "n": 2}), Some("n")),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}),
            Some("messages[0].content"),
        ),
        (
            json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}),
            Some("messages[0].role"),
        ),
        (
            json!({"model": "m", "messages": [{"role": "tool", "content": "x"}]}),
            Some("messages[0].tool_call_id"),
        ),
        (json!({"model": "m", "messages": [], "stop": 3}), Some("stop")),
        (
            json!({"model": "m", "messages": [], "tools": [{"type": "code_interpreter"}]}),
            Some("tools"),
        ),
        (json!({"model": "m", "messages": [], "temperature": "hot"}), None),
    ];
    for (body, param) in cases {
        let e = err(body.clone());
        assert_eq!(
            (e.status, e.kind),
            (StatusCode::BAD_REQUEST, "invalid_request_error"),
            "{body}"
        );
        assert_eq!(e.param.as_deref(), param, "{body}");
    }
    let e = request(b"not json", None).unwrap_err();
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
}

#[test]
fn a_tool_message_names_its_call_from_the_history_or_itself() {
    let o = openai(json!({"model": "m", "messages": [
        {"role": "tool", "tool_call_id": "x", "name": "own", "content": "r"},
        {"role": "tool", "tool_call_id": "y", "content": "r"}
    ]}));
    let names: Vec<_> = o.request.inputs[0]
        .messages
        .iter()
        .map(|m| match m {
            Message::Tool { name, .. } => name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["own", ""]);
}
