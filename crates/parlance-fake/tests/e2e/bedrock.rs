//! Bedrock Converse end to end.

use serde_json::{Value, json};

use crate::common::*;

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn converse(text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": text}]}], "system": [{"text": "be brief"}],
        "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 0.9}})
}

#[tokio::test]
async fn happy_path() {
    let fake = fake().await;
    let r = bedrock(&fake, MODEL, &converse("hello river")).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.json["output"]["message"],
        json!({"role": "assistant", "content": [{"text": "echo: hello river"}]})
    );
    assert_eq!(r.json["stopReason"], "end_turn");
    assert_eq!(
        r.json["usage"],
        json!({"inputTokens": 4, "outputTokens": 3, "totalTokens": 7, "cacheReadInputTokens": 0, "cacheWriteInputTokens": 0})
    );
    assert!(r.json["metrics"]["latencyMs"].is_u64());
    assert_eq!(r.header("x-amzn-requestid").unwrap().len(), 36);
    let recorded = fake.last_request().unwrap();
    assert_eq!(recorded.path, format!("/model/{MODEL}/converse"));
}

#[tokio::test]
async fn encoded_arn_model_ids_work() {
    let fake = fake().await;
    let r = bedrock(
        &fake,
        "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.x",
        &converse("hi"),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn auth_errors_have_the_bedrock_shape() {
    let fake = fake_with_key("AKIDRIGHT").await;
    let url = format!("{}/model/{MODEL}/converse", fake.url());
    let r = post(&url, &[], &converse("x")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json, json!({"message": "Missing Authentication Token"}));
    assert!(
        r.header("x-amzn-errortype").unwrap().starts_with("MissingAuthenticationTokenException")
    );
    let r =
        post(&url, &[("authorization", "Bearer nope"), ("x-amz-date", AMZ_DATE)], &converse("x"))
            .await;
    assert!(r.header("x-amzn-errortype").unwrap().starts_with("IncompleteSignatureException:"));
    let r = post(
        &url,
        &[("authorization", &sigv4("AKIDWRONG")), ("x-amz-date", AMZ_DATE)],
        &converse("x"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json["message"], "The security token included in the request is invalid.");
    assert!(r.header("x-amzn-errortype").unwrap().starts_with("UnrecognizedClientException"));
    let r = post(&url, &[("authorization", &sigv4("AKIDRIGHT"))], &converse("x")).await;
    assert!(r.header("x-amzn-errortype").unwrap().starts_with("IncompleteSignatureException"));
    let r = post(
        &url,
        &[("authorization", &sigv4("AKIDRIGHT")), ("x-amz-date", AMZ_DATE)],
        &converse("x"),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn validation_errors_have_the_bedrock_shape() {
    let fake = fake().await;
    let r = bedrock(
        &fake,
        MODEL,
        &json!({"messages": [{"role": "assistant", "content": [{"text": "x"}]}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"message": "A conversation must start with a user message. Try again with a conversation that starts with a user message."})
    );
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/")
    );
    let mut body = converse("x");
    body["inferenceConfig"]["maxTokens"] = json!(0);
    let r = bedrock(&fake, MODEL, &body).await;
    assert!(r.json["message"].as_str().unwrap().contains("inferenceConfig.maxTokens"));
    let r = post_raw(
        &format!("{}/model/{MODEL}/converse", fake.url()),
        &[("authorization", &sigv4("AK")), ("x-amz-date", AMZ_DATE)],
        b"{".to_vec(),
    )
    .await;
    assert!(r.header("x-amzn-errortype").unwrap().starts_with("SerializationException"));
}

#[tokio::test]
async fn tool_use_reply() {
    let fake = fake().await;
    let mut body = converse("hi");
    body["toolConfig"] = json!({"tools": [{"toolSpec": {"name": "top_song", "description": "d",
        "inputSchema": {"json": {"type": "object", "properties": {"sign": {"type": "string"}}, "required": ["sign"]}}}}],
        "toolChoice": {"any": {}}});
    let r = bedrock(&fake, MODEL, &body).await;
    assert_eq!(r.json["stopReason"], "tool_use");
    let tool_use = &r.json["output"]["message"]["content"][0]["toolUse"];
    assert_eq!(tool_use["name"], "top_song");
    assert_eq!(tool_use["input"], json!({"sign": "sample"}));
    assert!(tool_use["toolUseId"].as_str().unwrap().starts_with("tooluse_"));
    let msgs = body["messages"].as_array_mut().unwrap();
    msgs.push(r.json["output"]["message"].clone());
    msgs.push(json!({"role": "user", "content": [{"toolResult": {"toolUseId": tool_use["toolUseId"], "content": [{"json": {"song": "x"}}]}}]}));
    body["toolConfig"]["toolChoice"] = json!({"auto": {}});
    let r = bedrock(&fake, MODEL, &body).await;
    assert_eq!(r.json["output"]["message"]["content"][0]["text"], r#"echo: {"song":"x"}"#);
}

#[tokio::test]
async fn max_tokens_and_cache_points() {
    let fake = fake().await;
    let mut body = converse("one two three");
    body["inferenceConfig"]["maxTokens"] = json!(1);
    let r = bedrock(&fake, MODEL, &body).await;
    assert_eq!(r.json["stopReason"], "max_tokens");
    let mut body = converse("q");
    body["system"] = json!([{"text": "shared prefix words"}, {"cachePoint": {"type": "default"}}]);
    let first = bedrock(&fake, MODEL, &body).await;
    assert_eq!(first.json["usage"]["cacheWriteInputTokens"], 3);
    let second = bedrock(&fake, MODEL, &body).await;
    assert_eq!(second.json["usage"]["cacheReadInputTokens"], 3);
    assert_eq!(second.json["usage"]["inputTokens"], 1);
}
