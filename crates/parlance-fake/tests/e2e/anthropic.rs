//! Anthropic Messages end to end.

use serde_json::{Value, json};

use crate::common::*;

fn msg(text: &str) -> Value {
    json!({"model": "claude-sonnet-4-20250514", "max_tokens": 256, "system": "be brief",
        "messages": [{"role": "user", "content": text}]})
}

#[tokio::test]
async fn happy_path() {
    let fake = fake().await;
    let r = anthropic(&fake, &msg("hello there")).await;
    assert_eq!(r.status, 200);
    let j = &r.json;
    assert!(j["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!((j["type"].as_str(), j["role"].as_str()), (Some("message"), Some("assistant")));
    assert_eq!(j["model"], "claude-sonnet-4-20250514");
    assert_eq!(j["content"], json!([{"type": "text", "text": "echo: hello there"}]));
    assert_eq!(j["stop_reason"], "end_turn");
    assert_eq!(j["stop_sequence"], Value::Null);
    let u = &j["usage"];
    assert_eq!((u["input_tokens"].as_u64(), u["output_tokens"].as_u64()), (Some(4), Some(3)));
    assert_eq!(
        (u["cache_creation_input_tokens"].as_u64(), u["cache_read_input_tokens"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(r.header("request-id").unwrap().starts_with("req_"));
    let r = post(&format!("{}/messages", fake.url()), &anthropic_headers("k"), &msg("x")).await;
    assert_eq!(r.status, 200, "bare /messages works too");
}

#[tokio::test]
async fn header_errors() {
    let fake = fake_with_key("sk-ant-right").await;
    let url = format!("{}/v1/messages", fake.url());
    let r = post(&url, &[("anthropic-version", "2023-06-01")], &msg("x")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json["type"], "error");
    assert_eq!(
        r.json["error"],
        json!({"type": "authentication_error", "message": "x-api-key header is required"})
    );
    assert!(r.json["request_id"].as_str().unwrap().starts_with("req_"));
    let r = post(&url, &anthropic_headers("sk-ant-wrong"), &msg("x")).await;
    assert_eq!((r.status, r.json["error"]["message"].as_str()), (401, Some("invalid x-api-key")));
    let r = post(&url, &[("x-api-key", "sk-ant-right")], &msg("x")).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"],
        json!({"type": "invalid_request_error", "message": "anthropic-version: header is required"})
    );
    assert_eq!(post(&url, &anthropic_headers("sk-ant-right"), &msg("x")).await.status, 200);
}

#[tokio::test]
async fn validation_errors_have_the_anthropic_shape() {
    let fake = fake().await;
    let cases = [
        (
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}),
            "max_tokens: Field required",
        ),
        (
            json!({"model": "m", "max_tokens": 5, "messages": []}),
            "messages: at least one message is required",
        ),
        (
            json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}),
            "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"user\" roles in a row",
        ),
        (
            json!({"model": "m", "max_tokens": 5, "messages": [{"role": "assistant", "content": "a"}]}),
            "messages: first message must use the \"user\" role",
        ),
        (
            json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "a"}],
            "tools": [{"name": "t", "input_schema": {"type": "object"}}], "tool_choice": "any"}),
            "tool_choice: Input should be a valid dictionary or object to extract fields from",
        ),
    ];
    for (body, message) in cases {
        let r = anthropic(&fake, &body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json["type"], "error");
        assert_eq!(r.json["error"]["type"], "invalid_request_error");
        assert_eq!(r.json["error"]["message"], message);
    }
}

#[tokio::test]
async fn tool_use_reply_and_round_trip() {
    let fake = fake().await;
    let mut body = msg("what does get_weather say about Oslo?");
    body["tools"] = json!([{"name": "get_weather", "description": "w", "input_schema": {"type": "object",
        "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location", "unit"]}}]);
    let r = anthropic(&fake, &body).await;
    assert_eq!(r.json["stop_reason"], "tool_use");
    let block = &r.json["content"][0];
    assert_eq!(block["type"], "tool_use");
    assert!(block["id"].as_str().unwrap().starts_with("toolu_"));
    assert_eq!(block["name"], "get_weather");
    assert_eq!(block["input"], json!({"location": "sample", "unit": "celsius"}));

    let msgs = body["messages"].as_array_mut().unwrap();
    msgs.push(json!({"role": "assistant", "content": r.json["content"]}));
    msgs.push(json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": block["id"], "content": "cold"}]}));
    let r = anthropic(&fake, &body).await;
    assert_eq!(r.json["content"][0]["text"], "echo: cold");
    assert_eq!(r.json["stop_reason"], "end_turn");
}

#[tokio::test]
async fn forced_tool_choice_and_max_tokens() {
    let fake = fake().await;
    let mut body = msg("hi");
    body["tools"] = json!([{"name": "noop", "input_schema": {"type": "object", "properties": {}}}]);
    body["tool_choice"] = json!({"type": "any"});
    let r = anthropic(&fake, &body).await;
    assert_eq!(
        (r.json["content"][0]["name"].as_str(), r.json["content"][0]["input"].clone()),
        (Some("noop"), json!({}))
    );
    let mut body = msg("a b c d e f");
    body["max_tokens"] = json!(2);
    let r = anthropic(&fake, &body).await;
    assert_eq!(r.json["stop_reason"], "max_tokens");
    assert_eq!(r.json["content"][0]["text"], "echo: a");
    let mut body = msg("say STOP now");
    body["stop_sequences"] = json!(["STOP"]);
    let r = anthropic(&fake, &body).await;
    assert_eq!(
        (r.json["stop_reason"].as_str(), r.json["stop_sequence"].as_str()),
        (Some("stop_sequence"), Some("STOP"))
    );
    assert_eq!(r.json["content"][0]["text"], "echo: say ");
}

#[tokio::test]
async fn cache_control_creates_then_reads() {
    let fake = fake().await;
    let body = json!({"model": "claude-sonnet-4-20250514", "max_tokens": 100,
        "system": [{"type": "text", "text": "a long shared system prompt of words", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "question one"}]});
    let first = anthropic(&fake, &body).await;
    let u = &first.json["usage"];
    assert_eq!(
        (
            u["cache_creation_input_tokens"].as_u64(),
            u["cache_read_input_tokens"].as_u64(),
            u["input_tokens"].as_u64()
        ),
        (Some(7), Some(0), Some(2))
    );
    let mut second = body.clone();
    second["messages"][0]["content"] = json!("question two here");
    let r = anthropic(&fake, &second).await;
    let u = &r.json["usage"];
    assert_eq!(
        (
            u["cache_creation_input_tokens"].as_u64(),
            u["cache_read_input_tokens"].as_u64(),
            u["input_tokens"].as_u64()
        ),
        (Some(0), Some(7), Some(3))
    );
}
