//! Issue 24: what the container image and a log collector rely on, against the real binary with
//! stderr redirected to a file (not a terminal): plain log lines without ANSI escape codes, JSON
//! lines with `--log-as-json`, one line per event, and `parlance healthcheck` (the image's
//! `HEALTHCHECK`, there being no curl in it) exiting 0 only on a healthy answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A parlance process on a free HTTP port whose stderr goes to a file.
struct Running {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn healthcheck(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parlance"))
        .arg("healthcheck")
        .args(args)
        .env_remove("DAPR_HTTP_PORT")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Starts the binary (built-in echo component, debug logs so a request writes lines too) and
/// waits until `parlance healthcheck` passes.
fn start(extra: &[&str]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("parlance.log");
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_parlance"))
        .args(["--dapr-http-port", &port.to_string(), "--dapr-grpc-port", "0"])
        .args(["--metrics-port", "0", "--log-level", "debug"])
        .args(extra)
        .env_remove("NO_COLOR")
        .env_remove("PARLANCE_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !healthcheck(&["--dapr-http-port", &port.to_string()]).0 {
        assert!(Instant::now() < deadline, "parlance did not become healthy");
        std::thread::sleep(Duration::from_millis(20));
    }
    Running { child, port, log, _dir: dir }
}

impl Running {
    /// Sends one echo request, stops the process and returns its log.
    fn one_request_then_log(mut self) -> String {
        let url = format!("http://127.0.0.1:{}/v1.0-alpha2/conversation/echo/converse", self.port);
        let body = r#"{"inputs":[{"messages":[{"ofUser":{"content":[{"text":"hi"}]}}]}]}"#;
        let client = reqwest::blocking::Client::new();
        assert!(client.post(url).body(body).send().unwrap().status().is_success());
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::fs::read_to_string(&self.log).unwrap()
    }
}

#[test]
fn redirected_logs_have_no_escape_codes_and_one_line_per_event() {
    let log = start(&[]).one_request_then_log();
    assert!(log.contains("parlance is ready"), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI escape codes in a redirected log:\n{log:?}");
    for line in log.lines() {
        // Every line opens an event with its RFC 3339 timestamp: no event spans two lines.
        let stamp = line.split(' ').next().unwrap_or_default();
        assert!(stamp.len() >= 20 && stamp.starts_with("20") && stamp.ends_with('Z'), "{line:?}");
    }
}

#[test]
fn log_as_json_writes_one_json_object_per_line() {
    let log = start(&["--log-as-json"]).one_request_then_log();
    assert!(!log.contains('\u{1b}'), "{log:?}");
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert!(events.len() >= 2, "{log}");
    for e in &events {
        assert!(e["timestamp"].is_string() && e["level"].is_string(), "{e}");
    }
    assert!(events.iter().any(|e| e["fields"]["message"] == "parlance is ready"), "{log}");
}

#[test]
fn healthcheck_passes_only_on_a_healthy_answer() {
    let running = start(&[]);
    let port = running.port.to_string();
    assert!(healthcheck(&["--dapr-http-port", &port]).0);
    assert!(healthcheck(&["--dapr-http-port", &port, "--path", "/v1.0/healthz/outbound"]).0);
    let (ok, why) = healthcheck(&["--dapr-http-port", &port, "--path", "/v1.0/nope"]);
    assert!(!ok && why.contains("404"), "{why}");
    drop(running.one_request_then_log());
    let (ok, why) = healthcheck(&["--dapr-http-port", &port, "--timeout", "1s"]);
    assert!(!ok && why.starts_with("unhealthy:"), "{why}");
}
