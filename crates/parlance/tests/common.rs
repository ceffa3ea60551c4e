//! Shared helpers for the end-to-end tests: start parlance on port 0 and talk HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parlance::cli::RunArgs;
use parlance::server::{self, Running};
use parlance_fake::FakeUpstream;
use serde_json::{Value, json};

/// A running parlance plus a client.
pub struct Parlance {
    pub running: Running,
    pub base: String,
    pub client: reqwest::Client,
}

pub fn args(resources: &[PathBuf]) -> RunArgs {
    let mut a = parlance::cli::try_parse_from(["parlance".to_string()]).unwrap().run;
    a.resources_path = resources.to_vec();
    a.dapr_http_port = 0;
    a.dapr_grpc_port = 0;
    a.metrics_port = 0;
    a.app_id = "test-app".into();
    a
}

pub async fn start(resources: &[PathBuf]) -> Parlance {
    start_with(args(resources), None).await
}

pub async fn start_with(args: RunArgs, token: Option<&str>) -> Parlance {
    let running = server::start(&args, token.map(str::to_string))
        .await
        .unwrap_or_else(|e| panic!("start: {e:?}"));
    let base = format!("http://{}", running.http_addrs[0]);
    Parlance { running, base, client: reqwest::Client::new() }
}

impl Parlance {
    pub async fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    pub async fn alpha1(&self, component: &str, body: &str) -> (u16, Value) {
        self.post(&format!("/v1.0-alpha1/conversation/{component}/converse"), body).await
    }

    pub async fn alpha2(&self, component: &str, body: &str) -> (u16, Value) {
        self.post(&format!("/v1.0-alpha2/conversation/{component}/converse"), body).await
    }
}

/// A component file of type `ty` with `meta` as quoted string values.
pub fn component(name: &str, ty: &str, meta: &[(&str, &str)]) -> String {
    let mut s = format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:\n"
    );
    for (k, v) in meta {
        s.push_str(&format!("  - name: {k}\n    value: \"{v}\"\n"));
    }
    s
}

/// An OpenAI component on `fake` (model `gpt-4o-mini`), with `extra` metadata.
pub fn openai(name: &str, fake: &FakeUpstream, extra: &[(&str, &str)]) -> String {
    let url = format!("{}/v1", fake.url());
    let mut meta = vec![("key", "sk-test"), ("model", "gpt-4o-mini"), ("endpoint", url.as_str())];
    meta.extend_from_slice(extra);
    component(name, "conversation.openai", &meta)
}

/// An Anthropic component on `fake` (model `claude-sonnet-4-20250514`), with `extra` metadata.
pub fn anthropic(name: &str, fake: &FakeUpstream, extra: &[(&str, &str)]) -> String {
    let url = format!("{}/v1/", fake.url());
    let mut meta =
        vec![("key", "sk-ant"), ("model", "claude-sonnet-4-20250514"), ("endpoint", url.as_str())];
    meta.extend_from_slice(extra);
    component(name, "conversation.anthropic", &meta)
}

/// A Bedrock component on `fake` (a Claude model in us-east-1, test keys), with `extra` metadata.
pub fn bedrock(name: &str, fake: &FakeUpstream, extra: &[(&str, &str)]) -> String {
    let url = fake.url();
    let mut meta = vec![
        ("model", "anthropic.claude-3-5-haiku-20241022-v1:0"),
        ("endpoint", url.as_str()),
        ("region", "us-east-1"),
        ("accessKey", "AKIDTEST"),
        ("secretKey", "secret/key"),
    ];
    meta.extend_from_slice(extra);
    component(name, "conversation.aws.bedrock", &meta)
}

/// Runs `parlance validate` on the folder `dir`; returns (success, stdout + stderr).
pub fn validate(dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parlance"))
        .args(["validate", "--resources-path"])
        .arg(dir)
        .output()
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Writes `files` (name, content) into a fresh temp dir.
pub fn resources(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

pub fn path(dir: &tempfile::TempDir) -> PathBuf {
    Path::new(dir.path()).to_path_buf()
}

pub const ECHO_COMPONENTS: &str = "apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: echo
spec:
  type: conversation.echo
  version: v1
  metadata:
  - name: key
    value: testkey
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: test-alpha2-echo
spec:
  type: conversation.echo
  version: v1
  metadata:
  - name: key
    value: testkey
";

/// Runs `cmd` to completion (killed after `limit`), returning success and the combined output.
pub fn run(mut cmd: Command, limit: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.log");
    let file = std::fs::File::create(&log).unwrap();
    cmd.stdout(Stdio::from(file.try_clone().unwrap())).stderr(Stdio::from(file));
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(&log).unwrap_or_default();
    match status {
        Some(s) => (s.success(), out),
        None => (false, format!("{out}\n(killed after {limit:?})")),
    }
}

/// Usage as echo reports it for `n` words in and out.
pub fn echo_usage(n: u64) -> Value {
    json!({"completionTokens": n.to_string(), "promptTokens": n.to_string(), "totalTokens": (2 * n).to_string()})
}

/// echo's alpha2 reply: one choice with `content`, `n` words of usage.
pub fn simple(finish: &str, content: &str, n: u64) -> Value {
    json!({"outputs":[{"choices":[{"finishReason":finish,"message":{"content":content}}],"usage":echo_usage(n)}]})
}

/// Dapr's alpha2 echo vectors, one per message type: (message, expected reply). Both doors
/// (`echo_vectors.rs` over HTTP, `grpc.rs` over both) must answer them identically.
pub fn alpha2_message_type_vectors() -> Vec<(Value, Value)> {
    vec![
        (
            json!({"ofUser": {"name": "user name", "content": [{"text": "user message"}]}}),
            simple("stop", "user message", 2),
        ),
        (
            json!({"ofSystem": {"name": "system name", "content": [{"text": "system message"}]}}),
            simple("stop", "system message", 2),
        ),
        (
            json!({"ofDeveloper": {"name": "dev name", "content": [{"text": "developer message"}]}}),
            simple("stop", "developer message", 2),
        ),
        (
            json!({"ofTool": {"toolId": "tool-123", "name": "tool name", "content": [{"text": "tool message"}]}}),
            simple(
                "stop",
                "Tool Response for tool ID 'tool-123' with name 'tool name': tool message",
                12,
            ),
        ),
        (
            json!({"ofAssistant": {"name": "assistant name", "content": [{"text": "assistant message"}],
            "toolCalls": [{"id": "call_123", "function": {"name": "test_function", "arguments": "test-string"}}]}}),
            json!({"outputs":[{"choices":[{"finishReason":"tool_calls","message":{"content":"assistant message",
            "toolCalls":[{"id":"call_123","function":{"name":"test_function","arguments":"test-string"}}]}}],
            "usage":{"completionTokens":"2","promptTokens":"2","totalTokens":"4"}}]}),
        ),
    ]
}

/// A fake upstream whose every answer is the status `code` (with `retry-after` seconds).
pub async fn failing(code: u16, retry_after: Option<u64>) -> FakeUpstream {
    let fake = FakeUpstream::start(parlance_fake::FakeOptions::default()).await.unwrap();
    fake.set_default_fault(Some(parlance_fake::Fault::Status { code, retry_after }));
    fake
}

/// A door's HTTP answer read whole: status, headers and body (each door's test adds how its
/// stream and error bodies read).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON (the test fails with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// Sends `req` and reads the whole answer.
pub async fn send(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Answer { status, headers, text: resp.text().await.unwrap() }
}

/// Starts parlance on a resources folder of these `(file name, YAML)` files; the folder lives
/// as long as the returned guard.
pub async fn setup(files: &[(&str, String)]) -> (Parlance, tempfile::TempDir) {
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    (start(&[path(&dir)]).await, dir)
}

/// An Anthropic Messages conversation's next turn: the assistant's `content` sent back, and a
/// new question.
pub fn second(first: &Value, content: &Value) -> Value {
    let mut body = first.clone();
    let messages = body["messages"].as_array_mut().unwrap();
    messages.push(json!({"role": "assistant", "content": content}));
    messages.push(json!({"role": "user", "content": "and three and three"}));
    body
}

/// `(event, data)` pairs of an Anthropic Messages stream.
pub fn events(text: &str) -> Vec<(String, Value)> {
    let frames = text.split("\n\n").filter(|f| !f.is_empty() && !f.starts_with(':'));
    let pair = |f: &str| {
        let (name, data) = f.split_once('\n').unwrap();
        let data = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
        (name.strip_prefix("event: ").unwrap().to_string(), data)
    };
    frames.map(pair).collect()
}

/// A streamed message's content blocks, assembled as the SDKs do.
pub fn assemble(events: &[(String, Value)]) -> Vec<Value> {
    let mut blocks: Vec<Value> = Vec::new();
    for (name, d) in events {
        match name.as_str() {
            "content_block_start" => blocks.push(d["content_block"].clone()),
            "content_block_delta" => {
                let b = &mut blocks[d["index"].as_u64().unwrap() as usize];
                let delta = &d["delta"];
                for (kind, key) in [
                    ("thinking_delta", "thinking"),
                    ("signature_delta", "signature"),
                    ("text_delta", "text"),
                ] {
                    if delta["type"] == kind {
                        let joined =
                            format!("{}{}", b[key].as_str().unwrap(), delta[key].as_str().unwrap());
                        b[key] = json!(joined);
                    }
                }
            }
            _ => {}
        }
    }
    blocks
}

/// A first Anthropic Messages turn with everything only Anthropic takes: thinking, and
/// `cache_control` on the system, a tool and the question (with `ttl` when given).
pub fn thinking_turn(model: &str, ttl: Option<&str>) -> Value {
    let mut cache = json!({"type": "ephemeral"});
    if let Some(ttl) = ttl {
        cache["ttl"] = json!(ttl);
    }
    json!({
        "model": model, "max_tokens": 2048,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "system": [{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
        "tools": [{"name": "Bash", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is two and two", "cache_control": cache}]}]
    })
}

/// POSTs `body` to an Anthropic route as Claude Code does (`?beta=true`, a version and the
/// given `anthropic-beta` values): the status and the body's text.
pub async fn post_beta(p: &Parlance, route: &str, betas: &str, body: &Value) -> (u16, String) {
    let req = p.client.post(format!("{}{route}?beta=true", p.base));
    let req = req.header("anthropic-version", "2023-06-01").header("anthropic-beta", betas);
    let resp = req.json(body).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}
