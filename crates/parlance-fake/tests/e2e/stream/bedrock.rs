//! Bedrock ConverseStream: binary event-stream frames (both CRCs checked by the decoder) that
//! assemble to the plain Converse reply of a fresh fake.

use aws_smithy_types::event_stream::Message;
use serde_json::{Value, json};

use super::*;

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn converse(text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": text}]}], "system": [{"text": "be brief"}],
        "inferenceConfig": {"maxTokens": 100}})
}

/// Folds the frames into a Converse reply, checking headers and order on the way.
pub fn assemble(frames: &[Message]) -> Value {
    let names: Vec<String> =
        frames.iter().map(|m| frame_header(m, ":event-type").unwrap()).collect();
    assert_eq!(names.first().map(String::as_str), Some("messageStart"));
    assert_eq!(&names[names.len() - 2..], ["messageStop", "metadata"]);
    let mut reply = json!({"output": {"message": {"role": null, "content": []}}});
    let mut inputs: Vec<String> = Vec::new();
    for (m, name) in frames.iter().zip(&names) {
        assert_eq!(frame_header(m, ":message-type").as_deref(), Some("event"));
        assert_eq!(frame_header(m, ":content-type").as_deref(), Some("application/json"));
        let p = frame_json(m);
        assert!(p["p"].is_string(), "payloads carry Bedrock's padding field");
        let content = reply["output"]["message"]["content"].as_array_mut().unwrap();
        let at = p["contentBlockIndex"].as_u64().map(|i| i as usize);
        match name.as_str() {
            "messageStart" => reply["output"]["message"]["role"] = p["role"].clone(),
            "contentBlockStart" => {
                assert_eq!(at, Some(content.len()));
                let t = &p["start"]["toolUse"];
                content.push(json!({"toolUse": {"toolUseId": t["toolUseId"], "name": t["name"], "input": null}}));
                inputs.push(String::new());
            }
            "contentBlockDelta" => {
                let i = at.unwrap();
                if let Some(text) = p["delta"]["text"].as_str() {
                    if content.len() == i {
                        content.push(json!({"text": ""}));
                        inputs.push(String::new());
                    }
                    let before = content[i]["text"].as_str().unwrap().to_owned();
                    content[i]["text"] = json!(before + text);
                } else {
                    inputs[i].push_str(p["delta"]["toolUse"]["input"].as_str().unwrap());
                }
            }
            "contentBlockStop" => {
                let i = at.unwrap();
                if content[i].get("toolUse").is_some() {
                    content[i]["toolUse"]["input"] = serde_json::from_str(&inputs[i]).unwrap();
                }
            }
            "messageStop" => reply["stopReason"] = p["stopReason"].clone(),
            "metadata" => {
                reply["usage"] = p["usage"].clone();
                reply["metrics"] = p["metrics"].clone();
            }
            other => panic!("unexpected event {other}"),
        }
    }
    reply
}

/// (frames of a fresh fake's stream, the plain reply of another fresh fake).
async fn both(body: &Value, warm: &[Value]) -> (Vec<Message>, Value) {
    let a = fake().await;
    let b = fake().await;
    for w in warm {
        assert_eq!(bedrock(&a, MODEL, w).await.status, 200);
        assert_eq!(bedrock(&b, MODEL, w).await.status, 200);
    }
    let s = bedrock_stream(&a, MODEL, &[], body).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(s.content_type(), "application/vnd.amazon.eventstream");
    assert!(s.headers.get("x-amzn-requestid").is_some());
    let (frames, error) = decode_frames(&s.body);
    assert_eq!(error, None);
    let plain = bedrock(&b, MODEL, body).await;
    assert_eq!(plain.status, 200);
    (frames, plain.json)
}

#[tokio::test]
async fn text_stream_assembles_to_the_plain_reply() {
    let (frames, plain) = both(&converse("hello big river"), &[]).await;
    let deltas = frames
        .iter()
        .filter(|m| frame_header(m, ":event-type").as_deref() == Some("contentBlockDelta"))
        .count();
    assert!(deltas >= 3, "{deltas}");
    assert_eq!(assemble(&frames), plain);
    let recorded_path = {
        let fake = fake().await;
        bedrock_stream(&fake, MODEL, &[], &converse("x")).await;
        fake.last_request().unwrap().path
    };
    assert_eq!(recorded_path, format!("/model/{MODEL}/converse-stream"));
}

#[tokio::test]
async fn tool_use_streams_input_fragments_and_cache_usage() {
    let mut body = converse("hi");
    body["system"] = json!([{"text": "shared prefix words"}, {"cachePoint": {"type": "default"}}]);
    body["toolConfig"] = json!({"tools": [{"toolSpec": {"name": "top_song", "description": "d",
        "inputSchema": {"json": {"type": "object", "properties": {"sign": {"type": "string"}, "year": {"type": "integer"}}, "required": ["sign", "year"]}}}}],
        "toolChoice": {"any": {}}});
    let (frames, plain) = both(&body, std::slice::from_ref(&body)).await;
    let names: Vec<String> =
        frames.iter().map(|m| frame_header(m, ":event-type").unwrap()).collect();
    assert_eq!(names[1], "contentBlockStart");
    let fragments = names.iter().filter(|n| *n == "contentBlockDelta").count();
    assert!(fragments >= 2, "{names:?}");
    let assembled = assemble(&frames);
    assert_eq!(assembled["stopReason"], "tool_use");
    assert!(
        assembled["usage"]["cacheReadInputTokens"].as_u64().unwrap() > 0,
        "{}",
        assembled["usage"]
    );
    assert_eq!(assembled, plain);
}

#[tokio::test]
async fn converse_stream_validates_like_converse() {
    let fake = fake().await;
    let url = bedrock_stream_url(&fake, MODEL);
    let r = post_stream(&url, &[], &converse("x")).await;
    assert_eq!((r.status, r.content_type()), (403, "application/json"));
    assert_eq!(r.json(), json!({"message": "Missing Authentication Token"}));
    let bad = json!({"messages": [{"role": "assistant", "content": [{"text": "x"}]}]});
    let r = bedrock_stream(&fake, MODEL, &[], &bad).await;
    assert_eq!(r.status, 400);
    let kind = r.headers.get("x-amzn-errortype").unwrap().to_str().unwrap();
    assert!(kind.starts_with("ValidationException"), "{kind}");
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature={}",
        "ab".repeat(32)
    );
    let r =
        post_stream(&url, &[("authorization", &auth), ("x-amz-date", AMZ_DATE)], &converse("x"))
            .await;
    assert_eq!(r.status, 403, "the credential scope is checked on converse-stream too");
}
