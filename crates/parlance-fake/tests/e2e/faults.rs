//! Faults: scripted, by header and by model name; every kind.

use std::time::{Duration, Instant};

use parlance_fake::Fault;
use serde_json::{Value, json};

use crate::common::*;

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

fn url(fake: &parlance_fake::FakeUpstream) -> String {
    format!("{}/v1/chat/completions", fake.url())
}

#[tokio::test]
async fn scripted_faults_are_fifo_then_normal() {
    let fake = fake().await;
    fake.push_fault(Fault::Status { code: 429, retry_after: Some(2) });
    fake.push_fault(Fault::Status { code: 503, retry_after: None });
    let r = openai(&fake, &chat("gpt-4o")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.json["error"]["code"], "rate_limit_exceeded");
    assert!(r.json["error"]["message"].is_string() && r.json["error"].get("param").is_some());
    let r = openai(&fake, &chat("gpt-4o")).await;
    assert_eq!((r.status, r.header("retry-after")), (503, None));
    assert_eq!(r.json["error"]["type"], "server_error");
    assert_eq!(openai(&fake, &chat("gpt-4o")).await.status, 200);
    assert_eq!(fake.request_count(), 3, "faulted requests are recorded too");
}

#[tokio::test]
async fn default_fault_applies_until_cleared() {
    let fake = fake().await;
    fake.set_default_fault(Some(Fault::Status { code: 500, retry_after: None }));
    assert_eq!(openai(&fake, &chat("m")).await.status, 500);
    assert_eq!(openai(&fake, &chat("m")).await.status, 500);
    fake.set_default_fault(None);
    assert_eq!(openai(&fake, &chat("m")).await.status, 200);
}

#[tokio::test]
async fn header_and_model_faults_in_each_protocol_shape() {
    let fake = fake().await;
    let r = post(&url(&fake), &[BEARER, ("x-fake-fault", "status=429,retry-after=7")], &chat("m"))
        .await;
    assert_eq!((r.status, r.header("retry-after")), (429, Some("7")));
    let r = openai(&fake, &chat("fault:status=400")).await;
    assert_eq!((r.status, r.json["error"]["type"].as_str()), (400, Some("invalid_request_error")));

    let body = json!({"model": "fault:status=529", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]});
    let r = anthropic(&fake, &body).await;
    assert_eq!(r.status, 529);
    assert_eq!(r.json["type"], "error");
    assert_eq!(r.json["error"]["type"], "overloaded_error");

    let body = json!({"messages": [{"role": "user", "content": [{"text": "x"}]}]});
    let r = bedrock(&fake, "fault%3Astatus%3D429", &body).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json, json!({"message": "Too many requests, please wait before trying again."}));
    assert!(r.header("x-amzn-errortype").unwrap().starts_with("ThrottlingException:"));
}

#[tokio::test]
async fn a_bad_fault_spec_is_a_400() {
    let fake = fake().await;
    let r = post(&url(&fake), &[BEARER, ("x-fake-fault", "explode")], &chat("m")).await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("invalid fault spec"));
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let fake = fake().await;
    fake.push_fault(Fault::Delay(Duration::from_millis(200)));
    let started = Instant::now();
    let r = openai(&fake, &chat("m")).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: hi");
    let started = Instant::now();
    let r = openai(&fake, &chat("fault:delay=100ms")).await;
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn malformed_json_is_a_200_that_does_not_parse() {
    let fake = fake().await;
    let resp = client()
        .post(url(&fake))
        .header("authorization", "Bearer k")
        .header("x-fake-fault", "malformed")
        .json(&chat("m"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let bytes = resp.bytes().await.unwrap();
    assert!(!bytes.is_empty());
    assert!(
        serde_json::from_slice::<Value>(&bytes).is_err(),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
}

#[tokio::test]
async fn slow_body_sends_headers_first_then_dribbles() {
    let fake = fake().await;
    fake.push_fault(Fault::SlowBody(Duration::from_millis(60)));
    let started = Instant::now();
    let resp = client()
        .post(url(&fake))
        .header("authorization", "Bearer k")
        .json(&chat("m"))
        .send()
        .await
        .unwrap();
    let headers_at = started.elapsed();
    assert_eq!(resp.status().as_u16(), 200);
    let bytes = resp.bytes().await.unwrap();
    let body_at = started.elapsed();
    assert!(body_at >= Duration::from_millis(8 * 60), "body after {body_at:?}");
    assert!(headers_at < body_at / 2, "headers after {headers_at:?}, body after {body_at:?}");
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["choices"][0]["message"]["content"], "echo: hi");
}

#[tokio::test]
async fn drop_closes_the_connection() {
    let fake = fake().await;
    fake.push_fault(Fault::Drop);
    let err = client()
        .post(url(&fake))
        .header("authorization", "Bearer k")
        .json(&chat("m"))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert_eq!(fake.request_count(), 1);
    // The server keeps serving new connections.
    assert_eq!(openai(&fake, &chat("m")).await.status, 200);
    let err = client()
        .post(url(&fake))
        .header("authorization", "Bearer k")
        .json(&chat("fault:drop"))
        .send()
        .await;
    assert!(err.is_err());
}

#[tokio::test]
async fn hang_makes_the_client_time_out() {
    let fake = fake().await;
    fake.push_fault(Fault::Hang);
    let client = client_with_timeout(Duration::from_millis(300));
    let err = client
        .post(url(&fake))
        .header("authorization", "Bearer k")
        .json(&chat("m"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let err = client
        .post(url(&fake))
        .header("authorization", "Bearer k")
        .header("x-fake-fault", "hang")
        .json(&chat("m"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn dropping_the_fake_stops_the_server() {
    let fake = fake().await;
    let target = url(&fake);
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let err = client().post(target).json(&chat("m")).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}
