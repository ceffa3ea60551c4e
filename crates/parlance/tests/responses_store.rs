//! Issue 21 item 2, end to end: the Responses door's stored responses in Redis
//! (`--responses-store`), shared by two parlance processes on the Redis at 127.0.0.1:6379 —
//! written on one, continued (`previous_response_id`), read (`GET`) and deleted on the other;
//! one key cannot reach another's; an entry expires after `--responses-ttl`; and with Redis
//! unreachable the answer still comes (the save counted as an error) while a look-up is a
//! prompt 503 in OpenAI's error shape, never a hang.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod replicas;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ECHO_COMPONENTS, path, resources};
use replicas::free_port;
use serde_json::{Value, json};

const CI: (&str, &str) =
    ("sk-ci-bot", "5537e95fbf97088a783ac334b60b505e7cfcbccef77e180839b7af904bf2d441");
const TEAM: (&str, &str) =
    ("sk-team-b", "292d075b18c9240a48b848c521422c5f418f7dd16b5c66755fe58d0fb6a43e1f");

/// A parlance process with its HTTP and metrics ports; killed on drop.
struct Proc {
    child: Child,
    base: String,
    metrics: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn spawn(dir: &tempfile::TempDir, extra: &[&str]) -> Proc {
    let (http, grpc, metrics) = (free_port(), free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_parlance"))
        .args(["--dapr-http-port", &http.to_string(), "--dapr-grpc-port", &grpc.to_string()])
        .args(["--metrics-port", &metrics.to_string(), "--log-level", "error"])
        .args(["--responses-store", "statestore"])
        .args(extra)
        .arg("--resources-path")
        .arg(dir.path())
        .env_remove("DAPR_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let p = Proc {
        child,
        base: format!("http://127.0.0.1:{http}"),
        metrics: format!("http://127.0.0.1:{metrics}/metrics"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = client.get(format!("{}/v1.0/healthz", p.base)).send().await;
        if ok.is_ok_and(|r| r.status() == 204) {
            return p;
        }
        assert!(Instant::now() < deadline, "parlance did not become healthy on {}", p.base);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn folder(redis_host: &str) -> tempfile::TempDir {
    let keys = [
        replicas::key("ci-bot", CI.1, "  components: [\"echo\"]\n"),
        replicas::key("team-b", TEAM.1, "  components: [\"echo\"]\n"),
    ]
    .join("---\n");
    let store = replicas::redis_component("statestore", redis_host);
    resources(&[("c.yaml", ECHO_COMPONENTS), ("k.yaml", &keys), ("s.yaml", &store)])
}

async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

fn text(v: &Value) -> &str {
    v["output"][0]["content"][0]["text"].as_str().unwrap_or_else(|| panic!("{v}"))
}

#[tokio::test]
async fn two_processes_share_stored_responses_through_redis() {
    let dir = folder("127.0.0.1:6379");
    let (a, b) = tokio::join!(
        spawn(&dir, &["--responses-ttl", "4s"]),
        spawn(&dir, &["--responses-ttl", "4s"])
    );
    let c = reqwest::Client::new();
    let post = |p: &Proc, key: &str, body: Value| {
        c.post(format!("{}/v1/responses", p.base)).bearer_auth(key).json(&body)
    };
    // Written on A.
    let ask = json!({"model": "echo", "instructions": "sys", "input": "alpha"});
    let (status, first) = call(post(&a, CI.0, ask)).await;
    assert_eq!(status, 200, "{first}");
    let id = first["id"].as_str().unwrap().to_string();
    // Continued and read on B.
    let follow = json!({"model": "echo", "input": "beta", "previous_response_id": id});
    let (status, second) = call(post(&b, CI.0, follow.clone())).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(text(&second), "alpha\nsys\nalpha\nbeta", "the history came from A's entry");
    let url = |p: &Proc, id: &str| format!("{}/v1/responses/{id}", p.base);
    let (status, got) = call(c.get(url(&b, &id)).bearer_auth(CI.0)).await;
    assert_eq!((status, &got), (200, &first), "B serves A's Response object as stored");
    // Another key reaches nothing, on either process.
    for p in [&a, &b] {
        let (status, e) = call(c.get(url(p, &id)).bearer_auth(TEAM.0)).await;
        assert_eq!(status, 404, "{e}");
        let (status, e) = call(post(p, TEAM.0, follow.clone())).await;
        assert_eq!(
            (status, e["error"]["code"].clone()),
            (400, json!("previous_response_not_found"))
        );
        let (status, _) = call(c.delete(url(p, &id)).bearer_auth(TEAM.0)).await;
        assert_eq!(status, 404);
    }
    // A streamed response is written to Redis too (beside its stream: poll briefly).
    let streamed = json!({"model": "echo", "input": "gamma", "stream": true});
    let sse = post(&b, CI.0, streamed).send().await.unwrap().text().await.unwrap();
    let sid = sse.split("\"id\":\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(sid.starts_with("resp_"), "{sid}");
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let (status, v) = call(c.get(url(&a, &sid)).bearer_auth(CI.0)).await;
        if status == 200 {
            assert_eq!(text(&v), "gamma");
            break;
        }
        assert!(Instant::now() < deadline, "a streamed response never reached Redis: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Deleted on A: gone on B.
    let (status, d) = call(c.delete(url(&a, &id)).bearer_auth(CI.0)).await;
    assert_eq!((status, d["deleted"].clone()), (200, json!(true)));
    assert_eq!(call(c.get(url(&b, &id)).bearer_auth(CI.0)).await.0, 404);
    assert_eq!(call(post(&b, CI.0, follow)).await.0, 400);
    // Expired after the TTL (4 s), on both.
    let (_, third) = call(post(&a, CI.0, json!({"model": "echo", "input": "delta"}))).await;
    let tid = third["id"].as_str().unwrap();
    assert_eq!(call(c.get(url(&b, tid)).bearer_auth(CI.0)).await.0, 200);
    tokio::time::sleep(Duration::from_millis(4_300)).await;
    assert_eq!(call(c.get(url(&a, tid)).bearer_auth(CI.0)).await.0, 404);
    assert_eq!(call(c.get(url(&b, tid)).bearer_auth(CI.0)).await.0, 404);
}

#[tokio::test]
async fn an_unreachable_redis_degrades_the_save_and_refuses_the_look_up_at_once() {
    let closed = free_port();
    let dir = folder(&format!("127.0.0.1:{closed}"));
    let p = spawn(&dir, &[]).await;
    let c = reqwest::Client::new();
    let started = Instant::now();
    let req = c.post(format!("{}/v1/responses", p.base)).bearer_auth(CI.0);
    let (status, v) = call(req.json(&json!({"model": "echo", "input": "alpha"}))).await;
    assert_eq!((status, text(&v)), (200, "alpha"), "the answer still comes");
    let id = v["id"].as_str().unwrap();
    let follow = json!({"model": "echo", "input": "beta", "previous_response_id": id});
    let req = c.post(format!("{}/v1/responses", p.base)).bearer_auth(CI.0);
    let (status, e) = call(req.json(&follow)).await;
    assert_eq!(status, 503, "{e}");
    assert_eq!(e["error"]["type"], "api_error");
    assert_eq!(e["error"]["code"], "store_unavailable");
    assert!(e["error"].as_object().unwrap().contains_key("param"), "{e}");
    let url = format!("{}/v1/responses/{id}", p.base);
    assert_eq!(call(c.get(&url).bearer_auth(CI.0)).await.0, 503);
    assert_eq!(call(c.delete(&url).bearer_auth(CI.0)).await.0, 503);
    assert!(started.elapsed() < Duration::from_secs(3), "no hang: {:?}", started.elapsed());
    let metrics = c.get(&p.metrics).send().await.unwrap().text().await.unwrap();
    for line in [
        r#"parlance_responses_store_errors_total{op="save"} 1"#,
        r#"parlance_responses_store_errors_total{op="get"} 2"#,
        r#"parlance_responses_store_errors_total{op="delete"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
}

#[tokio::test]
async fn a_store_that_is_not_a_redis_component_is_refused_at_start() {
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS)]);
    let mut a = common::args(&[path(&dir)]);
    a.responses_store = Some("echo".into());
    let e = parlance::server::start(&a, None).await.err().expect("refused");
    assert!(format!("{e:?}").contains("state.redis"), "{e:?}");
    a.responses_store = Some("nothing".into());
    let e = parlance::server::start(&a, None).await.err().expect("refused");
    assert!(format!("{e:?}").contains("no state.redis component named"), "{e:?}");
}
