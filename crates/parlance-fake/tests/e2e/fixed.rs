//! Fixed-reply (benchmark) mode.

use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::json;

use crate::common::*;

async fn fixed() -> FakeUpstream {
    FakeUpstream::start(FakeOptions { fixed_reply: true, ..FakeOptions::default() }).await.unwrap()
}

#[tokio::test]
async fn answers_each_protocol_without_validation_or_recording() {
    let fake = fixed().await;
    let anything = json!({"whatever": true});
    let r = post(&format!("{}/v1/chat/completions", fake.url()), &[], &anything).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["object"], "chat.completion");
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: fixed");
    let r = post(&format!("{}/v1/messages", fake.url()), &[], &anything).await;
    assert_eq!(
        (r.json["type"].as_str(), r.json["stop_reason"].as_str()),
        (Some("message"), Some("end_turn"))
    );
    let r = post(&format!("{}/model/m/converse", fake.url()), &[], &anything).await;
    assert_eq!(r.json["output"]["message"]["content"][0]["text"], "echo: fixed");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn still_rejects_non_json_and_honours_scripted_faults() {
    let fake = fixed().await;
    let r = post_raw(&format!("{}/v1/messages", fake.url()), &[], b"nope".to_vec()).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["type"], "error");
    fake.push_fault(Fault::Status { code: 503, retry_after: Some(1) });
    let r = post(&format!("{}/v1/chat/completions", fake.url()), &[], &json!({})).await;
    assert_eq!((r.status, r.header("retry-after")), (503, Some("1")));
    let r = post(
        &format!("{}/v1/chat/completions", fake.url()),
        &[("x-fake-fault", "status=500")],
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 500);
}
