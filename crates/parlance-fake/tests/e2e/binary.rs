//! The `parlance-fake` binary: prints its URL on one line and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn prints_the_url_and_serves_fixed_replies() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlance-fake"))
        .args(["--fixed", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let r = post(&format!("{url}/v1/chat/completions"), &[], &json!({})).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: fixed");
}

#[tokio::test]
async fn the_binary_streams_with_its_default_fault() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlance-fake"))
        .args(["--fixed", "--port", "0", "--fault", "pace=4x5ms"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap().to_owned();
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
