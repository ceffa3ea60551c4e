//! Issue 21 item 3, towards Bedrock: the Anthropic door in front of a Bedrock component that
//! calls a Claude model is faithful where Converse allows — the `thinking` option goes in
//! `additionalModelRequestFields`, thinking blocks round-trip as `reasoningContent` with their
//! signatures (plain and streamed: `thinking_delta`, `signature_delta`), breakpoints become
//! `cachePoint`s, and only the `anthropic-beta` values Bedrock knows are sent (the rest are
//! left out and counted: Bedrock refuses betas it does not know). Another model family on
//! Bedrock (here one a request chooses) gets none of it, counted. The fake plays Bedrock: it
//! signs its reasoning and refuses an unsigned or altered reasoning block, and unknown betas.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Parlance, assemble, events, path, resources, second, start};
use parlance_fake::{FakeOptions, FakeUpstream, RecordedRequest};
use serde_json::{Value, json};

/// One beta Bedrock documents for Claude, one it does not (Claude Code sends both kinds).
const BETAS: &str = "interleaved-thinking-2025-05-14, claude-code-20250219";

/// The first turn's last breakpoint has no lifetime.
const TTL: Option<&str> = None;

async fn setup(fake: &FakeUpstream) -> (Parlance, tempfile::TempDir) {
    // Claude by default; a request may choose Nova (`claude/amazon.nova-lite-v1:0`).
    let nova = [("allowedModels", "amazon.nova-lite-v1:0")];
    let files = [("claude.yaml", common::bedrock("claude", fake, &nova))];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    (start(&[path(&dir)]).await, dir)
}

async fn post(p: &Parlance, body: &Value) -> (u16, String) {
    common::post_beta(p, "/v1/messages", BETAS, body).await
}

/// A first turn with everything only Anthropic takes.
fn first(model: &str) -> Value {
    common::thinking_turn(model, TTL)
}

async fn ok(p: &Parlance, body: &Value) -> Value {
    let (status, text) = post(p, body).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn last_converse_call(fake: &FakeUpstream) -> RecordedRequest {
    let calls = fake.requests();
    calls.into_iter().rev().find(|r| r.path.contains("/converse")).unwrap()
}

async fn metrics(p: &Parlance) -> String {
    let addr = p.running.metrics_addr.unwrap();
    reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap()
}

fn dropped(metrics: &str, field: &str) -> u64 {
    let key = format!(r#"parlance_dropped_fields_total{{api="anthropic",field="{field}"}} "#);
    let line = metrics.lines().find(|l| l.starts_with(&key));
    line.map_or(0, |l| l[key.len()..].trim().parse().unwrap())
}

#[tokio::test]
async fn thinking_and_its_signature_round_trip_through_claude_on_bedrock() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let body = first("claude");
    let reply = ok(&p, &body).await;
    let content = reply["content"].clone();
    assert_eq!(content[0]["type"], "thinking", "{reply}");
    assert!(content[0]["signature"].as_str().unwrap().starts_with("fakesig_"), "{reply}");
    assert_eq!(content[1]["type"], "text", "{reply}");
    // What reached Bedrock: the option and the known beta in the model's own fields, a
    // cache point after every marked block.
    let sent = last_converse_call(&fake).json.unwrap();
    assert_eq!(
        sent["additionalModelRequestFields"],
        json!({"thinking": body["thinking"], "anthropic_beta": ["interleaved-thinking-2025-05-14"]})
    );
    let point = json!({"cachePoint": {"type": "default"}});
    assert_eq!(sent["system"], json!([{"text": "be brief"}, point]), "{sent}");
    assert_eq!(sent["toolConfig"]["tools"][1], point, "{sent}");
    assert_eq!(sent["messages"][0]["content"], json!([{"text": "what is two and two"}, point]));
    let m = metrics(&p).await;
    assert_eq!(dropped(&m, "anthropic-beta"), 1, "the unknown beta");
    assert_eq!((dropped(&m, "thinking"), dropped(&m, "cache_control")), (0, 0), "{m}");
    // The block comes back: Bedrock gets it as a signed reasoning block, and accepts it.
    let next = second(&body, &content);
    let reply2 = ok(&p, &next).await;
    assert_eq!(reply2["content"][0]["type"], "thinking");
    let sent = last_converse_call(&fake).json.unwrap();
    let reasoning = json!({"reasoningContent": {"reasoningText": {
        "text": content[0]["thinking"], "signature": content[0]["signature"]}}});
    assert_eq!(sent["messages"][1]["content"][0], reasoning, "{sent}");
    // A tampered thinking text: Bedrock refuses it, and so does the door.
    let mut tampered = content.clone();
    tampered[0]["thinking"] = json!("I changed my mind");
    let (status, text) = post(&p, &second(&body, &tampered)).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid_request_error"), "{text}");
}

#[tokio::test]
async fn streamed_reasoning_arrives_as_thinking_and_signature_deltas() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let mut body = first("claude");
    body["stream"] = json!(true);
    let (status, text) = post(&p, &body).await;
    assert_eq!(status, 200, "{text}");
    assert!(last_converse_call(&fake).path.ends_with("/converse-stream"));
    let ev = events(&text);
    let kinds: Vec<&str> = ev.iter().filter_map(|(_, d)| d["delta"]["type"].as_str()).collect();
    assert!(kinds.contains(&"thinking_delta") && kinds.contains(&"signature_delta"), "{text}");
    assert_eq!(
        ev[2].1["content_block"],
        json!({"type": "thinking", "thinking": "", "signature": ""})
    );
    let content = Value::Array(assemble(&ev));
    assert_eq!(content[0]["type"], "thinking", "{content}");
    assert!(content[0]["signature"].as_str().unwrap().starts_with("fakesig_"), "{content}");
    // The plain reply to the same question carries the same block.
    body["stream"] = json!(false);
    let plain = ok(&p, &body).await;
    assert_eq!(plain["content"][0], content[0]);
    // Sent back (streamed again), Bedrock accepts the signature it issued.
    let mut next = second(&body, &content);
    next["stream"] = json!(true);
    let (status, text) = post(&p, &next).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("signature_delta"), "{text}");
    let sent = last_converse_call(&fake).json.unwrap();
    let text_sent = &sent["messages"][1]["content"][0]["reasoningContent"]["reasoningText"];
    assert_eq!(text_sent["signature"], content[0]["signature"], "{sent}");
}

#[tokio::test]
async fn another_model_family_on_bedrock_gets_none_of_it_counted() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    let content = json!([
        {"type": "thinking", "thinking": "hm", "signature": "not-for-nova"},
        {"type": "redacted_thinking", "data": "eHl6"},
        {"type": "text", "text": "four"}
    ]);
    let reply = ok(&p, &second(&first("claude/amazon.nova-lite-v1:0"), &content)).await;
    assert_eq!(reply["content"][0]["type"], "text", "{reply}");
    let sent = last_converse_call(&fake);
    assert!(sent.path.contains("amazon.nova-lite"), "{}", sent.path);
    let raw = String::from_utf8_lossy(&sent.body).to_string();
    for gone in ["reasoningContent", "additionalModelRequestFields", "signature", "eHl6"] {
        assert!(!raw.contains(gone), "{gone} reached Nova: {raw}");
    }
    let json = sent.json.unwrap();
    assert_eq!(json["system"], json!([{"text": "be brief"}]), "no cache point: {json}");
    let m = metrics(&p).await;
    for field in ["thinking", "cache_control", "anthropic-beta"] {
        assert_eq!(dropped(&m, field), 1, "{field}\n{m}");
    }
}

#[tokio::test]
async fn bedrock_refuses_what_claude_would_not_take() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&fake).await;
    // An unsigned thinking block: sent as an unsigned reasoning block, which Bedrock refuses.
    let content = json!([
        {"type": "thinking", "thinking": "hm", "signature": ""},
        {"type": "text", "text": "four"}
    ]);
    let (status, text) = post(&p, &second(&first("claude"), &content)).await;
    assert_eq!(status, 400, "{text}");
    // A budget the model cannot take comes back as the door's 400, not a 5xx.
    let mut bad = first("claude");
    bad["thinking"] = json!({"type": "enabled", "budget_tokens": 4096});
    let (status, text) = post(&p, &bad).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("invalid_request_error"), "{text}");
}
