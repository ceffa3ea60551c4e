//! Criterion benches of each wire protocol's pure mapping: the domain request to the upstream
//! request body, and an upstream reply body to the domain reply (no network). One request for
//! all three (system + user message, one tool), and each protocol's own realistic reply; then
//! each protocol's streamed form of that reply (a delta per word, 12 words, usage), decoded
//! to deltas.
//!
//! `cargo bench -p parlance-providers --bench mapping`
#![allow(missing_docs, clippy::expect_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use parlance_config::Metadata;
use parlance_core::{ChatMessage, ChatRequest, Role, ToolDef};
use parlance_providers::anthropic::AnthropicProvider;
use parlance_providers::bedrock::BedrockProvider;
use parlance_providers::openai::{Flavor, OpenAiProvider};

fn request() -> ChatRequest {
    let parameters = serde_json::json!({
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"]
    });
    ChatRequest {
        messages: vec![
            ChatMessage::text(Role::System, "You are a terse assistant. Answer in one sentence."),
            ChatMessage::text(Role::User, "What is the weather like in Paris today?"),
        ],
        tools: vec![ToolDef {
            name: "get_weather".into(),
            description: Some("Current weather for a city".into()),
            parameters: parameters.as_object().cloned().unwrap_or_default(),
        }],
        temperature: Some(0.2),
        ..ChatRequest::default()
    }
}

const OPENAI_REPLY: &str = r#"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"It is sunny in Paris today, around 18 °C.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":61,"completion_tokens":12,"total_tokens":73,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_06737a9306"}"#;

const ANTHROPIC_REPLY: &str = r#"{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"It is sunny in Paris today, around 18 °C."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":61,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":12,"service_tier":"standard"}}"#;

const BEDROCK_REPLY: &str = r#"{"output":{"message":{"role":"assistant","content":[{"text":"It is sunny in Paris today, around 18 °C."}]}},"stopReason":"end_turn","usage":{"inputTokens":61,"outputTokens":12,"totalTokens":73,"cacheReadInputTokens":0,"cacheWriteInputTokens":0},"metrics":{"latencyMs":412}}"#;

/// The words of the reply every stream carries.
const WORDS: [&str; 12] = [
    "It ", "is ", "sunny ", "in ", "Paris ", "today, ", "around ", "18 ", "°C ", "and ", "calm",
    ".",
];

fn openai_stream() -> Vec<u8> {
    let mut out = String::new();
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "object": "chat.completion.chunk", "created": 1741569952, "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_06737a9306", "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}], "usage": null})
        )
    };
    out.push_str(&chunk(
        serde_json::json!({"role": "assistant", "content": ""}),
        serde_json::Value::Null,
    ));
    for w in WORDS {
        out.push_str(&chunk(serde_json::json!({"content": w}), serde_json::Value::Null));
    }
    out.push_str(&chunk(serde_json::json!({}), serde_json::json!("stop")));
    out.push_str("data: {\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":61,\"completion_tokens\":12,\"total_tokens\":73,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\ndata: [DONE]\n\n");
    out.into_bytes()
}

fn anthropic_stream() -> Vec<u8> {
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let mut out = event(
        "message_start",
        serde_json::json!({"type": "message_start", "message": {"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514", "content": [], "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 61, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}}}),
    );
    out.push_str(&event("content_block_start", serde_json::json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
    out.push_str(&event("ping", serde_json::json!({"type": "ping"})));
    for w in WORDS {
        out.push_str(&event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}})));
    }
    out.push_str(&event(
        "content_block_stop",
        serde_json::json!({"type": "content_block_stop", "index": 0}),
    ));
    out.push_str(&event("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 12}})));
    out.push_str(&event("message_stop", serde_json::json!({"type": "message_stop"})));
    out.into_bytes()
}

fn bedrock_stream() -> Vec<u8> {
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    let frame = |name: &'static str, payload: serde_json::Value| {
        let m = Message::new(bytes::Bytes::from(payload.to_string()))
            .add_header(Header::new(":event-type", HeaderValue::String(name.into())))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ))
            .add_header(Header::new(":message-type", HeaderValue::String("event".into())));
        let mut out = Vec::new();
        aws_smithy_eventstream::frame::write_message_to(&m, &mut out).expect("frame");
        out
    };
    let mut out = frame("messageStart", serde_json::json!({"role": "assistant", "p": "abcdefgh"}));
    for w in WORDS {
        out.extend(frame(
            "contentBlockDelta",
            serde_json::json!({"contentBlockIndex": 0, "delta": {"text": w}, "p": "abcdefghijkl"}),
        ));
    }
    out.extend(frame("contentBlockStop", serde_json::json!({"contentBlockIndex": 0, "p": "abcd"})));
    out.extend(frame(
        "messageStop",
        serde_json::json!({"stopReason": "end_turn", "p": "abcdefghij"}),
    ));
    out.extend(frame("metadata", serde_json::json!({"usage": {"inputTokens": 61, "outputTokens": 12, "totalTokens": 73}, "metrics": {"latencyMs": 412}, "p": "abc"})));
    out
}

fn meta(pairs: &[(&str, &str)]) -> Metadata {
    Metadata::from_pairs(pairs)
}

fn benches(c: &mut Criterion) {
    let no_env = |_: &str| None;
    let client = parlance_providers::http_client().expect("HTTP client");
    let req = request();

    let cfg = parlance_providers::openai::config::validate(
        Flavor::OpenAi,
        &meta(&[("key", "sk-bench"), ("model", "gpt-4o-mini")]),
        &no_env,
    )
    .expect("openai config");
    let openai = OpenAiProvider::new(cfg, client.clone());
    c.bench_function("openai: request body", |b| {
        b.iter(|| openai.request_body(black_box(&req)).expect("body"))
    });
    c.bench_function("openai: parse reply", |b| {
        b.iter(|| openai.parse_reply(black_box(OPENAI_REPLY.as_bytes())).expect("reply"))
    });
    let body = openai_stream();
    c.bench_function("openai: parse stream (14 chunks)", |b| {
        b.iter(|| openai.parse_stream(black_box(&body)).expect("stream"))
    });

    let cfg = parlance_providers::anthropic::config::validate(
        &meta(&[("key", "sk-ant-bench"), ("model", "claude-sonnet-4-20250514")]),
        &no_env,
    )
    .expect("anthropic config");
    let anthropic = AnthropicProvider::new(cfg, client.clone());
    c.bench_function("anthropic: request body", |b| {
        b.iter(|| anthropic.request_body(black_box(&req)).expect("body"))
    });
    c.bench_function("anthropic: parse reply", |b| {
        b.iter(|| {
            anthropic.parse_reply(&req, black_box(ANTHROPIC_REPLY.as_bytes())).expect("reply")
        })
    });
    let body = anthropic_stream();
    c.bench_function("anthropic: parse stream (18 events)", |b| {
        b.iter(|| anthropic.parse_stream(&req, black_box(&body)).expect("stream"))
    });

    let cfg = parlance_providers::bedrock::config::validate(
        &meta(&[
            ("region", "us-east-1"),
            ("accessKey", "AKIDEXAMPLE"),
            ("secretKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        ]),
        &no_env,
    )
    .expect("bedrock config");
    let bedrock = BedrockProvider::new(cfg, client);
    c.bench_function("bedrock: request body", |b| {
        b.iter(|| bedrock.request_body(black_box(&req)).expect("body"))
    });
    c.bench_function("bedrock: parse reply", |b| {
        b.iter(|| bedrock.parse_reply(&req, black_box(BEDROCK_REPLY.as_bytes())).expect("reply"))
    });
    let body = bedrock_stream();
    c.bench_function("bedrock: parse stream (16 frames)", |b| {
        b.iter(|| bedrock.parse_stream(&req, black_box(&body)).expect("stream"))
    });
}

criterion_group!(mapping, benches);
criterion_main!(mapping);
