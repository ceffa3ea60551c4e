//! HTTPS: the generated certificate is trusted through the CA the fake hands out, ALPN picks
//! HTTP/2 or HTTP/1.1, and each request records the version it came over.

use parlance_fake::{FakeOptions, FakeUpstream};
use serde_json::json;

/// A reqwest client trusting only `ca_pem`; `h1`: offer only HTTP/1.1.
fn trusting(ca_pem: &str, h1: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let builder = reqwest::Client::builder().tls_certs_only([ca]);
    let builder = if h1 { builder.http1_only() } else { builder };
    builder.build().unwrap()
}

async fn chat(client: &reqwest::Client, url: &str) -> reqwest::Response {
    let body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]});
    client
        .post(format!("{url}/v1/chat/completions"))
        .bearer_auth("sk-test")
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn https_is_served_over_h2_or_http1_by_alpn() {
    let fake =
        FakeUpstream::start(FakeOptions { tls: true, ..FakeOptions::default() }).await.unwrap();
    assert!(fake.url().starts_with("https://127.0.0.1:"), "{}", fake.url());
    let ca = fake.ca_pem().unwrap().to_owned();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");

    let r = chat(&trusting(&ca, false), &fake.url()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(fake.last_request().unwrap().version, http::Version::HTTP_2);

    let r = chat(&trusting(&ca, true), &fake.url()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(fake.last_request().unwrap().version, http::Version::HTTP_11);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let fake =
        FakeUpstream::start(FakeOptions { tls: true, ..FakeOptions::default() }).await.unwrap();
    let other =
        FakeUpstream::start(FakeOptions { tls: true, ..FakeOptions::default() }).await.unwrap();
    let client = trusting(other.ca_pem().unwrap(), false);
    let e = client.post(format!("{}/v1/chat/completions", fake.url())).send().await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn the_binary_writes_its_ca_and_serves_https() {
    let dir = std::env::temp_dir().join(format!("parlance-fake-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_path = dir.join("ca.pem");
    let mut args: Vec<std::ffi::OsString> =
        ["--fixed", "--port", "0", "--tls", "--ca-out"].iter().map(Into::into).collect();
    args.push(ca_path.clone().into_os_string());
    let (mut child, url) = crate::common::spawn_binary(args);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca = std::fs::read_to_string(&ca_path).unwrap();
    let r = chat(&trusting(&ca, false), &url).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
}
