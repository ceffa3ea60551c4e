//! Helpers for the end-to-end tests of issue #22 that run several parlance processes on one
//! Redis: key and store resources, processes on free ports with the test clock, a
//! `redis-server` of their own, a minute of each run's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

pub fn key(name: &str, digest: &str, spec: &str) -> String {
    format!(
        "apiVersion: parlance.dev/v1alpha1\nkind: APIKey\nmetadata:\n  name: {name}\nspec:\n  secret:\n    sha256: {digest}\n{spec}"
    )
}

pub fn redis_component(name: &str, host: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: state.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: \"{host}\"\n"
    )
}

pub fn hello() -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "one two three four"}]}}]}]})
        .to_string()
}

/// A minute of this run's own, far from any other run's (Unix ms, 1 s into the minute).
pub fn own_minute() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let salt = (now.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000;
    (now.as_secs() / 60 + 1_000_000 + salt * 100 + N.fetch_add(1, Ordering::SeqCst)) * 60_000
        + 1_000
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", own_minute() / 60_000)
}

/// A parlance process on free ports, with the test clock.
pub struct Spawned {
    child: Child,
    pub base: String,
    pub grpc: String,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn spawn(dir: &tempfile::TempDir, clock: &Path) -> Spawned {
    let (http, grpc) = (free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_parlance"))
        .args(["--dapr-http-port", &http.to_string(), "--dapr-grpc-port", &grpc.to_string()])
        .args(["--metrics-port", "0", "--log-level", "error", "--resources-path"])
        .arg(dir.path())
        .env("PARLANCE_TEST_CLOCK_FILE", clock)
        .env_remove("DAPR_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{http}");
    let spawned = Spawned { child, base, grpc: format!("http://127.0.0.1:{grpc}") };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = client.get(format!("{}/v1.0/healthz", spawned.base)).send().await;
        if ok.is_ok_and(|r| r.status() == 204) {
            return spawned;
        }
        assert!(Instant::now() < deadline, "parlance did not become healthy on {}", spawned.base);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `GET key` on the Redis at `port`, in plain RESP.
pub fn redis_get(port: u16, key: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()).unwrap();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    text.split("\r\n").nth(1).filter(|_| !text.starts_with("$-1")).map(str::to_string)
}

pub fn shared_redis() -> (String, Option<RedisServer>) {
    if let Ok(url) = std::env::var("PARLANCE_TEST_REDIS") {
        let host = url.trim_start_matches("redis://").split('/').next().unwrap_or("").to_string();
        return (host, None);
    }
    let port = free_port();
    (format!("127.0.0.1:{port}"), Some(RedisServer::start(port)))
}

/// A `redis-server` child process without persistence.
pub struct RedisServer {
    child: Option<Child>,
}

impl RedisServer {
    pub fn start(port: u16) -> RedisServer {
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
            .unwrap_or_else(|e| panic!("these tests need redis-server on PATH: {e}"));
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        RedisServer { child: Some(child) }
    }

    pub fn stop(&mut self) {
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
