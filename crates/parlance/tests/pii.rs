//! PII obfuscation end to end (issue 4): nothing the engine detects ever reaches the provider —
//! not in message text, tool results or assistant tool-call arguments; reversible mode restores
//! the originals for the client; `piiEntities` narrows what is scrubbed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{path, resources, start};
use parlance_fake::{FakeOptions, FakeUpstream};
use parlance_pii::{EntitySet, Scrubber};
use serde_json::{Value, json};

fn component(name: &str, endpoint: &str, extra: &[(&str, &str)]) -> String {
    let mut s = format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.openai\n  version: v1\n  metadata:\n  - name: key\n    value: sk-test\n  - name: endpoint\n    value: {endpoint}\n"
    );
    for (k, v) in extra {
        s.push_str(&format!("  - name: {k}\n    value: \"{v}\"\n"));
    }
    s
}

/// (text, PII values) from the PII crate's labelled development corpus.
fn corpus() -> Vec<(String, Vec<String>)> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../parlance-pii/corpus/dev.jsonl");
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let t = v["text"].as_str().unwrap().to_string();
            let values = v["spans"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| !s["label"].as_str().unwrap().starts_with("KEEP"))
                .map(|s| {
                    t[s["start"].as_u64().unwrap() as usize..s["end"].as_u64().unwrap() as usize]
                        .to_string()
                })
                .collect();
            (t, values)
        })
        .collect()
}

/// Message contents and tool-call arguments of one upstream request.
fn message_strings(json: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for m in json["messages"].as_array().into_iter().flatten() {
        if let Some(c) = m["content"].as_str() {
            out.push(c.to_string());
        }
        for call in m["tool_calls"].as_array().into_iter().flatten() {
            out.push(call["function"]["arguments"].as_str().unwrap_or("").to_string());
        }
    }
    out
}

/// Every string the fake upstream received inside message contents and tool-call arguments.
fn upstream_strings(fake: &FakeUpstream) -> Vec<String> {
    fake.requests().iter().filter_map(|r| r.json.as_ref()).flat_map(message_strings).collect()
}

#[tokio::test]
async fn no_detected_value_ever_reaches_the_provider() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[("c.yaml", &component("openai", &format!("{}/v1", fake.url()), &[]))]);
    let p = start(&[path(&dir)]).await;
    let corpus = corpus();
    let scrubber = Scrubber::new(EntitySet::all());
    let mut expected: Vec<(usize, Vec<String>)> = Vec::new();
    let (mut total, mut missed) = (0usize, 0usize);
    for (start, chunk) in corpus.chunks(50).enumerate().map(|(i, c)| (i * 50, c)) {
        let mut bodies = Vec::new();
        for (i, (text, values)) in chunk.iter().enumerate() {
            let id = start + i;
            let scrubbed = scrubber.scrub(text);
            let (found, lost): (Vec<String>, Vec<String>) =
                values.iter().cloned().partition(|v| !scrubbed.contains(v.as_str()));
            total += values.len();
            missed += lost.len();
            expected.push((id, found));
            // Every third message travels as a tool result and inside tool-call arguments too.
            let mut body = if i % 3 == 0 {
                let args = json!({"note": text}).to_string();
                json!({"inputs": [{"scrubPii": true, "messages": [
                    {"ofUser": {"content": [{"text": "look this up"}]}},
                    {"ofAssistant": {"toolCalls": [{"id": "c1", "function": {"name": "lookup", "arguments": args}}]}},
                    {"ofTool": {"toolId": "c1", "name": "lookup", "content": [{"text": text}]}}
                ]}]})
            } else {
                json!({"inputs": [{"scrubPii": true, "messages": [{"ofUser": {"content": [{"text": text}]}}]}]})
            };
            body["metadata"] = json!({"msg": id.to_string()});
            bodies.push(body.to_string());
        }
        let calls = bodies.iter().map(|b| p.alpha2("openai", b));
        for (status, got) in futures::future::join_all(calls).await {
            assert_eq!(status, 200, "{got}");
        }
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), corpus.len(), "the fake saw every message");
    let mut leaked = Vec::new();
    for req in requests {
        let json = req.json.unwrap();
        let id: usize = json["metadata"]["msg"].as_str().unwrap().parse().unwrap();
        let seen = message_strings(&json).join("\n");
        leaked.extend(
            expected[id].1.iter().filter(|v| seen.contains(v.as_str())).map(|v| (id, v.clone())),
        );
    }
    assert!(leaked.is_empty(), "values the engine detects reached the provider: {leaked:?}");
    assert!(missed as f64 / total as f64 <= 0.03, "engine misses {missed} of {total} values");
    eprintln!("{} messages, {total} PII values, {missed} missed by the engine", corpus.len());
}

#[tokio::test]
async fn reversible_mode_restores_originals_for_the_client_only() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[(
        "c.yaml",
        &component("rev", &format!("{}/v1", fake.url()), &[("piiMode", "reversible")]),
    )]);
    let p = start(&[path(&dir)]).await;
    let text = "My name is Jennifer Lopez and my email is jlo@example.com";
    let body = json!({"inputs": [{"scrubPii": true, "messages": [{"ofUser": {"content": [{"text": text}]}}]}]});
    let (status, got) = p.alpha2("rev", &body.to_string()).await;
    assert_eq!(status, 200, "{got}");
    let sent = upstream_strings(&fake).join("\n");
    assert!(!sent.contains("jlo@example.com") && !sent.contains("Jennifer Lopez"), "{sent}");
    assert!(sent.contains("<EMAIL_ADDRESS_1>") && sent.contains("<PERSON_1>"), "{sent}");
    let content = got["outputs"][0]["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(
        content.contains("jlo@example.com") && content.contains("Jennifer Lopez"),
        "restored: {content}"
    );
    assert!(!content.contains("<EMAIL_ADDRESS_1>"), "{content}");
}

#[tokio::test]
async fn request_level_flag_scrubs_outputs_and_pii_entities_narrows() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let url = format!("{}/v1", fake.url());
    let dir = resources(&[
        ("a.yaml", &component("all", &url, &[])),
        ("b.yaml", &component("emails", &url, &[("piiEntities", "EMAIL_ADDRESS")])),
    ]);
    let p = start(&[path(&dir)]).await;
    let text = "reach me at ada@example.com or +44 20 7946 0958";
    // Output scrubbing only: the provider sees the text, the client gets placeholders.
    let out_only = json!({"scrubPii": true, "inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}]}]});
    let (_, got) = p.alpha2("all", &out_only.to_string()).await;
    assert!(upstream_strings(&fake).join("").contains("ada@example.com"));
    let content = got["outputs"][0]["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.contains("<EMAIL_ADDRESS>") && content.contains("<PHONE_NUMBER>"), "{content}");
    // piiEntities: only e-mail addresses are scrubbed on the way in.
    fake.clear();
    let input = json!({"inputs": [{"scrubPii": true, "messages": [{"ofUser": {"content": [{"text": text}]}}]}]});
    let (status, _) = p.alpha2("emails", &input.to_string()).await;
    assert_eq!(status, 200);
    let sent = upstream_strings(&fake).join("");
    assert!(sent.contains("<EMAIL_ADDRESS>") && sent.contains("+44 20 7946 0958"), "{sent}");
}
