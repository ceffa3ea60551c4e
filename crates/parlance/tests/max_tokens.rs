//! `max_tokens` on the Dapr door (issue #21 item 11): alpha2's new field 12 (`maxTokens` in
//! JSON, an int64: a number or a string of digits), on HTTP and gRPC, overriding a
//! `max_tokens` parameter; the echo component caps its words there and answers
//! `finish_reason: "length"`, as Dapr's echo will.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ECHO_COMPONENTS, path, resources, start};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_client::DaprClient;
use serde_json::{Value, json};

fn body(max: Value) -> String {
    let text = json!({"text": "one two three four five"});
    json!({"inputs": [{"messages": [{"ofUser": {"content": [text]}}]}], "maxTokens": max})
        .to_string()
}

fn choice(v: &Value) -> (&str, &str) {
    let c = &v["outputs"][0]["choices"][0];
    (c["finishReason"].as_str().unwrap(), c["message"]["content"].as_str().unwrap())
}

#[tokio::test]
async fn http_alpha2_caps_the_echo_at_max_tokens() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    for max in [json!(2), json!("2")] {
        let (status, v) = p.alpha2("echo", &body(max)).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(choice(&v), ("length", "one two"), "{v}");
        let usage = &v["outputs"][0]["usage"];
        assert_eq!(usage["completionTokens"], json!("2"), "{v}");
        assert_eq!(usage["promptTokens"], json!("5"), "{v}");
    }
    let (status, v) = p.alpha2("echo", &body(json!(10))).await;
    assert_eq!((status, choice(&v)), (200, ("stop", "one two three four five")));
    // The field overrides a `max_tokens` parameter.
    let mut b: Value = serde_json::from_str(&body(json!(1))).unwrap();
    b["parameters"] = json!({"max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "4"}});
    let (status, v) = p.alpha2("echo", &b.to_string()).await;
    assert_eq!((status, choice(&v)), (200, ("length", "one")), "{v}");
    for bad in [json!(0), json!(-3), json!("many"), json!(1.5)] {
        let (status, v) = p.alpha2("echo", &body(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {v}");
    }
}

#[tokio::test]
async fn grpc_alpha2_field_12_caps_the_echo() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    let mut c = DaprClient::connect(format!("http://{}", p.running.grpc_addrs[0])).await.unwrap();
    let content = vec![pb::ConversationMessageContent { text: "one two three".into() }];
    let user = pb::conversation_message::MessageTypes::OfUser(pb::ConversationMessageOfUser {
        name: None,
        content,
    });
    let message = pb::ConversationMessage { message_types: Some(user) };
    let input = pb::ConversationInputAlpha2 { messages: vec![message], scrub_pii: None };
    let req = |max| pb::ConversationRequestAlpha2 {
        name: "echo".into(),
        inputs: vec![input.clone()],
        max_tokens: max,
        ..Default::default()
    };
    let r = c.converse_alpha2(req(Some(2))).await.unwrap().into_inner();
    let choice = &r.outputs[0].choices[0];
    assert_eq!(choice.finish_reason, "length");
    assert_eq!(choice.message.as_ref().unwrap().content, "one two");
    let r = c.converse_alpha2(req(None)).await.unwrap().into_inner();
    assert_eq!(r.outputs[0].choices[0].finish_reason, "stop");
    let e = c.converse_alpha2(req(Some(0))).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument, "{e:?}");
}

/// The `maxTokens` metadata of an echo component caps a request that sets no cap; the
/// request's own `maxTokens` wins; a value that is no number is a `validate` error.
#[tokio::test]
async fn an_echo_components_max_tokens_metadata_is_its_default_cap() {
    let capped = common::component("short", "conversation.echo", &[("maxTokens", "3")]);
    let dir = resources(&[("short.yaml", capped.as_str())]);
    let p = start(&[path(&dir)]).await;
    let text = json!({"text": "one two three four five"});
    let plain = json!({"inputs": [{"messages": [{"ofUser": {"content": [text]}}]}]}).to_string();
    let (status, v) = p.alpha2("short", &plain).await;
    assert_eq!((status, choice(&v)), (200, ("length", "one two three")), "{v}");
    let (status, v) = p.alpha2("short", &body(json!(10))).await;
    assert_eq!((status, choice(&v)), (200, ("stop", "one two three four five")), "{v}");
    let broken = common::component("short", "conversation.echo", &[("maxTokens", "lots")]);
    let bad = resources(&[("short.yaml", broken.as_str())]);
    let (ok, out) = common::validate(&path(&bad));
    assert!(!ok && out.contains("maxTokens"), "{out}");
}
