//! Operations (issue 7): `/metrics` after traffic, load shedding with a fast 503, and SIGTERM
//! with requests in flight (they finish, the process exits 0).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{args, path, resources, start_with};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::json;

fn openai(name: &str, endpoint: &str, extra: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: conversation.openai\n  version: v1\n  metadata:\n  - name: key\n    value: sk-test\n  - name: model\n    value: gpt-4o-mini\n  - name: endpoint\n    value: {endpoint}\n{extra}"
    )
}

fn hello(scrub: bool) -> String {
    json!({"scrubPii": scrub, "inputs": [{"scrubPii": scrub, "messages": [{"ofUser": {"content": [{"text": "mail ada@example.com"}]}}]}]}).to_string()
}

/// A parlance process started by [`spawn_binary`].
struct Spawned {
    child: std::process::Child,
    base: String,
    /// Everything written to stderr, when captured (drained by a thread from the start, so a
    /// chatty log level can never fill the pipe).
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// Starts the real binary on a free HTTP port (gRPC and metrics on port 0) with `extra` flags and
/// `env`, and waits until it is healthy.
async fn spawn_binary(
    dir: &tempfile::TempDir,
    extra: &[&str],
    env: &[(&str, &str)],
    capture: bool,
) -> Spawned {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parlance"));
    cmd.args([
        "--dapr-http-port",
        &port.to_string(),
        "--dapr-grpc-port",
        "0",
        "--metrics-port",
        "0",
    ])
    .args(extra)
    .arg("--resources-path")
    .arg(dir.path())
    .stdout(Stdio::null())
    .stderr(if capture { Stdio::piped() } else { Stdio::null() })
    .envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut pipe, &mut s);
            s
        })
    });
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/v1.0/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Spawned { child, base, stderr }
}

#[tokio::test]
async fn metrics_after_traffic() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let cache = "  - name: cacheTTL\n    value: 1m\n";
    let dir = resources(&[("c.yaml", &openai("openai", &format!("{}/v1", fake.url()), cache))]);
    let p = start_with(args(&[path(&dir)]), None).await;
    for _ in 0..3 {
        let (status, _) = p.alpha2("openai", &hello(true)).await;
        assert_eq!(status, 200);
    }
    let (status, _) = p.alpha2("nope", &hello(false)).await;
    assert_eq!(status, 400);
    let addr = p.running.metrics_addr.unwrap();
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    for want in [
        r#"parlance_requests_total{api="alpha2",component="openai",code="OK",stream="false"} 3"#,
        r#"parlance_requests_total{api="alpha2",component="unknown",code="ERR_CONVERSATION_NOT_FOUND",stream="false"} 1"#,
        r#"parlance_overhead_seconds_count{api="alpha2",component="openai"} 3"#,
        r#"gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini",component="openai"} 1"#,
        r#"parlance_tokens_total{gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini",gen_ai_token_type="input",component="openai"}"#,
        r#"parlance_cache_requests_total{status="hit"} 2"#,
        r#"parlance_cache_requests_total{status="miss"} 1"#,
        r#"parlance_pii_entities_total{entity="EMAIL_ADDRESS"}"#,
        "parlance_requests_in_flight 0",
    ] {
        assert!(text.contains(want), "missing {want}\n{text}");
    }
}

#[tokio::test]
async fn overload_is_shed_at_once() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[("c.yaml", &openai("openai", &format!("{}/v1", fake.url()), ""))]);
    let mut a = args(&[path(&dir)]);
    a.max_concurrent_requests = 1;
    let p = start_with(a, None).await;
    fake.push_fault(Fault::Delay(Duration::from_millis(800)));
    let body = hello(false);
    let slow = p.alpha2("openai", &body);
    let shed = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = std::time::Instant::now();
        let r = p.alpha2("openai", &body).await;
        (r, started.elapsed())
    };
    let ((slow_status, _), ((status, got), took)) = tokio::join!(slow, shed);
    assert_eq!(slow_status, 200);
    assert_eq!(status, 503, "{got}");
    assert_eq!(got["errorCode"], "ERR_TOO_MANY_REQUESTS");
    assert!(took < Duration::from_millis(300), "shed fast, not queued: {took:?}");
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    fake.set_default_fault(Some(Fault::Delay(Duration::from_millis(700))));
    let dir = resources(&[("c.yaml", &openai("openai", &format!("{}/v1", fake.url()), ""))]);
    let Spawned { mut child, base, .. } = spawn_binary(&dir, &[], &[], false).await;
    let client = reqwest::Client::new();
    let url = format!("{base}/v1.0-alpha2/conversation/openai/converse");
    let in_flight = tokio::spawn(client.post(url).body(hello(false)).send());
    tokio::time::sleep(Duration::from_millis(250)).await;
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let resp = in_flight.await.unwrap().unwrap();
    assert_eq!(resp.status().as_u16(), 200, "the in-flight request finished");
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit 0 after a graceful shutdown: {status:?}");
}

#[tokio::test]
async fn traceparent_reaches_the_upstream() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let dir = resources(&[("c.yaml", &openai("openai", &format!("{}/v1", fake.url()), ""))]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let resp = p
        .client
        .post(format!("{}/v1.0-alpha2/conversation/openai/converse", p.base))
        .header("traceparent", tp)
        .body(hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let got = fake.last_request().unwrap();
    let sent = got.header("traceparent").unwrap();
    assert!(sent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"), "same trace: {sent}");
}

#[tokio::test]
async fn secrets_and_prompts_stay_out_of_the_logs_even_at_trace_level() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let secret = "sk-VERY-SECRET-0042";
    let component = openai("openai", &format!("{}/v1", fake.url()), "").replace("sk-test", secret);
    let dir = resources(&[("c.yaml", &component)]);
    let spawned =
        spawn_binary(&dir, &["--log-level", "debug"], &[("PARLANCE_LOG", "trace")], true).await;
    let Spawned { mut child, base, stderr: Some(reader) } = spawned else {
        panic!("stderr is captured")
    };
    let client = reqwest::Client::new();
    let prompt = "the-unmistakable-prompt-text-77";
    let body = json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": prompt}]}}]}]})
        .to_string();
    // A success, then an upstream failure: both paths must keep the prompt out of the logs.
    for (fault, want) in [(None, 200), (Some(Fault::Status { code: 500, retry_after: None }), 500)]
    {
        if let Some(f) = fault {
            fake.push_fault(f);
        }
        let resp = client
            .post(format!("{base}/v1.0-alpha2/conversation/openai/converse"))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), want);
    }
    assert!(
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success()
    );
    let out = tokio::task::spawn_blocking(move || {
        let _ = child.wait();
        reader.join().unwrap()
    })
    .await
    .unwrap();
    assert!(out.contains("conversation request"), "the per-request debug line is there: {out}");
    assert!(!out.contains(secret), "the key leaked into the logs");
    let leaks: Vec<&str> = out.lines().filter(|l| l.contains(prompt)).collect();
    assert!(leaks.is_empty(), "the prompt leaked into the logs: {leaks:?}");
}

/// A minimal OTLP/HTTP collector: records the body of every POST and answers 200.
async fn collector() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    store.lock().unwrap().push(buf[end + 4..end + 4 + len].to_vec());
                    buf.drain(..end + 4 + len);
                    let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
                }
            });
        }
    });
    (url, bodies)
}

#[tokio::test]
async fn spans_are_exported_over_otlp_without_content() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (otlp, bodies) = collector().await;
    let dir = resources(&[("c.yaml", &openai("openai", &format!("{}/v1", fake.url()), ""))]);
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "100")];
    let Spawned { mut child, base, .. } = spawn_binary(&dir, &[], &env, false).await;
    let client = reqwest::Client::new();
    let prompt = "a-prompt-that-must-not-be-exported";
    let body = json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": prompt}]}}]}]})
        .to_string();
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let resp = client
        .post(format!("{base}/v1.0-alpha2/conversation/openai/converse"))
        .header("traceparent", tp)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let upstream_tp = fake.last_request().unwrap().header("traceparent").unwrap().to_string();
    assert!(upstream_tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"), "{upstream_tp}");
    assert!(
        !upstream_tp.contains("00f067aa0ba902b7"),
        "the upstream's parent is parlance's span: {upstream_tp}"
    );
    assert!(
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    let all: Vec<u8> = bodies.lock().unwrap().concat();
    let has = |needle: &[u8]| all.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"chat gpt-4o-mini"), "span name exported ({} bytes)", all.len());
    assert!(
        has(b"gen_ai.usage.input_tokens") && has(b"gen_ai.provider.name"),
        "GenAI attributes exported"
    );
    assert!(!has(prompt.as_bytes()), "prompt text never exported");
}
