//! Every error row of spec §1.6 over HTTP, plus the sidecar endpoints and the API token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ECHO_COMPONENTS, args, path, resources, start, start_with};
use serde_json::json;

async fn echo_sidecar() -> (common::Parlance, tempfile::TempDir) {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    (start(&[path(&dir)]).await, dir)
}

fn assert_error(got: &serde_json::Value, code: &str, message: &str) {
    assert_eq!(got["errorCode"], code, "{got}");
    assert_eq!(got["message"], message, "{got}");
}

#[tokio::test]
async fn component_not_found() {
    let (p, _d) = echo_sidecar().await;
    for api in ["alpha1", "alpha2"] {
        let (status, got) =
            p.post(&format!("/v1.0-{api}/conversation/nope/converse"), r#"{"inputs":[]}"#).await;
        assert_eq!(status, 400);
        assert_error(
            &got,
            "ERR_CONVERSATION_NOT_FOUND",
            "failed finding conversation component nope",
        );
    }
}

#[tokio::test]
async fn missing_inputs() {
    let (p, _d) = echo_sidecar().await;
    for body in ["", "{}", r#"{"inputs":[]}"#, r#"{"inputs":null}"#] {
        let (status, got) = p.alpha2("echo", body).await;
        assert_eq!(status, 400, "{body:?}");
        assert_error(
            &got,
            "ERR_CONVERSATION_MISSING_INPUTS",
            "failed conversing with component echo: missing inputs in request",
        );
    }
    let (status, got) = p.alpha1("echo", "{}").await;
    assert_eq!(status, 400);
    assert_eq!(got["errorCode"], "ERR_CONVERSATION_MISSING_INPUTS");
}

#[tokio::test]
async fn invalid_params_rows() {
    let (p, _d) = echo_sidecar().await;
    let prefix = "failed conversing with component echo: invalid params: ";
    let cases = [
        (json!({"inputs": [{"messages": [{}]}]}), "message type cannot be nil"),
        (
            json!({"inputs": [{"messages": [{"ofAssistant": {"toolCalls": [{}]}}]}]}),
            "tool types cannot be nil",
        ),
        (
            json!({"toolChoice": "required", "inputs": [{"messages": [{"ofUser": {"content": [{"text": "hello"}]}}]}]}),
            "tool choice must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used",
        ),
        (
            json!({"toolChoice": "missing_tool", "tools": [{"function": {"name": "other_tool"}}],
                "inputs": [{"messages": [{"ofUser": {"content": [{"text": "hello"}]}}]}]}),
            "tool choice selected was not found. Must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used",
        ),
    ];
    for (body, detail) in cases {
        let (status, got) = p.alpha2("echo", &body.to_string()).await;
        assert_eq!(status, 400, "{body}");
        assert_error(&got, "ERR_CONVERSATION_INVALID_PARMS", &format!("{prefix}{detail}"));
    }
}

#[tokio::test]
async fn malformed_bodies() {
    let (p, _d) = echo_sidecar().await;
    for body in [
        "{not json",
        r#"{"scrubPii":"true","inputs":[]}"#,
        r#"{"inputs":[{"messages":[{"ofUser":{},"ofSystem":{}}]}]}"#,
        r#"{"parameters":{"x":{"@type":"type.googleapis.com/nope.Nope"}}}"#,
        r#"{"inputs":"x"}"#,
        r#"[1,2]"#,
    ] {
        let (status, got) = p.alpha2("echo", body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(got["errorCode"], "ERR_MALFORMED_REQUEST", "{body}");
        assert!(
            got["message"].as_str().unwrap().starts_with("failed deserializing HTTP body: "),
            "{got}"
        );
    }
}

#[tokio::test]
async fn invoke_error_is_500() {
    let (p, _d) = echo_sidecar().await;
    let body = json!({"tools": [{"function": {"name": "f", "parameters": {"properties": [1]}}}],
        "inputs": [{"messages": [{"ofUser": {"content": [{"text": "x"}]}}]}]});
    let (status, got) = p.alpha2("echo", &body.to_string()).await;
    assert_eq!(status, 500);
    assert_eq!(got["errorCode"], "ERR_CONVERSATION_INVOKE");
    assert!(
        got["message"].as_str().unwrap().starts_with("failed conversing with component echo: ")
    );
}

#[tokio::test]
async fn oversized_body_is_a_body_read_error() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let mut a = args(&[path(&dir)]);
    a.max_body_size = 1024;
    let p = start_with(a, None).await;
    let big = json!({"inputs": [{"content": "x".repeat(4096)}]}).to_string();
    let (status, got) = p.alpha1("echo", &big).await;
    assert_eq!(status, 400);
    assert_eq!(got["errorCode"], "ERR_BODY_READ");
    let (status, _) = p.alpha1("echo", r#"{"inputs":[{"content":"small"}]}"#).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unknown_routes_and_methods_fall_back_like_daprd() {
    let (p, _d) = echo_sidecar().await;
    let (status, got) = p.post("/v1.0/invoke/x/method/y", "{}").await;
    assert_eq!(status, 404);
    assert_eq!(got["errorCode"], "ERR_DIRECT_INVOKE");
    let resp = p
        .client
        .get(format!("{}/v1.0-alpha2/conversation/echo/converse", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let (status, _) =
        p.post("/v1.0-alpha2/conversation/echo/converse/", r#"{"inputs":[{}]}"#).await;
    assert_eq!(status, 200, "one trailing slash is accepted");
}

#[tokio::test]
async fn health_and_metadata() {
    let (p, _d) = echo_sidecar().await;
    for path in ["/v1.0/healthz", "/v1.0/healthz/outbound"] {
        let resp = p.client.get(format!("{}{path}", p.base)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 204);
    }
    let resp = p.client.get(format!("{}/v1.0/healthz?appid=other", p.base)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    let meta: serde_json::Value = p
        .client
        .get(format!("{}/v1.0/metadata", p.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["id"], "test-app");
    assert_eq!(
        meta["components"][0],
        json!({"name": "echo", "type": "conversation.echo", "version": "v1"})
    );
    assert!(meta["extended"]["daprRuntimeVersion"].is_string());
    let resp =
        p.client.put(format!("{}/v1.0/metadata/team", p.base)).body("llm").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let meta: serde_json::Value = p
        .client
        .get(format!("{}/v1.0/metadata", p.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["extended"]["team"], "llm");
}

#[tokio::test]
async fn api_token() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start_with(args(&[path(&dir)]), Some("s3cret")).await;
    let url = format!("{}/v1.0-alpha1/conversation/echo/converse", p.base);
    let body = r#"{"inputs":[{"content":"hi"}]}"#;
    for token in [None, Some("wrong"), Some("s3cre"), Some("")] {
        let mut rb = p.client.post(&url).body(body);
        if let Some(t) = token {
            rb = rb.header("dapr-api-token", t);
        }
        let resp = rb.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{token:?}");
        assert_eq!(resp.text().await.unwrap().trim(), "invalid api token");
    }
    let resp =
        p.client.post(&url).header("dapr-api-token", "s3cret").body(body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    for path in ["/v1.0/healthz", "/v1.0/healthz/outbound"] {
        let resp = p.client.get(format!("{}{path}", p.base)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 204, "{path} is exempt");
    }
    let resp = p.client.get(format!("{}/v1.0/metadata", p.base)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401, "metadata is not exempt");
}

#[tokio::test]
async fn builtin_echo_without_resources() {
    let p = start(&[]).await;
    let (status, got) = p.alpha1("echo", r#"{"inputs":[{"content":"out of the box"}]}"#).await;
    assert_eq!(status, 200);
    assert_eq!(got, json!({"outputs":[{"result":"out of the box"}]}));
}
