//! Issue #5, end to end: the response cache over HTTP against the fake OpenAI upstream —
//! miss → hit, what changes the key, `Cache-Control`, errors, singleflight, expiry, and Redis
//! shared between two parlance instances, including Redis going away and coming back.
//!
//! Redis comes from `PARLANCE_TEST_REDIS` (`redis://host:port`, set by `scripts/test`) or, when
//! unset, from a `redis-server` this test starts on a free port. The outage test always starts
//! its own. Tests isolate themselves by unique component names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Parlance, args, path, resources, start_with};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::{Value, json};

/// A unique name per call, so parallel tests (and earlier runs against a shared Redis) never
/// see each other's entries.
fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

fn openai(name: &str, fake: &FakeUpstream, extra: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: conversation.openai
  version: v1
  metadata:
  - name: key
    value: test-key
  - name: model
    value: gpt-4o-mini
  - name: endpoint
    value: {}/v1
  - name: cacheTTL
    value: 10m
{extra}",
        fake.url()
    )
}

fn redis_component(name: &str, host: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: state.redis
  version: v1
  metadata:
  - name: redisHost
    value: \"{host}\"
  - name: redisPassword
    value: \"\"
"
    )
}

fn store_ref(store: &str) -> String {
    format!("  - name: responseCacheStore\n    value: {store}\n")
}

struct Sidecar {
    p: Parlance,
    _dir: tempfile::TempDir,
}

async fn sidecar(files: &[(&str, &str)]) -> Sidecar {
    let dir = resources(files);
    let p = start_with(args(&[path(&dir)]), None).await;
    Sidecar { p, _dir: dir }
}

async fn fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

fn body(text: &str) -> Value {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}]}]})
}

/// Posts an alpha2 request; returns status, `x-parlance-cache` and the JSON body.
async fn converse(
    p: &Parlance,
    component: &str,
    body: &Value,
    cache_control: Option<&str>,
) -> (u16, String, Value) {
    let url = format!("{}/v1.0-alpha2/conversation/{component}/converse", p.base);
    let mut req = p.client.post(url).json(body);
    if let Some(cc) = cache_control {
        req = req.header("cache-control", cc);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let cache = resp
        .headers()
        .get("x-parlance-cache")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, cache, resp.json().await.unwrap_or(Value::Null))
}

async fn status_of(p: &Parlance, component: &str, body: &Value) -> String {
    let (code, cache, got) = converse(p, component, body, None).await;
    assert_eq!(code, 200, "{got}");
    cache
}

fn content(v: &Value) -> &str {
    v["outputs"][0]["choices"][0]["message"]["content"].as_str().unwrap_or("")
}

#[tokio::test]
async fn miss_then_hit_with_the_stored_usage() {
    let fake = fake().await;
    let name = unique("hit");
    let s = sidecar(&[("c.yaml", &openai(&name, &fake, ""))]).await;
    let (_, first, a) = converse(&s.p, &name, &body("hello there"), None).await;
    let (_, second, b) = converse(&s.p, &name, &body("hello there"), None).await;
    assert_eq!((first.as_str(), second.as_str()), ("miss", "hit"));
    assert_eq!(a, b, "a hit answers exactly what the miss did, usage included");
    assert!(a["outputs"][0]["usage"].is_object(), "{a}");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn every_part_of_the_request_is_in_the_key() {
    let fake = fake().await;
    let name = unique("key");
    let other = unique("key-other");
    let yaml = format!("{}---\n{}", openai(&name, &fake, ""), openai(&other, &fake, ""));
    let s = sidecar(&[("c.yaml", &yaml)]).await;
    let base = body("what is the key?");
    assert_eq!(status_of(&s.p, &name, &base).await, "miss");
    let tool = json!([{"function": {"name": "lookup", "parameters": {"type": "object"}}}]);
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let variants = [
        body("what is the key!"),
        with("temperature", json!(0.5)),
        with("tools", tool.clone()),
        with("metadata", json!({"tenant": "a"})),
        with("responseFormat", json!({"type": "object", "properties": {"a": {"type": "string"}}})),
        with(
            "parameters",
            json!({"max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "5"}}),
        ),
        with("promptCacheRetention", json!("60s")),
        json!({"inputs": [{"messages": [{"ofSystem": {"content": [{"text": "what is the key?"}]}}]}]}),
    ];
    for v in &variants {
        assert_eq!(status_of(&s.p, &name, v).await, "miss", "{v}");
        assert_eq!(status_of(&s.p, &name, v).await, "hit", "{v}");
    }
    let mut choice = with("tools", tool);
    choice["toolChoice"] = json!("none");
    assert_eq!(status_of(&s.p, &name, &choice).await, "miss", "tool choice");
    assert_eq!(status_of(&s.p, &other, &base).await, "miss", "another component");
    assert_eq!(status_of(&s.p, &name, &base).await, "hit");
    assert_eq!(fake.request_count(), 2 + variants.len() + 1);
}

#[tokio::test]
async fn the_key_is_built_after_input_scrubbing() {
    let fake = fake().await;
    let name = unique("pii");
    let s = sidecar(&[("c.yaml", &openai(&name, &fake, ""))]).await;
    let scrubbed = |email: &str| json!({"inputs": [{"scrubPii": true, "messages": [{"ofUser": {"content": [{"text": format!("mail {email} now")}]}}]}]});
    assert_eq!(status_of(&s.p, &name, &scrubbed("ann@example.com")).await, "miss");
    assert_eq!(status_of(&s.p, &name, &scrubbed("bob@example.org")).await, "hit");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn no_cache_refreshes_and_no_store_bypasses() {
    let fake = fake().await;
    let name = unique("cc");
    let s = sidecar(&[("c.yaml", &openai(&name, &fake, ""))]).await;
    let b = body("cache control");
    let ask = |cc| converse(&s.p, &name, &b, cc);
    assert_eq!(ask(Some("no-store")).await.1, "bypass");
    assert_eq!(ask(None).await.1, "miss", "no-store stored nothing");
    assert_eq!(ask(Some("no-cache")).await.1, "miss", "no-cache skips the look-up");
    assert_eq!(ask(Some("max-age=0, No-Store")).await.1, "bypass");
    assert_eq!(ask(None).await.1, "hit");
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn errors_are_not_cached() {
    let fake = fake().await;
    let name = unique("err");
    let s = sidecar(&[("c.yaml", &openai(&name, &fake, ""))]).await;
    fake.push_fault(Fault::Status { code: 500, retry_after: None });
    let b = body("fails once");
    let (code, _, got) = converse(&s.p, &name, &b, None).await;
    assert_eq!(code, 500, "{got}");
    let upstream_calls = fake.request_count();
    assert_eq!(status_of(&s.p, &name, &b).await, "miss");
    assert_eq!(status_of(&s.p, &name, &b).await, "hit");
    assert_eq!(fake.request_count(), upstream_calls + 1);
}

#[tokio::test]
async fn fifty_concurrent_identical_misses_make_one_upstream_call() {
    let fake = fake().await;
    fake.set_default_fault(Some(Fault::Delay(Duration::from_millis(300))));
    let name = unique("burst");
    let s = sidecar(&[("c.yaml", &openai(&name, &fake, ""))]).await;
    let b = body("everyone at once");
    let calls = (0..50).map(|_| converse(&s.p, &name, &b, None));
    let results = futures_join(calls).await;
    for (code, _, got) in &results {
        assert_eq!(*code, 200, "{got}");
        assert_eq!(content(got), content(&results[0].2));
    }
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn entries_expire_after_the_ttl() {
    let fake = fake().await;
    let name = unique("ttl");
    let yaml = openai(&name, &fake, "").replace("value: 10m", "value: 1s");
    let s = sidecar(&[("c.yaml", &yaml)]).await;
    let b = body("short lived");
    assert_eq!(status_of(&s.p, &name, &b).await, "miss");
    assert_eq!(status_of(&s.p, &name, &b).await, "hit");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(status_of(&s.p, &name, &b).await, "miss");
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn a_missing_store_is_a_config_problem() {
    let dir = resources(&[(
        "c.yaml",
        &format!(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: c\nspec:\n  type: conversation.echo\n  metadata:\n  - name: cacheTTL\n    value: 1m\n{}",
            store_ref("nostore")
        ),
    )]);
    let err = parlance::server::load_plan(&[path(&dir)]).unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(err[0].path, "spec.metadata[1]");
    assert!(err[0].message.contains("\"nostore\""), "{}", err[0].message);
}

#[tokio::test]
async fn two_instances_share_one_redis() {
    let (host, _own) = shared_redis();
    let fake = fake().await;
    let name = unique("shared");
    let store = unique("store");
    let files = [
        ("c.yaml", openai(&name, &fake, &store_ref(&store))),
        ("r.yaml", redis_component(&store, &host)),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let a = sidecar(&files).await;
    let b = sidecar(&files).await;
    let q = body("shared between replicas");
    assert_eq!(status_of(&a.p, &name, &q).await, "miss");
    assert_eq!(status_of(&b.p, &name, &q).await, "hit");
    assert_eq!(status_of(&b.p, &name, &q).await, "hit");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn redis_going_away_means_bypass_then_hits_resume() {
    let port = free_port();
    let mut redis = RedisServer::start(port);
    let host = format!("127.0.0.1:{port}");
    let fake = fake().await;
    let name = unique("outage");
    let store = unique("store");
    let files = [
        ("c.yaml", openai(&name, &fake, &store_ref(&store))),
        ("r.yaml", redis_component(&store, &host)),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let a = sidecar(&files).await;
    assert_eq!(status_of(&a.p, &name, &body("before")).await, "miss");
    redis.stop();
    let started = Instant::now();
    assert_eq!(status_of(&a.p, &name, &body("during 1")).await, "bypass");
    assert_eq!(status_of(&a.p, &name, &body("during 2")).await, "bypass");
    assert!(started.elapsed() < Duration::from_secs(2), "bounded wait: {:?}", started.elapsed());
    let _redis = RedisServer::start(port);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    let resumed = loop {
        n += 1;
        let q = body(&format!("after {n}"));
        if status_of(&a.p, &name, &q).await == "miss" {
            break q;
        }
        assert!(Instant::now() < deadline, "parlance did not reconnect to Redis");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let b = sidecar(&files).await;
    assert_eq!(status_of(&b.p, &name, &resumed).await, "hit", "written to the restarted Redis");
}

/// Polls every future together (no extra dependency).
async fn futures_join<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = fs.map(Box::pin).collect();
    let mut slots: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
    let mut handles: Vec<Option<_>> = handles.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (h, slot) in handles.iter_mut().zip(slots.iter_mut()) {
            if let Some(f) = h {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *slot = Some(v);
                        *h = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    slots.into_iter().map(Option::unwrap).collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `host:port` of the Redis to share, and the server this test started (if it had to).
fn shared_redis() -> (String, Option<RedisServer>) {
    if let Ok(url) = std::env::var("PARLANCE_TEST_REDIS") {
        let host = url.trim_start_matches("redis://").split('/').next().unwrap_or("").to_string();
        return (host, None);
    }
    let port = free_port();
    (format!("127.0.0.1:{port}"), Some(RedisServer::start(port)))
}

/// A `redis-server` child process without persistence.
struct RedisServer {
    child: Option<Child>,
}

impl RedisServer {
    fn start(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("these tests need redis-server on PATH (apt-get install redis-server): {e}")
            });
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer { child: Some(child) }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
