use std::time::Duration;

use parlance_core::{
    AnthropicPart, ChatMessage, ChatRequest, Delta, FailureKind, Opaque, Part, ResponseFormat,
    Role, ToolCall, ToolChoice, ToolDef, ToolResult,
};
use serde_json::{Value, json};

use crate::openai::OpenAiProvider;
use crate::openai::config::{Auth, Flavor, OpenAiConfig, WireApi};
use crate::sse::splits;
use crate::streaming::testing::assemble;

fn cfg() -> OpenAiConfig {
    OpenAiConfig {
        flavor: Flavor::OpenAi,
        model: "gpt-5-mini".into(),
        wire: WireApi::Responses,
        url: "http://127.0.0.1:9/v1/responses".into(),
        url_template: None,
        auth: Auth::Bearer("sk-test-key".into()),
        default_max_tokens: Some(64),
        timeout: Duration::from_secs(1),
    }
}

fn provider() -> OpenAiProvider {
    OpenAiProvider::new(cfg(), crate::client::tests::client())
}

const REASONING: &str = r#"{"encrypted_content":"enc:abc","id":"rs_1","summary":[{"text":"Thinking.","type":"summary_text"}],"type":"reasoning"}"#;

fn msg(role: Role, parts: Vec<Part>) -> ChatMessage {
    ChatMessage { role, parts, scrub: false }
}

#[test]
fn the_request_has_instructions_items_and_passes_reasoning_back_unchanged() {
    let call = ToolCall {
        id: Some("call_1".into()),
        name: "exec".into(),
        arguments: "{\"cmd\":\"ls\"}".into(),
    };
    let result = ToolResult { id: "call_1".into(), name: "exec".into(), content: "a b".into() };
    let req = ChatRequest {
        messages: vec![
            ChatMessage::text(Role::System, "be brief"),
            ChatMessage::text(Role::User, "list"),
            msg(Role::Assistant, vec![Part::Opaque(Opaque::responses(REASONING.into()))]),
            msg(Role::Assistant, vec![Part::ToolCall(call)]),
            msg(Role::Tool, vec![Part::ToolResult(result)]),
            msg(
                Role::Assistant,
                vec![Part::Opaque(Opaque { wire: "other".into(), json: "{}".into() })],
            ),
            ChatMessage::text(Role::Assistant, "done"),
        ],
        tools: vec![ToolDef {
            name: "exec".into(),
            description: Some("run".into()),
            parameters: Default::default(),
        }],
        tool_choice: Some(ToolChoice::Named("exec".into())),
        temperature: Some(0.5),
        response_format: Some(ResponseFormat {
            name: "r".into(),
            description: None,
            strict: true,
            schema: json!({"type": "object"}).as_object().cloned().unwrap_or_default(),
        }),
        ..ChatRequest::default()
    };
    let body: Value = serde_json::from_slice(&provider().request_body(&req).unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "model": "gpt-5-mini",
            "instructions": "be brief",
            "input": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list"}]},
                serde_json::from_str::<Value>(REASONING).unwrap(),
                {"type": "function_call", "call_id": "call_1", "name": "exec", "arguments": "{\"cmd\":\"ls\"}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "a b"},
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]},
            ],
            "tools": [{"type": "function", "name": "exec", "description": "run", "parameters": {}}],
            "tool_choice": {"type": "function", "name": "exec"},
            "text": {"format": {"type": "json_schema", "name": "r", "strict": true, "schema": {"type": "object"}}},
            "max_output_tokens": 64,
            "temperature": 0.5,
            "store": false,
            "include": ["reasoning.encrypted_content"],
        })
    );
    let body: Value =
        serde_json::from_slice(&provider().stream_request_body(&req).unwrap()).unwrap();
    assert_eq!(body["stream"], true);
}

#[test]
fn anthropic_thinking_and_breakpoints_are_left_out() {
    let thinking =
        parlance_core::ThinkingBlock::Thinking { thinking: "hm".into(), signature: "sig".into() };
    let req = ChatRequest {
        messages: vec![
            msg(
                Role::User,
                vec![
                    Part::Text("hi".into()),
                    Part::Anthropic(AnthropicPart::CacheControl(r#"{"type":"ephemeral"}"#.into())),
                ],
            ),
            msg(Role::Assistant, vec![Part::Anthropic(AnthropicPart::Thinking(thinking))]),
            ChatMessage::text(Role::Assistant, "hello"),
        ],
        ..ChatRequest::default()
    };
    let body: Value = serde_json::from_slice(&provider().request_body(&req).unwrap()).unwrap();
    assert_eq!(
        body["input"],
        json!([
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hello"}]},
        ])
    );
}

const PLAIN: &str = r#"{"id":"resp_1","object":"response","status":"completed","model":"gpt-5-mini",
 "output":[
  {"encrypted_content":"enc:abc","id":"rs_1","summary":[{"text":"Thinking.","type":"summary_text"}],"type":"reasoning"},
  {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Let me run it.","annotations":[]}]},
  {"type":"function_call","id":"fc_1","call_id":"call_9","name":"exec","arguments":"{\"cmd\":\"ls -l\"}","status":"completed"}],
 "usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":8},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":27}}"#;

#[test]
fn a_reply_maps_text_calls_reasoning_and_usage() {
    let r = provider().parse_reply(PLAIN.as_bytes()).unwrap();
    let c = &r.choices[0];
    assert_eq!((c.content.as_str(), c.finish_reason.as_str()), ("Let me run it.", "tool_calls"));
    assert_eq!(c.tool_calls[0].id.as_deref(), Some("call_9"));
    assert_eq!(c.tool_calls[0].arguments, "{\"cmd\":\"ls -l\"}");
    assert_eq!(c.opaque, vec![Opaque::responses(REASONING.into())]);
    let u = r.usage.unwrap();
    assert_eq!((u.prompt_tokens, u.completion_tokens, u.total_tokens), (20, 7, 27));
    assert_eq!(u.prompt_details.unwrap().cached_tokens, 8);
    assert_eq!(u.completion_details.unwrap().reasoning_tokens, 3);
    let cut = r#"{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[]}"#;
    let r = provider().parse_reply(cut.as_bytes()).unwrap();
    assert_eq!((r.choices[0].finish_reason.as_str(), r.usage), ("length", None));
    let failed =
        r#"{"status":"failed","error":{"code":"server_error","message":"boom"},"output":[]}"#;
    let e = provider().parse_reply(failed.as_bytes()).unwrap_err();
    assert!(e.retryable && e.message.contains("boom"), "{e:?}");
}

fn ev(v: Value) -> String {
    format!("event: {}\ndata: {v}\n\n", v["type"].as_str().unwrap_or_default())
}

/// The stream OpenAI sends for [`PLAIN`].
fn stream_body() -> String {
    let reasoning: Value = serde_json::from_str(REASONING).unwrap();
    let plain: Value = serde_json::from_str(PLAIN).unwrap();
    [
        ev(json!({"type": "response.created", "sequence_number": 0, "response": {"status": "in_progress", "output": []}})),
        ev(json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}})),
        ev(json!({"type": "response.output_item.done", "output_index": 0, "item": reasoning})),
        ev(json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "message", "id": "msg_1", "content": []}})),
        ev(json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "delta": "Let me "})),
        ev(json!({"type": "response.output_text.delta", "output_index": 1, "content_index": 0, "delta": "run it."})),
        ev(json!({"type": "response.output_text.done", "output_index": 1, "content_index": 0, "text": "Let me run it."})),
        ev(json!({"type": "response.output_item.added", "output_index": 2, "item": {"type": "function_call", "id": "fc_1", "call_id": "call_9", "name": "exec", "arguments": ""}})),
        ev(json!({"type": "response.function_call_arguments.delta", "output_index": 2, "delta": "{\"cmd\":"})),
        ev(json!({"type": "response.function_call_arguments.delta", "output_index": 2, "delta": "\"ls -l\"}"})),
        ev(json!({"type": "response.function_call_arguments.done", "output_index": 2, "arguments": "{\"cmd\":\"ls -l\"}"})),
        ev(json!({"type": "response.output_item.done", "output_index": 2, "item": plain["output"][2]})),
        ev(json!({"type": "response.completed", "response": plain})),
    ]
    .concat()
}

#[test]
fn every_split_of_the_stream_assembles_to_the_plain_reply() {
    let p = provider();
    let want = p.parse_reply(PLAIN.as_bytes()).unwrap();
    let body = stream_body();
    for pieces in splits::all(body.as_bytes()) {
        let deltas = crate::streaming::decode_pieces(
            crate::streaming::Sse::new(super::stream::Events::new("sk-test-key")),
            &pieces,
        )
        .unwrap();
        assert_eq!(assemble(&deltas, "gpt-5-mini"), want, "{pieces:?}");
    }
}

#[test]
fn a_call_without_argument_deltas_gets_them_from_done() {
    let body = [
        ev(json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "function_call", "call_id": "c", "name": "f", "arguments": ""}})),
        ev(json!({"type": "response.function_call_arguments.done", "output_index": 0, "arguments": "{\"a\":1}"})),
        ev(json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{\"a\":1}"}})),
        ev(json!({"type": "response.completed", "response": {"status": "completed", "output": []}})),
    ]
    .concat();
    let deltas = provider().parse_stream(body.as_bytes()).unwrap();
    let r = assemble(&deltas, "m");
    assert_eq!(r.choices[0].tool_calls[0].arguments, "{\"a\":1}");
    assert_eq!(r.choices[0].finish_reason, "tool_calls");
}

#[test]
fn failures_and_cut_streams_are_errors() {
    let failed = ev(
        json!({"type": "response.failed", "response": {"status": "failed", "output": [], "error": {"code": "rate_limit_exceeded", "message": "slow down sk-test-key"}}}),
    );
    let e = provider().parse_stream(failed.as_bytes()).unwrap_err();
    assert!(e.retryable && !e.message.contains("sk-test-key"), "{e:?}");
    let error = ev(json!({"type": "error", "code": "invalid_prompt", "message": "no"}));
    let e = provider().parse_stream(error.as_bytes()).unwrap_err();
    assert!(!e.retryable && e.message.contains("no"), "{e:?}");
    let cut = ev(json!({"type": "response.output_text.delta", "output_index": 0, "delta": "hi"}));
    let e = provider().parse_stream(cut.as_bytes()).unwrap_err();
    assert_eq!((e.kind, e.retryable), (FailureKind::MalformedReply, true));
    let text = provider().parse_stream(b"data: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\ndata: {\"type\":\"response.completed\"}\n\n").unwrap();
    assert_eq!(
        text,
        vec![
            Delta::Text { choice: 0, text: "hi".into() },
            Delta::Finish { choice: 0, reason: "stop".into() }
        ]
    );
}
