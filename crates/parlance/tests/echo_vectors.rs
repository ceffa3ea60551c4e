//! Dapr's own conformance vectors against the echo component, over HTTP (spec §1.7,
//! dapr-behaviour.md §3.1–§3.5): the exact bodies daprd's integration tests expect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ECHO_COMPONENTS, path, resources, simple, start};
use serde_json::json;

async fn echo_sidecar() -> (common::Parlance, tempfile::TempDir) {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    (start(&[path(&dir)]).await, dir)
}

#[tokio::test]
async fn alpha1_vectors() {
    let (p, _d) = echo_sidecar().await;
    let cases = [
        (
            r#"{"inputs":[{"content":"well hello there"}]}"#,
            json!({"outputs":[{"result":"well hello there"}]}),
        ),
        (
            r#"{"inputs":[{"content":"well hello there, my phone number is +2222222222","scrubPII":true}]}"#,
            json!({"outputs":[{"result":"well hello there, my phone number is <PHONE_NUMBER>"}]}),
        ),
        (
            r#"{"inputs":[{"content":"well hello there, my phone number is +4422222222","scrubPII":true}]}"#,
            json!({"outputs":[{"result":"well hello there, my phone number is <PHONE_NUMBER>"}]}),
        ),
        (
            r#"{"inputs":[{"content":"well hello there, my email is test@test.com","scrubPII":true}]}"#,
            json!({"outputs":[{"result":"well hello there, my email is <EMAIL_ADDRESS>"}]}),
        ),
        (
            r#"{"inputs":[{"content":"well hello there from 10.8.9.1","scrubPII":true}]}"#,
            json!({"outputs":[{"result":"well hello there from <IP>"}]}),
        ),
        (
            r#"{"inputs":[{"content":"well hello there from 10.8.9.1"},{"content":"well hello there, my email is test@test.com"}],"scrubPII":true}"#,
            json!({"outputs":[{"result":"well hello there from <IP>\nwell hello there, my email is <EMAIL_ADDRESS>"}]}),
        ),
        (
            r#"{"inputs":[{"content":"well hello there","scrubPII":true}],"scrubPII":true}"#,
            json!({"outputs":[{"result":"well hello there"}]}),
        ),
        (
            r#"{"inputs":[{"content":"one","role":"user"},{"content":"two","role":"user"}]}"#,
            json!({"outputs":[{"result":"one\ntwo"}]}),
        ),
        (
            r#"{"inputs":[{"content":"warm"}],"temperature":0.7}"#,
            json!({"outputs":[{"result":"warm"}]}),
        ),
    ];
    for (body, want) in cases {
        let (status, got) = p.alpha1("echo", body).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(got, want, "{body}");
    }
    let (status, _) = p.alpha1("echo", r#"{"metadata": {"model": "daprGPT"} }"#).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn alpha1_context_and_parameters_are_echoed() {
    let (p, _d) = echo_sidecar().await;
    let body = r#"{"contextID":"ctx-1","inputs":[{"content":"hi"}],"parameters":{"max":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"100"}}}"#;
    let (status, got) = p.alpha1("echo", body).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        json!({"contextID":"ctx-1","outputs":[{"result":"hi","parameters":{"max":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"100"}}}]})
    );
}

#[tokio::test]
async fn alpha2_all_fields() {
    let (p, _d) = echo_sidecar().await;
    let body = json!({
        "name": "ignored",
        "contextId": "test-conversation-123",
        "scrubPii": true,
        "temperature": 0.7,
        "toolChoice": "auto",
        "promptCacheRetention": "86400s",
        "inputs": [
            {"messages": [{"ofUser": {"name": "test-user", "content": [{"text": "well hello there"}]}}], "scrubPII": false},
            {"messages": [{"ofSystem": {"name": "test-system", "content": [{"text": "You are a helpful assistant"}]}}], "scrubPII": true}
        ],
        "parameters": {
            "max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "100"},
            "model": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "test-model"}
        },
        "metadata": {"api_key": "test-key", "version": "1.0"},
        "responseFormat": {"type": "object", "properties": {"result": {"type": "string"}}, "required": ["result"]},
        "tools": [{"function": {"name": "test_function", "description": "A test function",
            "parameters": {"type": "object", "properties": {"param1": {"type": "string", "description": "A test parameter"}}, "required": ["param1"]}}}]
    });
    let (status, got) = p.alpha2("test-alpha2-echo", &body.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        json!({"contextId":"test-conversation-123","outputs":[{"choices":[{"finishReason":"tool_calls",
            "message":{"content":"well hello there\nYou are a helpful assistant",
            "toolCalls":[{"function":{"arguments":"param1","name":"test_function"},"id":"0"}]}}],
            "usage":{"completionTokens":"8","promptTokens":"8","totalTokens":"16"}}]})
    );
}

#[tokio::test]
async fn alpha2_message_types() {
    let (p, _d) = echo_sidecar().await;
    let cases = common::alpha2_message_type_vectors();
    for (message, want) in cases {
        let body = json!({"inputs": [{"messages": [message]}]}).to_string();
        let (status, got) = p.alpha2("test-alpha2-echo", &body).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(got, want, "{body}");
    }
    let multi = json!({"inputs": [{"messages": [
        {"ofUser": {"content": [{"text": "first user message"}]}},
        {"ofAssistant": {"content": [{"text": "first assistant response"}]}},
        {"ofUser": {"content": [{"text": "second user message"}]}},
        {"ofSystem": {"content": [{"text": "system instruction"}]}}
    ]}]});
    let (_, got) = p.alpha2("test-alpha2-echo", &multi.to_string()).await;
    assert_eq!(
        got,
        simple(
            "stop",
            "first user message\nfirst assistant response\nsecond user message\nsystem instruction",
            11
        )
    );
}

#[tokio::test]
async fn alpha2_tool_call_round_trip_and_malformed_tool_call() {
    let (p, _d) = echo_sidecar().await;
    let good = r#"{"inputs":[{"messages":[{"ofAssistant":{"name":"assistant name","content":[{"text":"assistant message"}],"toolCalls":[{"id":"id 123","function":{"name":"test_function","arguments":"{\"test\": \"value\"}"}}]}}]}]}"#;
    let (status, got) = p.alpha2("test-alpha2-echo", good).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        json!({"outputs":[{"choices":[{"finishReason":"tool_calls","message":{"content":"assistant message","toolCalls":[{"id":"id 123","function":{"name":"test_function","arguments":"{\"test\": \"value\"}"}}]}}],"usage":{"completionTokens":"2","promptTokens":"2","totalTokens":"4"}}]})
    );
    let bad = r#"{"inputs":[{"messages":[{"ofAssistant":{"name":"assistant name","content":[{"text":"assistant message"}],"toolCalls":[{"id":"call_123"}]}}]}]}"#;
    let (status, got) = p.alpha2("test-alpha2-echo", bad).await;
    assert_eq!(status, 400);
    assert!(got["message"].as_str().unwrap().contains("tool types cannot be nil"), "{got}");
    let invalid = r#"{"inputs":[{"messages":[{"invalidField":{"content":"invalid"}}]}]}"#;
    let (status, got) = p.alpha2("test-alpha2-echo", invalid).await;
    assert_eq!(status, 400);
    assert_eq!(got["errorCode"], "ERR_CONVERSATION_INVALID_PARMS");
}

#[tokio::test]
async fn alpha2_pii_vectors() {
    let (p, _d) = echo_sidecar().await;
    let one = |text: &str| {
        json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}], "scrubPii": true}]}).to_string()
    };
    let expect = |content: &str, n: u64| {
        json!({"outputs":[{"choices":[{"finishReason":"stop","message":{"content":content}}],
            "usage":{"completionTokens":n.to_string(),"promptTokens":n.to_string(),"totalTokens":(2*n).to_string()}}]})
    };
    let cases = [
        (
            "well hello there, my phone number is +2222222222",
            "well hello there, my phone number is <PHONE_NUMBER>",
            8,
        ),
        (
            "well hello there, my phone number is +4422222222",
            "well hello there, my phone number is <PHONE_NUMBER>",
            8,
        ),
        (
            "well hello there, my email is test@test.com",
            "well hello there, my email is <EMAIL_ADDRESS>",
            7,
        ),
        ("well hello there from 10.8.9.1", "well hello there from <IP>", 5),
    ];
    for (input, output, n) in cases {
        let (status, got) = p.alpha2("echo", &one(input)).await;
        assert_eq!(status, 200);
        assert_eq!(got, expect(output, n), "{input}");
    }
    let outputs = json!({"scrubPii": true, "inputs": [
        {"messages": [{"ofUser": {"content": [{"text": "well hello there from 10.8.9.1"}]}}]},
        {"messages": [{"ofUser": {"content": [{"text": "well hello there, my email is test@test.com"}]}}]}
    ]});
    let (_, got) = p.alpha2("echo", &outputs.to_string()).await;
    assert_eq!(
        got,
        expect("well hello there from <IP>\nwell hello there, my email is <EMAIL_ADDRESS>", 12)
    );
    let good = json!({"scrubPii": true, "inputs": [{"messages": [{"ofUser": {"content": [{"text": "well hello there"}]}}], "scrubPii": true}]});
    let (_, got) = p.alpha2("echo", &good.to_string()).await;
    assert_eq!(got, expect("well hello there", 3));
}

#[tokio::test]
async fn python_sdk_style_vectors() {
    let (p, _d) = echo_sidecar().await;
    let body = json!({"inputs": [{"messages": [
        {"ofSystem": {"content": [{"text": "be brief"}]}},
        {"ofUser": {"content": [{"text": "hi"}]}},
        {"ofAssistant": {"content": [{"text": "hello"}]}}
    ]}]});
    let (_, got) = p.alpha2("echo", &body.to_string()).await;
    assert_eq!(got["outputs"][0]["choices"][0]["message"]["content"], "be brief\nhi\nhello");
    assert_eq!(got["outputs"][0]["choices"][0]["finishReason"], "stop");
}

#[tokio::test]
async fn input_with_no_messages_gives_an_empty_message() {
    let (p, _d) = echo_sidecar().await;
    let (status, got) = p.alpha2("echo", r#"{"inputs":[{}]}"#).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        json!({"outputs":[{"choices":[{"finishReason":"stop","message":{}}],"usage":{}}]})
    );
}
