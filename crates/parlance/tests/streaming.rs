//! Issue 12, end to end: streamed answers through both doors (SSE on the alpha2 route, gRPC
//! `ConverseStreamAlpha2`), against echo and the fake OpenAI upstream — the same answer as the
//! plain call, the same failures before the first event, PII scrubbed across chunk
//! boundaries, one cache entry for both modes, retries only before the first event, the idle
//! bound, cancellation when the client goes away, and backpressure when it stops reading.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{ECHO_COMPONENTS, Parlance, setup};
use futures::StreamExt;
use parlance_fake::{FakeOptions, FakeUpstream, Fault, StreamState};
use parlance_proto::runtime as pb;
use serde_json::{Value, json};

/// One SSE event: its name and its JSON data.
type Event = (String, Value);

/// An OpenAI component on the fake; `extra` is more metadata YAML (list items).
fn openai(name: &str, fake: &FakeUpstream, extra: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.openai\n  version: v1\n  metadata:\n  - name: key\n    value: test-key\n  - name: model\n    value: gpt-4o-mini\n  - name: endpoint\n    value: {}/v1\n{extra}",
        fake.url()
    )
}

fn ask(text: &str, scrub_output: bool) -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}]}],
           "scrubPii": scrub_output})
    .to_string()
}

fn url(p: &Parlance, component: &str) -> String {
    format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base)
}

/// Sends a streaming request and starts reading it.
async fn open(p: &Parlance, component: &str, body: &str) -> reqwest::Response {
    let req = p.client.post(url(p, component)).header("accept", "text/event-stream");
    req.body(body.to_string()).send().await.unwrap()
}

/// Parses a whole SSE body into events (comments skipped).
fn parse(text: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event: ") {
                name = v.to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data.push_str(v);
            }
        }
        if !name.is_empty() {
            events.push((name, serde_json::from_str(&data).unwrap()));
        }
    }
    events
}

/// A whole stream: status, `x-parlance-cache`, events.
async fn stream(p: &Parlance, component: &str, body: &str) -> (u16, Option<String>, Vec<Event>) {
    let resp = open(p, component, body).await;
    let status = resp.status().as_u16();
    let cache = resp.headers().get("x-parlance-cache").map(|v| v.to_str().unwrap().to_string());
    if status == 200 {
        let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(ct, "text/event-stream");
    }
    let text = resp.text().await.unwrap();
    let events = if status == 200 { parse(&text) } else { vec![("body".into(), json!(text))] };
    (status, cache, events)
}

/// A plain call: status, `x-parlance-cache`, body.
async fn plain(p: &Parlance, component: &str, body: &str) -> (u16, Option<String>, Value) {
    let resp = p.client.post(url(p, component)).body(body.to_string()).send().await.unwrap();
    let status = resp.status().as_u16();
    let cache = resp.headers().get("x-parlance-cache").map(|v| v.to_str().unwrap().to_string());
    (status, cache, serde_json::from_str(&resp.text().await.unwrap()).unwrap())
}

/// The plain alpha2 body the chunks of a stream join to (one choice), as the HTTP door
/// would have answered it.
fn joined(events: &[Event]) -> Value {
    let (last, chunks) = events.split_last().expect("a terminal event");
    assert_eq!(last.0, "complete", "{events:?}");
    assert!(chunks.iter().all(|(n, _)| n == "chunk"), "{events:?}");
    let mut content = String::new();
    let mut finish = String::new();
    let mut calls: Vec<Value> = Vec::new();
    for (_, c) in chunks {
        let choice = &c["choices"][0];
        content.push_str(choice["content"].as_str().unwrap_or_default());
        if let Some(f) = choice["finishReason"].as_str() {
            finish = f.to_string();
        }
        for t in choice["toolCalls"].as_array().into_iter().flatten() {
            let i: usize = t["index"].as_str().unwrap_or("0").parse().unwrap();
            if calls.len() <= i {
                calls.resize(i + 1, json!({"function": {"name": "", "arguments": ""}}));
            }
            if let Some(id) = t["id"].as_str() {
                calls[i]["id"] = json!(id);
            }
            let f = &mut calls[i]["function"];
            let name = f["name"].as_str().unwrap().to_string() + t["name"].as_str().unwrap_or("");
            let args = f["arguments"].as_str().unwrap().to_string()
                + t["arguments"].as_str().unwrap_or("");
            *f = json!({"name": name, "arguments": args});
        }
    }
    let mut message = json!({});
    if !content.is_empty() {
        message["content"] = json!(content);
    }
    if !calls.is_empty() {
        message["toolCalls"] = json!(calls);
    }
    let mut output = last.1["outputs"][0].clone();
    output["choices"] = json!([{"finishReason": finish, "message": message}]);
    let mut body = json!({"outputs": [output]});
    if let Some(ctx) = last.1.get("contextId") {
        body["contextId"] = ctx.clone();
    }
    body
}

fn echo_files() -> Vec<(&'static str, String)> {
    vec![("echo.yaml", ECHO_COMPONENTS.to_string())]
}

#[tokio::test]
async fn echo_streams_word_by_word_and_joins_to_the_plain_answer() {
    let (p, _d) = setup(&echo_files()).await;
    let body = ask("my email is ada@example.com,  thanks\nbye", false);
    let (status, _, events) = stream(&p, "echo", &body).await;
    assert_eq!(status, 200);
    let words: Vec<&str> =
        events.iter().filter_map(|(_, e)| e["choices"][0]["content"].as_str()).collect();
    assert_eq!(words, ["my ", "email ", "is ", "ada@example.com,  ", "thanks\n", "bye"]);
    let (_, _, whole) = plain(&p, "echo", &body).await;
    assert_eq!(joined(&events), whole);
    // Scrubbed, the words come as the scrubber releases them; joined, the plain answer.
    let body = ask("my email is ada@example.com,  thanks\nbye", true);
    let (_, _, events) = stream(&p, "echo", &body).await;
    let (_, _, whole) = plain(&p, "echo", &body).await;
    assert_eq!(joined(&events), whole);
    assert!(serde_json::to_string(&events).unwrap().contains("<EMAIL_ADDRESS>"));
}

#[tokio::test]
async fn failures_before_the_first_event_are_the_plain_failures() {
    let (p, _d) = setup(&echo_files()).await;
    let bodies = [
        ("nope", ask("hi", false)),
        ("echo", json!({"inputs": []}).to_string()),
        ("echo", json!({"inputs": [{"messages": [{}]}]}).to_string()),
        ("echo", "{not json".to_string()),
    ];
    for (component, body) in bodies {
        let (s_status, _, events) = stream(&p, component, &body).await;
        let (status, _, whole) = plain(&p, component, &body).await;
        assert_ne!(status, 200, "{whole}");
        assert_eq!(s_status, status, "{component} {body}");
        let streamed: Value = serde_json::from_str(events[0].1.as_str().unwrap()).unwrap();
        assert_eq!(streamed, whole);
    }
}

#[tokio::test]
async fn a_grpc_stream_gives_the_sse_answer() {
    let (p, _d) = setup(&echo_files()).await;
    let addr = format!("http://{}", p.running.grpc_addrs[0]);
    let mut client = pb::dapr_client::DaprClient::connect(addr).await.unwrap();
    let text = "hello there, my phone is +1 234-567-8900";
    let req = pb::ConversationRequestAlpha2 {
        name: "echo".into(),
        context_id: Some("ctx-1".into()),
        inputs: vec![pb::ConversationInputAlpha2 {
            messages: vec![pb::ConversationMessage {
                message_types: Some(pb::conversation_message::MessageTypes::OfUser(
                    pb::ConversationMessageOfUser {
                        name: None,
                        content: vec![pb::ConversationMessageContent { text: text.into() }],
                    },
                )),
            }],
            scrub_pii: Some(true),
        }],
        ..Default::default()
    };
    let mut s = client.converse_stream_alpha2(req).await.unwrap().into_inner();
    let mut content = String::new();
    let mut complete = None;
    while let Some(msg) = s.next().await {
        match msg.unwrap().response_type.unwrap() {
            pb::conversation_stream_response_alpha2::ResponseType::Chunk(c) => {
                assert!(complete.is_none(), "nothing follows complete");
                content.push_str(&c.choices[0].content);
            }
            pb::conversation_stream_response_alpha2::ResponseType::Complete(c) => {
                complete = Some(c)
            }
        }
    }
    let complete = complete.expect("a complete message");
    assert_eq!(content, "hello there, my phone is <PHONE_NUMBER>");
    assert_eq!(complete.context_id.as_deref(), Some("ctx-1"));
    assert_eq!(complete.outputs[0].usage.as_ref().map(|u| u.total_tokens), Some(12));
    let body = json!({"contextId": "ctx-1", "inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}], "scrubPii": true}]});
    let (_, _, events) = stream(&p, "echo", &body.to_string()).await;
    assert_eq!(joined(&events)["outputs"][0]["choices"][0]["message"]["content"], json!(content));
}

#[tokio::test]
async fn grpc_stream_errors_before_the_first_event_are_the_plain_statuses() {
    let (p, _d) = setup(&echo_files()).await;
    let addr = format!("http://{}", p.running.grpc_addrs[0]);
    let mut client = pb::dapr_client::DaprClient::connect(addr).await.unwrap();
    let req = pb::ConversationRequestAlpha2 { name: "nope".into(), ..Default::default() };
    let streamed = client.converse_stream_alpha2(req.clone()).await.unwrap_err();
    let whole = client.converse_alpha2(req).await.unwrap_err();
    assert_eq!((streamed.code(), streamed.message()), (whole.code(), whole.message()));
}

#[tokio::test]
async fn pii_split_across_upstream_chunks_never_reaches_the_client() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("a.yaml", openai("openai", &fake, ""))]).await;
    // The fake answers "echo: <text>" cut into word-ish pieces: each value is cut at its
    // punctuation, the leak of the abandoned Dapr PRs.
    let text = "write to john.doe@example.com or call +1 234-567-8900, card 4111 1111 1111 1111";
    let body = ask(text, true);
    let (status, _, events) = stream(&p, "openai", &body).await;
    assert_eq!(status, 200);
    let streamed = joined(&events);
    let all = serde_json::to_string(&events).unwrap();
    for part in ["john", "example.com", "234", "8900", "4111"] {
        assert!(!all.contains(part), "{part} leaked: {all}");
    }
    let (_, _, whole) = plain(&p, "openai", &body).await;
    assert_eq!(streamed, whole);
    let content = streamed["outputs"][0]["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.contains("<EMAIL_ADDRESS>") && content.contains("<PHONE_NUMBER>"), "{content}");
    let sent: Value = serde_json::from_slice(&fake.requests()[0].body).unwrap();
    assert_eq!(
        (sent["stream"].clone(), sent["stream_options"]["include_usage"].clone()),
        (json!(true), json!(true))
    );
}

#[tokio::test]
async fn one_cache_entry_serves_streams_and_plain_calls() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [("a.yaml", openai("cached", &fake, "  - name: cacheTTL\n    value: 10m\n"))];
    let (p, _d) = setup(&files).await;
    let body = ask("cache me", false);
    let (_, miss, first) = stream(&p, "cached", &body).await;
    let (_, hit, whole) = plain(&p, "cached", &body).await;
    let (_, hit_again, replayed) = stream(&p, "cached", &body).await;
    assert_eq!(
        (miss.as_deref(), hit.as_deref(), hit_again.as_deref()),
        (Some("miss"), Some("hit"), Some("hit"))
    );
    assert_eq!(joined(&first), whole);
    assert_eq!(joined(&replayed), whole);
    assert_eq!(fake.request_count(), 1, "one upstream call for all three");
}

#[tokio::test]
async fn a_stream_that_fails_midway_is_neither_retried_nor_cached() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let res = "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: r\nspec:\n  policies:\n    retries:\n      again: {policy: constant, duration: 10ms, maxRetries: 3}\n  targets:\n    components:\n      flaky:\n        outbound: {retry: again}\n";
    let files = [
        ("a.yaml", openai("flaky", &fake, "  - name: cacheTTL\n    value: 10m\n")),
        ("r.yaml", res.to_string()),
    ];
    let (p, _d) = setup(&files).await;
    // Before the first event: retried, and the client sees a clean stream.
    fake.push_fault(Fault::Status { code: 500, retry_after: None });
    let (status, _, events) = stream(&p, "flaky", &ask("one", false)).await;
    assert_eq!((status, fake.request_count()), (200, 2));
    assert_eq!(events.last().unwrap().0, "complete");
    // After it: the error event ends the stream, no retry, nothing stored.
    fake.push_fault("stream-error-after=3".parse().unwrap());
    let (status, _, events) = stream(&p, "flaky", &ask("two words here", false)).await;
    assert_eq!((status, fake.request_count()), (200, 3));
    let (name, data) = events.last().unwrap();
    assert_eq!(name, "error", "{events:?}");
    assert_eq!(data["errorCode"], "ERR_CONVERSATION_INVOKE");
    assert!(events[..events.len() - 1].iter().all(|(n, _)| n == "chunk"));
    let (_, cache, _) = plain(&p, "flaky", &ask("two words here", false)).await;
    assert_eq!((cache.as_deref(), fake.request_count()), (Some("miss"), 4));
}

#[tokio::test]
async fn a_stalled_upstream_ends_with_an_error_after_the_idle_bound() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let idle = "  - name: streamIdleTimeout\n    value: 300ms\n";
    let (p, _d) = setup(&[("a.yaml", openai("slow", &fake, idle))]).await;
    // Keep-alive comments during the stall do not count as events.
    fake.push_fault("stream-stall-after=2,keepalive=50ms".parse().unwrap());
    let started = std::time::Instant::now();
    let (_, _, events) = stream(&p, "slow", &ask("a b c d", false)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    let (name, data) = events.last().unwrap();
    assert_eq!(name, "error", "{events:?}");
    assert!(data["message"].as_str().unwrap().contains("sent nothing"), "{data}");
    assert!(fake.stream_stats()[0].keepalives_written() > 0, "the fake sent keep-alives");
}

#[tokio::test]
async fn a_client_that_goes_away_cancels_the_upstream_and_caches_nothing() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [("a.yaml", openai("paced", &fake, "  - name: cacheTTL\n    value: 10m\n"))];
    let (p, _d) = setup(&files).await;
    fake.push_fault(Fault::Pace { deltas: 64, every: Duration::from_millis(50) });
    let mut resp = open(&p, "paced", &ask("go", false)).await;
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: chunk"));
    drop(resp);
    let stats = fake.stream_stats()[0].clone();
    let ended = tokio::time::timeout(Duration::from_secs(2), stats.ended()).await.unwrap();
    assert_eq!(ended, StreamState::ClientClosed);
    assert!(
        stats.events_written() < 20,
        "closed long before 64 events: {}",
        stats.events_written()
    );
    let (_, cache, _) = plain(&p, "paced", &ask("go", false)).await;
    assert_eq!((cache.as_deref(), fake.request_count()), (Some("miss"), 2));
    let metrics = p.running.sidecar.service.telemetry().encode();
    assert!(metrics.contains(r#"code="CANCELLED",stream="true"} 1"#), "{metrics}");
}

#[tokio::test]
async fn a_client_that_stops_reading_stops_parlance_reading_the_upstream() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("a.yaml", openai("big", &fake, ""))]).await;
    let total = 1_000_000;
    fake.push_fault(Fault::Pace { deltas: total, every: Duration::ZERO });
    let resp = open(&p, "big", &ask("go", false)).await;
    assert_eq!(resp.status(), 200);
    // The client holds the response without reading it: socket buffers fill, then hyper
    // stops pulling parlance's stream, which stops pulling the upstream's body.
    let stats = fake.stream_stats()[0].clone();
    let (mut last, mut still) = (0, 0);
    for _ in 0..80 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = stats.events_written();
        still = if now == last && now > 0 { still + 1 } else { 0 };
        last = now;
        if still == 4 {
            break;
        }
    }
    assert_eq!(still, 4, "the fake's writes never stopped: {last} events");
    let plateau = stats.events_written();
    assert!(plateau < u64::from(total) / 4, "{plateau} of {total} events written");
    assert_eq!(stats.state(), StreamState::Open);
    drop(resp);
}
