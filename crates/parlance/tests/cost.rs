//! Issue #22, end to end: every reply priced (`x-parlance-cost-usd`, the stream's last event,
//! spend metrics), budgets refused when spent and shared by three replicas through one
//! Redis, calendar windows on the test clock, and `GET /v1/usage`.
//!
//! Redis as in `keys.rs`: `PARLANCE_TEST_REDIS`, else a `redis-server` the test starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod replicas;

use std::time::{Duration, Instant};

use common::{args, component, path, resources, start_with};
use parlance_fake::{FakeOptions, FakeUpstream};
use replicas::{
    RedisServer, free_port, hello, key, own_minute, redis_component, shared_redis, spawn, unique,
};
use serde_json::{Value, json};

/// sha256("sk-ci-bot").
const CI_BOT: (&str, &str) =
    ("sk-ci-bot", "5537e95fbf97088a783ac334b60b505e7cfcbccef77e180839b7af904bf2d441");

/// Echo at 1000 USD per million tokens in and out: 0.001 USD a token, so `hello()` (8
/// tokens) costs 0.008.
fn priced_echo(name: &str, extra: &[(&str, &str)]) -> String {
    let mut meta = vec![("priceInputPerMTok", "1000"), ("priceOutputPerMTok", "1000")];
    meta.extend_from_slice(extra);
    component(name, "conversation.echo", &meta)
}

/// An OpenAI component on the fake with a model no price table knows.
fn private_model(fake: &FakeUpstream) -> String {
    let url = format!("{}/v1", fake.url());
    let meta = [("key", "sk-test"), ("model", "my-private-model"), ("endpoint", url.as_str())];
    component("private", "conversation.openai", &meta)
}

fn ask(text: &str) -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}]}]}).to_string()
}

fn cost(resp: &reqwest::Response) -> Option<f64> {
    resp.headers().get("x-parlance-cost-usd").map(|v| v.to_str().unwrap().parse().unwrap())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn every_reply_is_priced_a_cache_hit_is_saved_and_an_unknown_model_is_unpriced() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("p.yaml", priced_echo("priced", &[("cacheTTL", "10m")])),
        ("t.yaml", common::openai("table", &fake, &[])),
        ("u.yaml", private_model(&fake)),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&files);
    let p = start_with(args(&[path(&dir)]), None).await;
    let url = |c: &str| format!("{}/v1.0-alpha2/conversation/{c}/converse", p.base);
    // Priced by the component's own prices; the same question again is a cache hit: 0.
    let first = p.client.post(url("priced")).body(hello()).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-parlance-cost-usd"], "0.008");
    let hit = p.client.post(url("priced")).body(hello()).send().await.unwrap();
    assert_eq!(hit.headers()["x-parlance-cache"], "hit");
    assert_eq!(hit.headers()["x-parlance-cost-usd"], "0");
    // Priced by the shipped table (gpt-4o-mini: 0.15 and 0.60 USD per million tokens).
    let resp = p.client.post(url("table")).body(ask("price me")).send().await.unwrap();
    let c = cost(&resp).unwrap();
    let body: Value = resp.json().await.unwrap();
    let usage = &body["outputs"][0]["usage"];
    let n = |k: &str| usage[k].as_str().unwrap().parse::<f64>().unwrap();
    assert!(close(c, n("promptTokens") * 0.15e-6 + n("completionTokens") * 0.6e-6), "{c} {usage}");
    assert!(c > 0.0);
    // A model without a price: no cost is claimed.
    let resp = p.client.post(url("private")).body(ask("who knows")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(cost(&resp), None, "unpriced is not free");
    // The OpenAI door, plain and streamed (`usage.cost` in the usage chunk).
    let v1 = format!("{}/v1/chat/completions", p.base);
    let chat =
        json!({"model": "priced", "messages": [{"role": "user", "content": "open ai door"}]});
    let resp = p.client.post(&v1).json(&chat).send().await.unwrap();
    let c = cost(&resp).unwrap();
    let body: Value = resp.json().await.unwrap();
    assert!(close(c, body["usage"]["total_tokens"].as_f64().unwrap() * 1e-3), "{c} {body}");
    let mut streamed = chat.clone();
    streamed["stream"] = json!(true);
    streamed["stream_options"] = json!({"include_usage": true});
    streamed["messages"][0]["content"] = json!("a streamed question");
    let text = p.client.post(&v1).json(&streamed).send().await.unwrap().text().await.unwrap();
    let last = text.lines().rfind(|l| l.starts_with("data: {")).unwrap();
    let last: Value = serde_json::from_str(&last["data: ".len()..]).unwrap();
    let total = last["usage"]["total_tokens"].as_f64().unwrap();
    assert!(close(last["usage"]["cost"].as_f64().unwrap(), total * 1e-3), "{last}");
    // The Dapr stream: `costUsd` on the `complete` event.
    let sse = p.client.post(url("priced")).header("accept", "text/event-stream");
    let text = sse.body(ask("streamed through dapr")).send().await.unwrap().text().await.unwrap();
    let complete = text.split("event: complete\ndata: ").nth(1).unwrap().lines().next().unwrap();
    let complete: Value = serde_json::from_str(complete).unwrap();
    let total: f64 =
        complete["outputs"][0]["usage"]["totalTokens"].as_str().unwrap().parse().unwrap();
    assert!(close(complete["costUsd"].as_f64().unwrap(), total * 1e-3), "{complete}");
    // gRPC: response metadata on a plain reply, `cost_usd` on the stream's `complete`.
    // The question asked first through HTTP is a cache hit here too: 0.
    let (hit, plain, streamed) = grpc_costs(&p).await;
    assert_eq!(hit, 0.0);
    assert!(close(plain.0, plain.1 * 1e-3), "{plain:?}");
    assert!(close(streamed.0, streamed.1 * 1e-3), "{streamed:?}");
    // Metrics: spend and saved spend by component, the unpriced reply counted.
    let addr = p.running.metrics_addr.unwrap();
    let metrics =
        reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    let value = |prefix: &str| -> f64 {
        let line = metrics
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in\n{metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let saved = value(r#"parlance_saved_usd_total{key="",group="",component="priced",model=""}"#);
    assert!(close(saved, 0.016), "two cache hits of 0.008: {saved}");
    let spent = value(r#"parlance_spend_usd_total{key="",group="",component="priced",model=""}"#);
    assert!(spent > 0.008, "{spent}");
    let unpriced = value(
        r#"parlance_unpriced_replies_total{key="",group="",component="private",model="my-private-model"}"#,
    );
    assert_eq!(unpriced, 1.0);
    p.running.shutdown().await;
}

/// Through gRPC: the cost of `hello()` and of a new question (metadata), and of another one
/// streamed (the `complete` message), each with its total tokens.
async fn grpc_costs(p: &common::Parlance) -> (f64, (f64, f64), (f64, f64)) {
    use futures::StreamExt;
    use parlance_proto::runtime as pb;
    let addr = format!("http://{}", p.running.grpc_addrs[0]);
    let mut client = pb::dapr_client::DaprClient::connect(addr).await.unwrap();
    let req = |text: &str| pb::ConversationRequestAlpha2 {
        name: "priced".into(),
        inputs: vec![pb::ConversationInputAlpha2 {
            messages: vec![pb::ConversationMessage {
                message_types: Some(pb::conversation_message::MessageTypes::OfUser(
                    pb::ConversationMessageOfUser {
                        name: None,
                        content: vec![pb::ConversationMessageContent { text: text.into() }],
                    },
                )),
            }],
            scrub_pii: None,
        }],
        ..Default::default()
    };
    let mut plain = Vec::new();
    for text in ["one two three four", "a new grpc question"] {
        let r = client.converse_alpha2(req(text)).await.unwrap();
        let cost = r.metadata().get("x-parlance-cost-usd").unwrap().to_str().unwrap();
        let tokens = r.get_ref().outputs[0].usage.as_ref().unwrap().total_tokens;
        plain.push((cost.parse::<f64>().unwrap(), tokens as f64));
    }
    let mut s = client.converse_stream_alpha2(req("a grpc stream")).await.unwrap().into_inner();
    let mut streamed = None;
    while let Some(msg) = s.next().await {
        if let Some(pb::conversation_stream_response_alpha2::ResponseType::Complete(c)) =
            msg.unwrap().response_type
        {
            let tokens = c.outputs[0].usage.as_ref().unwrap().total_tokens as f64;
            streamed = Some((c.cost_usd.unwrap(), tokens));
        }
    }
    (plain[0].0, plain[1], streamed.unwrap())
}

#[tokio::test]
async fn a_budget_settles_within_one_request_across_three_replicas_and_rolls_over_at_midnight() {
    let (host, _own) = shared_redis();
    let clock = tempfile::NamedTempFile::new().unwrap();
    let now = own_minute();
    std::fs::write(clock.path(), now.to_string()).unwrap();
    let name = unique("budget");
    let spec = "  store: counters\n  budgets:\n  - {usd: 0.1, window: day}\n";
    let dir = resources(&[
        ("c.yaml", &priced_echo("echo", &[])),
        ("r.yaml", &redis_component("counters", &host)),
        ("k.yaml", &key(&name, CI_BOT.1, spec)),
    ]);
    let replicas = futures::future::join_all((0..3).map(|_| spawn(&dir, clock.path()))).await;
    let client = reqwest::Client::new();
    let send = |i: usize| {
        let url = format!("{}/v1.0-alpha2/conversation/echo/converse", replicas[i % 3].base);
        client.post(url).bearer_auth(CI_BOT.0).body(hello()).send()
    };
    // One request at a time, round robin, no pause: each reply's cost (0.008) is charged
    // before its answer, so the next one, on any replica, sees it.
    let (mut admitted, mut refused) = (0, Vec::new());
    for i in 0..20 {
        let resp = send(i).await.unwrap();
        match resp.status().as_u16() {
            200 => admitted += 1,
            429 => refused.push(resp),
            s => panic!("unexpected status {s}"),
        }
    }
    // 12 replies (0.096) left room; the 13th crossed the budget (0.104) and completed.
    assert_eq!(admitted, 13, "admitted across replicas");
    let day = 86_400_000;
    let until_midnight = (day - now % day).div_ceil(1000).to_string();
    let first = refused.remove(0);
    assert_eq!(first.headers()["x-should-retry"], "false");
    assert_eq!(first.headers()["retry-after"], until_midnight.as_str());
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["errorCode"], "ERR_CONVERSATION_BUDGET_EXCEEDED");
    // Every replica reports the same spend.
    for r in &replicas {
        let u: Value = client
            .get(format!("{}/v1/usage", r.base))
            .bearer_auth(CI_BOT.0)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(u["key"], name.as_str());
        assert!(close(u["spentUsd"].as_f64().unwrap(), 0.104), "{u}");
        let b = &u["budgets"][0];
        assert_eq!((b["window"].as_str(), b["usd"].as_f64()), (Some("day"), Some(0.1)), "{u}");
        assert!(close(b["spentUsd"].as_f64().unwrap(), 0.104), "{u}");
        assert_eq!(b["remainingUsd"].as_f64(), Some(0.0), "{u}");
    }
    // The next UTC day: the budget is back; the all-time spend is not reset.
    std::fs::write(clock.path(), (now - now % day + day).to_string()).unwrap();
    assert_eq!(send(0).await.unwrap().status(), 200);
    let u: Value = client
        .get(format!("{}/v1/usage", replicas[1].base))
        .bearer_auth(CI_BOT.0)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(close(u["budgets"][0]["spentUsd"].as_f64().unwrap(), 0.008), "{u}");
    assert!(close(u["spentUsd"].as_f64().unwrap(), 0.112), "{u}");
}

#[tokio::test]
async fn losing_redis_refuses_budgeted_keys_quickly_and_they_resume_with_it() {
    let port = free_port();
    let mut redis = RedisServer::start(port);
    let clock = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(clock.path(), own_minute().to_string()).unwrap();
    let spec = "  store: counters\n  budgets:\n  - {usd: 10, window: month}\n";
    let dir = resources(&[
        ("c.yaml", &priced_echo("echo", &[])),
        ("r.yaml", &redis_component("counters", &format!("127.0.0.1:{port}"))),
        ("k.yaml", &key(&unique("closed"), CI_BOT.1, spec)),
    ]);
    let p = spawn(&dir, clock.path()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1.0-alpha2/conversation/echo/converse", p.base);
    let send = || client.post(&url).bearer_auth(CI_BOT.0).body(hello()).send();
    assert_eq!(send().await.unwrap().status(), 200);
    redis.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let resp = send().await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(3), "hung: {:?}", started.elapsed());
        assert_eq!(resp.status(), 503, "budgets fail closed");
        let body: Value = resp.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("budgets fail closed"), "{body}");
    }
    let _redis = RedisServer::start(port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while send().await.unwrap().status() != 200 {
        assert!(Instant::now() < deadline, "never admitted again once Redis was back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn usage_needs_a_key_and_counts_against_no_limit() {
    let spec = "  limits: {requestsPerMinute: 1}\n  budgets: [{usd: 5, window: week}]\n";
    let dir = resources(&[
        ("c.yaml", &priced_echo("echo", &[])),
        ("k.yaml", &key("reader", CI_BOT.1, spec)),
    ]);
    let p = start_with(args(&[path(&dir)]), Some("master")).await;
    let usage = format!("{}/v1/usage", p.base);
    for _ in 0..3 {
        let resp = p.client.get(&usage).bearer_auth(CI_BOT.0).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    }
    let url = format!("{}/v1.0-alpha2/conversation/echo/converse", p.base);
    let resp = p.client.post(&url).bearer_auth(CI_BOT.0).body(hello()).send().await.unwrap();
    assert_eq!(resp.status(), 200, "reading usage used none of the one request a minute");
    let u: Value =
        p.client.get(&usage).bearer_auth(CI_BOT.0).send().await.unwrap().json().await.unwrap();
    assert_eq!(u["limits"][0]["kind"], "requestsPerMinute");
    assert_eq!(
        (u["limits"][0]["limit"].as_u64(), u["limits"][0]["used"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(u["limits"][0]["resetsIn"].as_str().unwrap().ends_with('s'), "{u}");
    assert_eq!(u["budgets"][0]["window"], "week");
    assert!(close(u["budgets"][0]["remainingUsd"].as_f64().unwrap(), 5.0 - 0.008), "{u}");
    // The key's spend, tokens and refusals, by its name: never its secret or digest.
    let again = p.client.post(&url).bearer_auth(CI_BOT.0).body(hello()).send().await.unwrap();
    assert_eq!(again.status(), 429);
    let addr = p.running.metrics_addr.unwrap();
    let metrics =
        reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    for want in [
        r#"parlance_spend_usd_total{key="reader",group="",component="echo",model=""} 0.008"#,
        r#"parlance_key_tokens_total{key="reader",group="",component="echo",model="",token_type="input"}"#,
        r#"parlance_key_refusals_total{key="reader",group="",component="echo",reason="limit"} 1"#,
    ] {
        assert!(metrics.contains(want), "no {want} in\n{metrics}");
    }
    assert!(!metrics.contains(CI_BOT.0) && !metrics.contains(CI_BOT.1), "a secret in metrics");
    let master = p.client.get(&usage).bearer_auth("master").send().await.unwrap();
    assert_eq!(master.status(), 404, "the master token has no usage of its own");
    let nobody = p.client.get(&usage).bearer_auth("sk-nope").send().await.unwrap();
    assert_eq!(nobody.status(), 401);
    p.running.shutdown().await;
}

#[tokio::test]
async fn a_stream_the_client_drops_is_charged_for_what_it_used() {
    use parlance_fake::Fault;
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let url = format!("{}/v1", fake.url());
    let meta = [
        ("key", "sk-test"),
        ("model", "gpt-4o-mini"),
        ("endpoint", url.as_str()),
        ("priceInputPerMTok", "1000"),
        ("priceOutputPerMTok", "1000"),
    ];
    let spec = "  budgets: [{usd: 5, window: week}]\n";
    let dir = resources(&[
        ("c.yaml", &component("paced", "conversation.openai", &meta)),
        ("k.yaml", &key("streamer", CI_BOT.1, spec)),
    ]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let conv = format!("{}/v1.0-alpha2/conversation/paced/converse", p.base);
    // A long answer, paced: the client reads its first event and hangs up.
    fake.push_fault(Fault::Pace { deltas: 20, every: Duration::from_millis(100) });
    let open = p.client.post(&conv).bearer_auth(CI_BOT.0).header("accept", "text/event-stream");
    let mut stream = open.body(ask("tell me a long story")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: chunk"));
    drop(stream);
    // The budget was charged for the prompt and the text streamed before the drop: not
    // nothing (a client must not get answers free by hanging up before the end).
    let usage = format!("{}/v1/usage", p.base);
    let deadline = Instant::now() + Duration::from_secs(5);
    let remaining = loop {
        let u: Value =
            p.client.get(&usage).bearer_auth(CI_BOT.0).send().await.unwrap().json().await.unwrap();
        let left = u["budgets"][0]["remainingUsd"].as_f64().unwrap();
        if left < 5.0 || Instant::now() > deadline {
            break left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(remaining < 5.0 && remaining > 4.0, "remaining {remaining}");
    let addr = p.running.metrics_addr.unwrap();
    let metrics =
        reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    let spent = metrics
        .lines()
        .find(|l| l.starts_with("parlance_spend_usd_total{key=\"streamer\""))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert!(spent.is_some_and(|s| s > 0.0), "no spend for the dropped stream:\n{metrics}");
    p.running.shutdown().await;
}
