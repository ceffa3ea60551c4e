//! Response-cache latency and throughput over HTTP, in-process (issue #5): a keep-alive client
//! against parlance against the fake OpenAI upstream (fixed-reply mode, so the "miss" path is
//! parlance + one local upstream round trip, the cheapest a miss can ever be).
//!
//! Run: `cargo bench -p parlance --bench cache`. Redis comes from `PARLANCE_TEST_REDIS`, else a
//! `redis-server` started on a free port. Prints p50/p99 per path and hit throughput.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parlance::server;
use parlance_fake::{FakeOptions, FakeUpstream};

const N: usize = 4_000;

fn component(name: &str, fake: &str, extra: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.openai\n  metadata:\n  - name: key\n    value: k\n  - name: endpoint\n    value: {fake}/v1\n  - name: cacheTTL\n    value: 10m\n{extra}---\n"
    )
}

fn redis_yaml(host: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: benchstore\nspec:\n  type: state.redis\n  metadata:\n  - name: redisHost\n    value: \"{host}\"\n"
    )
}

fn body(text: &str) -> String {
    format!(r#"{{"inputs":[{{"messages":[{{"ofUser":{{"content":[{{"text":"{text}"}}]}}}}]}}]}}"#)
}

async fn start(dir: &std::path::Path) -> (server::Running, String) {
    let mut a = parlance::cli::try_parse_from(["parlance".to_string()]).unwrap().run;
    a.resources_path = vec![dir.to_path_buf()];
    a.dapr_http_port = 0;
    a.dapr_grpc_port = 0;
    a.metrics_port = 0;
    a.metrics_port = 0;
    let r = server::start(&a, None).await.unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{}", r.http_addrs[0]);
    (r, base)
}

async fn post(client: &reqwest::Client, url: &str, body: String, cc: Option<&str>) -> String {
    let mut req = client.post(url).body(body);
    if let Some(cc) = cc {
        req = req.header("cache-control", cc);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let cache = resp.headers().get("x-parlance-cache").map(|v| v.to_str().unwrap().to_string());
    let _ = resp.bytes().await.unwrap();
    cache.unwrap_or_default()
}

fn report(label: &str, mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let p50 = us(samples[samples.len() / 2]);
    let p99 = us(samples[samples.len() * 99 / 100]);
    let mean = samples.iter().map(|d| us(*d)).sum::<f64>() / samples.len() as f64;
    println!("{label:<34} p50 {p50:>8.1} µs   p99 {p99:>8.1} µs   mean {mean:>8.1} µs");
    p50
}

/// Sequential latency of `n` requests produced by `make(i)`, expecting status `want`.
async fn latency(
    client: &reqwest::Client,
    url: &str,
    n: usize,
    cc: Option<&str>,
    want: &str,
    make: impl Fn(usize) -> String,
) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let b = make(i);
        let t = Instant::now();
        let got = post(client, url, b, cc).await;
        out.push(t.elapsed());
        assert_eq!(got, want);
    }
    out
}

/// Requests per second with `conc` clients in flight.
async fn throughput(url: &str, total: usize, conc: usize, cc: Option<&'static str>) -> f64 {
    let client = reqwest::Client::new();
    let url = Arc::new(url.to_string());
    let t = Instant::now();
    let tasks: Vec<_> = (0..conc)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                for _ in 0..total / conc {
                    post(&client, &url, body("hot"), cc).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    total as f64 / t.elapsed().as_secs_f64()
}

fn redis() -> (String, Option<Child>) {
    if let Ok(url) = std::env::var("PARLANCE_TEST_REDIS") {
        return (url.trim_start_matches("redis://").trim_end_matches('/').to_string(), None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server on PATH");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    (format!("127.0.0.1:{port}"), Some(child))
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let fake = FakeUpstream::start(FakeOptions { fixed_reply: true, ..FakeOptions::default() })
        .await
        .unwrap();
    let (host, mut child) = redis();
    let run_id = std::process::id();
    let yaml = component("mem", &fake.url(), "")
        + &component(
            &format!("red{run_id}"),
            &fake.url(),
            "  - name: responseCacheStore\n    value: benchstore\n",
        )
        + &redis_yaml(&host);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), yaml).unwrap();
    let dir_path = dir.path().to_path_buf();
    let (a, base_a) = start(&dir_path).await;
    let (b, base_b) = start(&dir_path).await;
    let client = reqwest::Client::new();
    let mem = format!("{base_a}/v1.0-alpha2/conversation/mem/converse");
    let red_a = format!("{base_a}/v1.0-alpha2/conversation/red{run_id}/converse");
    let red_b = format!("{base_b}/v1.0-alpha2/conversation/red{run_id}/converse");
    // Warm up connections and allocators.
    latency(&client, &mem, 500, Some("no-store"), "bypass", |_| body("warm")).await;
    post(&client, &mem, body("hot"), None).await;
    latency(&client, &mem, 500, None, "hit", |_| body("hot")).await;

    println!("parlance response cache, {N} sequential requests per row, keep-alive HTTP/1.1");
    let miss = report(
        "miss (no-store → fake upstream)",
        latency(&client, &mem, N, Some("no-store"), "bypass", |i| body(&format!("m{i}"))).await,
    );
    let hit = report("memory hit", latency(&client, &mem, N, None, "hit", |_| body("hot")).await);
    latency(&client, &red_a, N, None, "miss", |i| body(&format!("r{i}"))).await;
    let rhit = report(
        "redis hit (other replica)",
        latency(&client, &red_b, N, None, "hit", |i| body(&format!("r{i}"))).await,
    );
    println!("ratios: miss/memory-hit {:.2}x, miss/redis-hit {:.2}x", miss / hit, miss / rhit);
    let tp_hit = throughput(&mem, 20_000, 16, None).await;
    let tp_miss = throughput(&mem, 20_000, 16, Some("no-store")).await;
    println!(
        "throughput, 16 clients: memory hits {tp_hit:.0} req/s, misses {tp_miss:.0} req/s ({:.2}x)",
        tp_hit / tp_miss
    );
    a.shutdown().await;
    b.shutdown().await;
    if let Some(c) = child.as_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
}
