//! Issue #22, end to end: API keys (`kind: APIKey`, `kind: APIKeyGroup`) on every door, and
//! their limits exact across replicas through one Redis.
//!
//! Redis comes from `PARLANCE_TEST_REDIS` (`redis://host:port`, set by `scripts/test`) or,
//! when unset, from a `redis-server` this test starts on a free port; the outage test always
//! starts its own. Windows follow a test clock file (`PARLANCE_TEST_CLOCK_FILE`) set to a
//! minute of its own, so that runs never share a window.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod replicas;

use std::time::{Duration, Instant};

use common::{ECHO_COMPONENTS, args, path, resources, start_with};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_client::DaprClient;
use replicas::{
    RedisServer, free_port, hello, key, own_minute, redis_component, redis_get, shared_redis,
    spawn, unique,
};
use serde_json::{Value, json};

/// sha256("sk-ci-bot"), sha256("sk-team-b"), sha256("sk-limited").
const CI_BOT: (&str, &str) =
    ("sk-ci-bot", "5537e95fbf97088a783ac334b60b505e7cfcbccef77e180839b7af904bf2d441");
const TEAM_B: (&str, &str) =
    ("sk-team-b", "292d075b18c9240a48b848c521422c5f418f7dd16b5c66755fe58d0fb6a43e1f");
const LIMITED: (&str, &str) =
    ("sk-limited", "703eb1a04b05a6f9b78414ea4c18b2b3a1d9e2d408eff2816eb8ab02132c992a");

#[tokio::test]
async fn keys_are_required_on_every_door_and_the_master_token_still_works() {
    let keys = [
        key("ci-bot", CI_BOT.1, "  components: [\"echo\"]\n"),
        key("team-b", TEAM_B.1, "  components: [\"test-*\"]\n"),
    ]
    .join("---\n");
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS), ("k.yaml", &keys)]);
    let p = start_with(args(&[path(&dir)]), Some("master")).await;
    let url = format!("{}/v1.0-alpha2/conversation/echo/converse", p.base);
    let send = |h: Option<(&'static str, String)>| {
        let mut r = p.client.post(&url).body(hello());
        if let Some((k, v)) = h {
            r = r.header(k, v);
        }
        r.send()
    };
    // Each way a client presents a key.
    for h in [
        ("authorization", format!("Bearer {}", CI_BOT.0)),
        ("x-api-key", CI_BOT.0.to_string()),
        ("dapr-api-token", CI_BOT.0.to_string()),
        ("dapr-api-token", "master".to_string()),
    ] {
        let resp = send(Some(h.clone())).await.unwrap();
        assert_eq!(resp.status(), 200, "{h:?}");
    }
    // Unknown, malformed, missing: exactly what an invalid dapr-api-token gets.
    for h in [
        Some(("authorization", "Bearer sk-ci-bo".to_string())),
        Some(("authorization", format!("Basic {}", CI_BOT.0))),
        Some(("x-api-key", String::new())),
        None,
    ] {
        let resp = send(h.clone()).await.unwrap();
        assert_eq!(resp.status(), 401, "{h:?}");
        assert_eq!(resp.text().await.unwrap(), "invalid api token");
    }
    // Health stays open.
    let health = p.client.get(format!("{}/v1.0/healthz", p.base)).send().await.unwrap();
    assert_eq!(health.status(), 204);
    // A component outside the key's list: 403 before any upstream call.
    let other = format!("{}/v1.0-alpha2/conversation/test-alpha2-echo/converse", p.base);
    let resp = p.client.post(&other).bearer_auth(CI_BOT.0).body(hello()).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errorCode"], "ERR_CONVERSATION_FORBIDDEN");
    // The OpenAI door: its own 401 and 403, and /v1/models lists only what the key may use.
    let chat =
        |model: &str| json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
    let v1 = format!("{}/v1/chat/completions", p.base);
    let resp = p.client.post(&v1).bearer_auth("sk-nope").json(&chat("echo")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_api_key");
    let resp = p.client.post(&v1).bearer_auth(TEAM_B.0).json(&chat("echo")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["type"], "permission_error");
    let resp = p.client.post(&v1).bearer_auth(TEAM_B.0).json(&chat("test-alpha2-echo")).send();
    assert_eq!(resp.await.unwrap().status(), 200);
    let models = |k: &'static str| {
        let r = p.client.get(format!("{}/v1/models", p.base)).bearer_auth(k).send();
        async move {
            let v: Value = r.await.unwrap().json().await.unwrap();
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(models(CI_BOT.0).await, ["echo"]);
    assert_eq!(models(TEAM_B.0).await, ["test-alpha2-echo"]);
    assert_eq!(models("master").await, ["echo", "test-alpha2-echo"]);
    // gRPC: metadata keys; unknown → UNAUTHENTICATED; outside the list → PERMISSION_DENIED.
    let mut g = DaprClient::connect(format!("http://{}", p.running.grpc_addrs[0])).await.unwrap();
    let call = |name: &str, md: Option<(&'static str, String)>| {
        let mut r = tonic::Request::new(grpc_request(name));
        if let Some((k, v)) = md {
            r.metadata_mut().insert(k, v.parse().unwrap());
        }
        r
    };
    let ok =
        g.converse_alpha2(call("echo", Some(("authorization", format!("Bearer {}", CI_BOT.0)))));
    assert!(ok.await.is_ok());
    let ok = g.converse_alpha2(call("echo", Some(("dapr-api-token", CI_BOT.0.into()))));
    assert!(ok.await.is_ok());
    let e =
        g.converse_alpha2(call("echo", Some(("dapr-api-token", "x".into())))).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    let e = g.converse_alpha2(call("echo", None)).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);
    let denied = call("test-alpha2-echo", Some(("dapr-api-token", CI_BOT.0.into())));
    let e = g.converse_alpha2(denied).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    p.running.shutdown().await;
}

fn grpc_request(name: &str) -> pb::ConversationRequestAlpha2 {
    let text = pb::ConversationMessageContent { text: "one two".into() };
    let user = pb::ConversationMessageOfUser { name: None, content: vec![text] };
    let message = pb::ConversationMessage {
        message_types: Some(pb::conversation_message::MessageTypes::OfUser(user)),
    };
    pb::ConversationRequestAlpha2 {
        name: name.into(),
        inputs: vec![pb::ConversationInputAlpha2 { messages: vec![message], scrub_pii: None }],
        ..Default::default()
    }
}

#[tokio::test]
async fn refusals_are_each_doors_429_with_retry_after_and_allowed_replies_carry_the_quota() {
    let clock = tempfile::NamedTempFile::new().unwrap();
    let minute = own_minute();
    std::fs::write(clock.path(), (minute + 15_000).to_string()).unwrap();
    let limits = "  limits:\n    requestsPerMinute: 2\n    tokensPerMinute: 100000\n";
    let dir =
        resources(&[("c.yaml", ECHO_COMPONENTS), ("k.yaml", &key("limited", LIMITED.1, limits))]);
    let p = spawn(&dir, clock.path()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1.0-alpha2/conversation/echo/converse", p.base);
    let first = client.post(&url).bearer_auth(LIMITED.0).body(hello()).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let h = first.headers();
    assert_eq!(h["x-ratelimit-limit-requests"], "2");
    assert_eq!(h["x-ratelimit-remaining-requests"], "1");
    assert_eq!(h["x-ratelimit-reset-requests"], "44s"); // 16 s into the minute
    assert_eq!(h["x-ratelimit-limit-tokens"], "100000");
    let v1 = format!("{}/v1/chat/completions", p.base);
    let chat = json!({"model": "echo", "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(
        client.post(&v1).bearer_auth(LIMITED.0).json(&chat).send().await.unwrap().status(),
        200
    );
    // The third request of the minute, on each door.
    let resp = client.post(&url).bearer_auth(LIMITED.0).body(hello()).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "44");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errorCode"], "ERR_CONVERSATION_RATE_LIMITED");
    let resp = client.post(&v1).bearer_auth(LIMITED.0).json(&chat).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "44");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        (body["error"]["type"].as_str(), body["error"]["code"].as_str()),
        (Some("rate_limit_error"), Some("rate_limit_exceeded"))
    );
    let mut g = DaprClient::connect(p.grpc.clone()).await.unwrap();
    let mut r = tonic::Request::new(grpc_request("echo"));
    r.metadata_mut().insert("dapr-api-token", LIMITED.0.parse().unwrap());
    let e = g.converse_alpha2(r).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::ResourceExhausted);
    assert_eq!(e.metadata().get("retry-after").unwrap(), "44");
    // The next UTC minute: room again.
    std::fs::write(clock.path(), (minute + 60_000).to_string()).unwrap();
    let resp = client.post(&url).bearer_auth(LIMITED.0).body(hello()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-ratelimit-remaining-requests"], "1");
}

#[tokio::test]
async fn three_replicas_on_one_redis_admit_exactly_the_limit() {
    let (host, _own) = shared_redis();
    let clock = tempfile::NamedTempFile::new().unwrap();
    let minute = own_minute();
    std::fs::write(clock.path(), minute.to_string()).unwrap();
    let name = unique("exact");
    let spec =
        "  store: counters\n  limits:\n    requestsPerMinute: 50\n    tokensPerMinute: 100\n";
    let dir = resources(&[
        ("c.yaml", ECHO_COMPONENTS),
        ("r.yaml", &redis_component("counters", &host)),
        ("k.yaml", &key(&name, CI_BOT.1, spec)),
    ]);
    let replicas = futures::future::join_all((0..3).map(|_| spawn(&dir, clock.path()))).await;
    let client = reqwest::Client::new();
    // Tokens first, one request at a time, round robin: each reply (8 tokens) settles its
    // reservation; the limit of 100 is reached within one request.
    let mut admitted_tokens = 0;
    for i in 0..30 {
        let r = &replicas[i % 3];
        let url = format!("{}/v1.0-alpha2/conversation/echo/converse", r.base);
        let resp = client.post(&url).bearer_auth(CI_BOT.0).body(hello()).send().await.unwrap();
        match resp.status().as_u16() {
            200 => admitted_tokens += 8,
            429 => {}
            s => panic!("unexpected status {s}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await; // let the settlement land
    }
    // 12 replies (96 tokens) still had room; the 13th took the window to 104.
    assert_eq!(admitted_tokens, 104, "tokens admitted across replicas");
    // Requests, in the next minute: 300 at once across three replicas.
    std::fs::write(clock.path(), (minute + 60_000).to_string()).unwrap();
    let name2 = unique("rpm");
    let spec = "  store: counters\n  limits:\n    requestsPerMinute: 50\n";
    std::fs::write(dir.path().join("k.yaml"), key(&name2, CI_BOT.1, spec)).unwrap();
    let replicas = futures::future::join_all((0..3).map(|_| spawn(&dir, clock.path()))).await;
    let mut calls = Vec::new();
    for i in 0..300 {
        let url = format!("{}/v1.0-alpha2/conversation/echo/converse", replicas[i % 3].base);
        let req = client.post(url).bearer_auth(CI_BOT.0).body(hello());
        calls.push(tokio::spawn(async move { req.send().await.unwrap().status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for c in calls {
        statuses.push(c.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((ok, limited), (50, 250), "exactly the limit across three replicas");
}

#[tokio::test]
async fn losing_redis_falls_back_to_per_replica_limits_without_hanging() {
    let port = free_port();
    let mut redis = RedisServer::start(port);
    let clock = tempfile::NamedTempFile::new().unwrap();
    let minute = own_minute();
    std::fs::write(clock.path(), minute.to_string()).unwrap();
    let spec = "  store: counters\n  limits:\n    requestsPerMinute: 3\n";
    let dir = resources(&[
        ("c.yaml", ECHO_COMPONENTS),
        ("r.yaml", &redis_component("counters", &format!("127.0.0.1:{port}"))),
        ("k.yaml", &key("outage", LIMITED.1, spec)),
    ]);
    let p = spawn(&dir, clock.path()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1.0-alpha2/conversation/echo/converse", p.base);
    let burst = |n: usize| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let mut ok = 0;
            for _ in 0..n {
                let started = Instant::now();
                let resp =
                    client.post(&url).bearer_auth(LIMITED.0).body(hello()).send().await.unwrap();
                assert!(
                    started.elapsed() < Duration::from_secs(3),
                    "a request hung: {:?}",
                    started.elapsed()
                );
                ok += usize::from(resp.status() == 200);
            }
            ok
        }
    };
    assert_eq!(burst(2).await, 2);
    let key = format!("parlance:v1:lim:key:outage:rpm:{}", minute / 60_000);
    assert_eq!(redis_get(port, &key).as_deref(), Some("2"), "counted in Redis");
    redis.stop();
    // Redis gone: counted in this replica, from zero, to the same limit.
    assert_eq!(burst(5).await, 3);
    let _redis = RedisServer::start(port);
    // Once the connection is back (after the back-off), admissions count in Redis again.
    let deadline = Instant::now() + Duration::from_secs(10);
    while burst(1).await == 0 {
        assert!(Instant::now() < deadline, "never admitted through Redis again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(redis_get(port, &key).as_deref(), Some("1"), "counting in Redis resumed");
}

#[test]
fn validate_lists_every_problem_of_a_key_file() {
    let bad = "apiVersion: parlance.dev/v1alpha1\nkind: APIKey\nmetadata: {name: bad}\nspec:\n  secret: {sha256: sk-live-oops}\n  limits: {requestsPerMinute: -1, concurrent: 100000000000}\n  budgets: [{usd: 5, window: fortnight}]\n";
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS), ("k.yaml", bad)]);
    let (ok, out) = common::validate(dir.path());
    assert!(!ok, "{out}");
    for want in [
        "spec.secret.sha256: must be the 64 lower-case hex digits",
        "spec.limits.requestsPerMinute: must be a positive integer, got -1",
        "spec.limits.concurrent: must be a positive integer of at most 1000000",
        "spec.budgets[0].window: must be day, week, month or total",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(!out.contains("sk-live-oops"), "a pasted key is never echoed:\n{out}");
}

#[tokio::test]
async fn a_stream_holds_its_slot_until_its_last_event_and_settles_its_tokens() {
    use parlance_fake::{FakeOptions, FakeUpstream, Fault};
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let component = common::openai("paced", &fake, &[]);
    let limits = "  limits:\n    concurrent: 1\n    tokensPerMinute: 100000\n";
    let dir = resources(&[("c.yaml", &component), ("k.yaml", &key("one", LIMITED.1, limits))]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let url = format!("{}/v1.0-alpha2/conversation/paced/converse", p.base);
    let ask =
        json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "go"}]}}]}]}).to_string();
    fake.push_fault(Fault::Pace { deltas: 8, every: Duration::from_millis(100) });
    let mut open = p.client.post(&url).bearer_auth(LIMITED.0).header("accept", "text/event-stream");
    open = open.body(ask.clone());
    let mut stream = open.send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: chunk"));
    // While the stream is open, its slot is taken on every door.
    let busy = p.client.post(&url).bearer_auth(LIMITED.0).body(ask.clone()).send().await.unwrap();
    assert_eq!(busy.status(), 429);
    assert_eq!(busy.headers()["retry-after"], "1");
    let body: Value = busy.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("concurrent limit of 1"), "{body}");
    let mut text = String::from_utf8_lossy(&first).to_string();
    while let Some(chunk) = stream.chunk().await.unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let complete = text.split("event: complete\ndata: ").nth(1).unwrap();
    let complete: Value = serde_json::from_str(complete.lines().next().unwrap()).unwrap();
    let total: u64 =
        complete["outputs"][0]["usage"]["totalTokens"].as_str().unwrap().parse().unwrap();
    assert!(total > 0, "{complete}");
    // Ended: the slot is free, and the stream's tokens were settled to its usage.
    let after = p.client.post(&url).bearer_auth(LIMITED.0).body(ask).send().await.unwrap();
    assert_eq!(after.status(), 200);
    let reserved_now = (16 + 2u64).div_ceil(4) + 1024;
    let remaining: u64 =
        after.headers()["x-ratelimit-remaining-tokens"].to_str().unwrap().parse().unwrap();
    assert_eq!(remaining, 100_000 - total - reserved_now);
    p.running.shutdown().await;
}
