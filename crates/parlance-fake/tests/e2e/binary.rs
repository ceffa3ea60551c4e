//! The `parlance-fake` binary: prints its URL on one line and serves.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn prints_the_url_and_serves_fixed_replies() {
    let (mut child, url) = spawn_binary(["--fixed", "--port", "0"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let r = post(&format!("{url}/v1/chat/completions"), &[], &json!({})).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: fixed");
}

#[tokio::test]
async fn the_binary_streams_with_its_default_fault() {
    let (mut child, url) = spawn_binary(["--fixed", "--port", "0", "--fault", "pace=4x5ms"]);
    let resp = client()
        .post(format!("{url}/v1/chat/completions"))
        .json(&json!({"stream": true}))
        .send()
        .await
        .unwrap();
    let body = resp.text().await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let contents =
        body.matches("\"content\":\"echo:").count() + body.matches("\"content\":\"fixed").count();
    assert_eq!(contents, 4, "{body}");
    assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
}
