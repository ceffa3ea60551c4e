//! Issue 21 items 3 and 5, end to end: the Anthropic door in front of an Anthropic component
//! is faithful — thinking blocks and their signatures round-trip (plain and streamed:
//! `thinking_delta`, `signature_delta`), `cache_control`, the `thinking` option and the
//! `anthropic-beta` header reach the upstream unchanged — while an OpenAI component gets
//! them left out (the request still succeeds) and counted; `count_tokens` is the upstream's
//! for an Anthropic component and an estimate for echo. The fake issues the signatures and
//! refuses a thinking block whose signature it did not issue, as Anthropic does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ECHO_COMPONENTS, Parlance, assemble, events, path, resources, second, start};
use parlance_fake::{FakeOptions, FakeUpstream, RecordedRequest};
use serde_json::{Value, json};

const BETAS: &str = "interleaved-thinking-2025-05-14, fine-grained-tool-streaming-2025-05-14";

/// The first turn's last breakpoint asks for a five-minute lifetime.
const TTL: Option<&str> = Some("5m");

async fn setup(fake: &FakeUpstream) -> (Parlance, tempfile::TempDir) {
    let files = [
        ("echo.yaml", ECHO_COMPONENTS.to_string()),
        ("claude.yaml", common::anthropic("claude", fake, &[])),
        ("gpt.yaml", common::openai("gpt", fake, &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    (start(&[path(&dir)]).await, dir)
}

async fn post(p: &Parlance, route: &str, body: &Value) -> (u16, String) {
    common::post_beta(p, route, BETAS, body).await
}

/// A first turn with everything only Anthropic takes.
fn first(model: &str) -> Value {
    common::thinking_turn(model, TTL)
}

async fn ok(p: &Parlance, body: &Value) -> Value {
    let (status, text) = post(p, "/v1/messages", body).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn last_messages_call(fake: &FakeUpstream) -> RecordedRequest {
    let calls = fake.requests();
    calls.into_iter().rev().find(|r| r.path.ends_with("/messages")).unwrap()
}

#[tokio::test]
async fn thinking_and_its_signature_round_trip_through_an_anthropic_component() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let body = first("claude");
    let reply = ok(&p, &body).await;
    let content = reply["content"].clone();
    assert_eq!(content[0]["type"], "thinking", "{reply}");
    assert!(content[0]["signature"].as_str().unwrap().starts_with("fakesig_"), "{reply}");
    assert_eq!(content[1]["type"], "text", "{reply}");
    // What reached the upstream: the option, the betas, every breakpoint, unchanged.
    let sent = last_messages_call(&fake);
    let json = sent.json.clone().unwrap();
    assert_eq!(json["thinking"], body["thinking"]);
    let betas = "interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14";
    assert_eq!(sent.header("anthropic-beta"), Some(betas));
    assert_eq!(json["system"][0]["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(json["tools"][0]["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(
        json["messages"][0]["content"][0]["cache_control"],
        json!({"type": "ephemeral", "ttl": "5m"})
    );
    // The block comes back: the upstream gets it exactly as it issued it, and accepts it.
    let next = second(&body, &content);
    let reply2 = ok(&p, &next).await;
    assert_eq!(reply2["content"][0]["type"], "thinking");
    let sent = last_messages_call(&fake).json.unwrap();
    assert_eq!(sent["messages"][1]["content"], content, "{sent}");
    // A tampered thinking text: the upstream refuses it, and so does the door.
    let mut tampered = content.clone();
    tampered[0]["thinking"] = json!("I changed my mind");
    let (status, text) = post(&p, "/v1/messages", &second(&body, &tampered)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid_request_error"), "{text}");
}

#[tokio::test]
async fn streamed_thinking_arrives_as_thinking_and_signature_deltas() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let mut body = first("claude");
    body["stream"] = json!(true);
    let (status, text) = post(&p, "/v1/messages", &body).await;
    assert_eq!(status, 200, "{text}");
    let ev = events(&text);
    let kinds: Vec<&str> = ev.iter().filter_map(|(_, d)| d["delta"]["type"].as_str()).collect();
    assert!(kinds.contains(&"thinking_delta") && kinds.contains(&"signature_delta"), "{text}");
    assert_eq!(
        ev[2].1["content_block"],
        json!({"type": "thinking", "thinking": "", "signature": ""})
    );
    let content = Value::Array(assemble(&ev));
    assert_eq!(content[0]["type"], "thinking", "{content}");
    // The plain reply to the same question carries the same block.
    body["stream"] = json!(false);
    let plain = ok(&p, &body).await;
    assert_eq!(plain["content"][0], content[0]);
    // Sent back (streamed again), the upstream accepts the signature it issued.
    let mut next = second(&body, &content);
    next["stream"] = json!(true);
    let (status, text) = post(&p, "/v1/messages", &next).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("signature_delta"), "{text}");
    let sent = last_messages_call(&fake).json.unwrap();
    assert_eq!(sent["messages"][1]["content"], content);
}

#[tokio::test]
async fn thinking_is_left_out_towards_an_openai_component_and_counted() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let content = json!([
        {"type": "thinking", "thinking": "hm", "signature": "not-for-openai"},
        {"type": "redacted_thinking", "data": "xyz"},
        {"type": "text", "text": "four"}
    ]);
    let body = second(&first("gpt"), &content);
    let reply = ok(&p, &body).await;
    assert_eq!(reply["content"][0]["type"], "text", "{reply}");
    let sent = fake.requests().last().cloned().unwrap();
    assert!(sent.path.ends_with("/chat/completions"), "{}", sent.path);
    let raw = String::from_utf8_lossy(&sent.body).to_string();
    for gone in ["thinking", "signature", "redacted", "cache_control", "ephemeral"] {
        assert!(!raw.contains(gone), "{gone} reached OpenAI: {raw}");
    }
    assert!(sent.header("anthropic-beta").is_none());
    let messages = sent.json.unwrap()["messages"].clone();
    let roles: Vec<&str> =
        messages.as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"], "{messages}");
    let addr = p.running.metrics_addr.unwrap();
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    for field in ["thinking", "cache_control", "anthropic-beta"] {
        let want = format!(r#"parlance_dropped_fields_total{{api="anthropic",field="{field}"}} 1"#);
        assert!(text.contains(&want), "missing {want}\n{text}");
    }
}

#[tokio::test]
async fn count_tokens_is_the_upstreams_for_anthropic_and_an_estimate_for_echo() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let mut body = first("claude");
    body.as_object_mut().unwrap().remove("max_tokens");
    let (status, text) = post(&p, "/v1/messages/count_tokens", &body).await;
    assert_eq!(status, 200, "{text}");
    let upstream: Value = serde_json::from_str(&text).unwrap();
    let calls = fake.requests();
    assert_eq!(calls.len(), 1);
    let sent = &calls[0];
    assert_eq!(sent.path, "/v1/messages/count_tokens");
    assert!(sent.header("anthropic-beta").unwrap().starts_with("interleaved-thinking"));
    let json = sent.json.clone().unwrap();
    assert_eq!(json["thinking"], body["thinking"]);
    assert!(json.get("max_tokens").is_none() && json.get("stream").is_none(), "{json}");
    assert_eq!(json["system"][0]["cache_control"], json!({"type": "ephemeral"}));
    // The fake counts words: its count, not parlance's tokenizer, came back.
    let n = upstream["input_tokens"].as_u64().unwrap();
    body["model"] = json!("echo");
    let (status, text) = post(&p, "/v1/messages/count_tokens", &body).await;
    assert_eq!(status, 200, "{text}");
    let estimate: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fake.requests().len(), 1, "an estimate: nothing went upstream");
    assert!(estimate["input_tokens"].as_u64().unwrap() > 0);
    assert_ne!(estimate["input_tokens"].as_u64(), Some(n), "{text} vs {upstream}");
    // A bad body the upstream refuses comes back as the door's 400.
    let mut bad = first("claude");
    bad["thinking"] = json!({"type": "enabled", "budget_tokens": 5});
    let (status, text) = post(&p, "/v1/messages/count_tokens", &bad).await;
    assert_eq!(status, 400, "{text}");
}
