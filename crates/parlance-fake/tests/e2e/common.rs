//! Helpers shared by the end-to-end tests.

use std::time::Duration;

use parlance_fake::{FakeOptions, FakeUpstream};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A fake with default options.
pub async fn fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

/// A fake that requires `key`.
pub async fn fake_with_key(key: &str) -> FakeUpstream {
    FakeUpstream::start(FakeOptions { api_key: Some(key.into()), ..FakeOptions::default() })
        .await
        .unwrap()
}

/// A fresh client (fresh connections), with a generous timeout.
pub fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(10))
}

/// A fresh client with this overall timeout.
pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap()
}

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// POSTs raw bytes with headers.
pub async fn post_raw(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    let mut req = client().post(url).header("content-type", "application/json").body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    Reply { status, headers, json }
}

/// POSTs JSON with headers.
pub async fn post(url: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
    post_raw(url, headers, body.to_string().into_bytes()).await
}

pub const BEARER: (&str, &str) = ("authorization", "Bearer sk-test-123456789");

/// OpenAI: POST {fake}/v1/chat/completions with a bearer key.
pub async fn openai(fake: &FakeUpstream, body: &Value) -> Reply {
    post(&format!("{}/v1/chat/completions", fake.url()), &[BEARER], body).await
}

/// Anthropic headers with this key.
pub fn anthropic_headers(key: &str) -> [(&str, &str); 2] {
    [("x-api-key", key), ("anthropic-version", "2023-06-01")]
}

/// Anthropic: POST {fake}/v1/messages with valid headers.
pub async fn anthropic(fake: &FakeUpstream, body: &Value) -> Reply {
    post(&format!("{}/v1/messages", fake.url()), &anthropic_headers("sk-ant-test"), body).await
}

pub const AMZ_DATE: &str = "20240101T120000Z";

/// A well-formed SigV4 Authorization header for this access key.
pub fn sigv4(access_key: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={}",
        "ab".repeat(32)
    )
}

/// Bedrock: POST {fake}/model/{model}/converse with SigV4-shaped headers.
pub async fn bedrock(fake: &FakeUpstream, model: &str, body: &Value) -> Reply {
    let auth = sigv4("AKIDEXAMPLE");
    let url = format!("{}/model/{model}/converse", fake.url());
    post(&url, &[("authorization", &auth), ("x-amz-date", AMZ_DATE)], body).await
}

/// Runs the `parlance-fake` binary with `args` and returns it with the URL it printed on its
/// first line (`listening on URL`).
pub fn spawn_binary<I, S>(args: I) -> (std::process::Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parlance-fake"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    (child, url)
}
