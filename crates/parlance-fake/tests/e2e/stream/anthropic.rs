//! Anthropic Messages streams: named events that assemble to the plain message of a fresh fake.

use serde_json::{Value, json};

use super::*;

fn msg(text: &str) -> Value {
    json!({"model": "claude-sonnet-4-20250514", "max_tokens": 256, "system": "be brief",
        "messages": [{"role": "user", "content": text}]})
}

fn streaming(mut body: Value) -> Value {
    body["stream"] = json!(true);
    body
}

const HEADERS: [(&str, &str); 2] =
    [("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01")];

/// Folds the events into a message, checking the event order on the way.
pub fn assemble(sse: &Sse) -> Value {
    let names: Vec<&str> = sse.events.iter().map(|e| e.name.as_deref().unwrap()).collect();
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(&names[names.len() - 2..], ["message_delta", "message_stop"]);
    assert!(names.contains(&"ping"), "{names:?}");
    let mut message = Value::Null;
    let mut inputs: Vec<String> = Vec::new();
    for e in &sse.events {
        let data = e.json();
        assert_eq!(data["type"], e.name.as_deref().unwrap(), "type matches the event name");
        match e.name.as_deref().unwrap() {
            "message_start" => {
                message = data["message"].clone();
                assert_eq!(message["content"], json!([]));
                assert!(message["stop_reason"].is_null());
                assert!(message["usage"]["output_tokens"].as_u64().unwrap() <= 1);
            }
            "content_block_start" => {
                let i = data["index"].as_u64().unwrap() as usize;
                assert_eq!(message["content"].as_array().unwrap().len(), i);
                let block = data["content_block"].clone();
                if block["type"] == "tool_use" {
                    assert_eq!(block["input"], json!({}));
                    assert!(block["id"].is_string() && block["name"].is_string());
                } else {
                    assert_eq!(block, json!({"type": "text", "text": ""}));
                }
                message["content"].as_array_mut().unwrap().push(block);
                inputs.push(String::new());
            }
            "content_block_delta" => {
                let i = data["index"].as_u64().unwrap() as usize;
                let block = &mut message["content"][i];
                match data["delta"]["type"].as_str().unwrap() {
                    "text_delta" => {
                        let text = block["text"].as_str().unwrap().to_owned();
                        block["text"] = json!(text + data["delta"]["text"].as_str().unwrap());
                    }
                    "input_json_delta" => {
                        inputs[i].push_str(data["delta"]["partial_json"].as_str().unwrap())
                    }
                    other => panic!("delta type {other}"),
                }
            }
            "content_block_stop" => {
                let i = data["index"].as_u64().unwrap() as usize;
                if message["content"][i]["type"] == "tool_use" {
                    message["content"][i]["input"] = serde_json::from_str(&inputs[i]).unwrap();
                }
            }
            "message_delta" => {
                message["stop_reason"] = data["delta"]["stop_reason"].clone();
                message["stop_sequence"] = data["delta"]["stop_sequence"].clone();
                message["usage"]["output_tokens"] = data["usage"]["output_tokens"].clone();
            }
            "ping" | "message_stop" => {}
            other => panic!("unexpected event {other}"),
        }
    }
    message
}

/// (the stream of a fresh fake, the plain reply of another fresh fake), each after `warm`
/// (requests sent first, e.g. to fill the prompt cache).
async fn both(body: &Value, warm: &[Value]) -> (Streamed, Value) {
    let a = fake().await;
    let b = fake().await;
    for w in warm {
        assert_eq!(post_stream(&anthropic_url(&a), &HEADERS, w).await.status, 200);
        assert_eq!(post_stream(&anthropic_url(&b), &HEADERS, w).await.status, 200);
    }
    let s = post_stream(&anthropic_url(&a), &HEADERS, &streaming(body.clone())).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(s.content_type(), "text/event-stream; charset=utf-8");
    assert!(s.headers.get("request-id").is_some());
    let p = post_stream(&anthropic_url(&b), &HEADERS, body).await;
    assert_eq!(p.status, 200);
    (s, p.json())
}

#[tokio::test]
async fn text_stream_assembles_to_the_plain_message() {
    let (s, plain) = both(&msg("hello there big world"), &[]).await;
    let sse = s.sse();
    let deltas =
        sse.events.iter().filter(|e| e.name.as_deref() == Some("content_block_delta")).count();
    assert!(deltas >= 3, "{deltas}");
    let names: Vec<&str> = sse.events.iter().take(3).map(|e| e.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["message_start", "content_block_start", "ping"]);
    assert_eq!(assemble(&sse), plain);
}

#[tokio::test]
async fn tool_use_streams_input_json_pieces() {
    let mut body = msg("weather?");
    body["tools"] = json!([{"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]}}]);
    body["tool_choice"] = json!({"type": "tool", "name": "get_weather"});
    let (s, plain) = both(&body, &[]).await;
    let sse = s.sse();
    let pieces: Vec<String> = sse
        .events
        .iter()
        .filter(|e| e.name.as_deref() == Some("content_block_delta"))
        .map(|e| e.json()["delta"]["partial_json"].as_str().unwrap().to_owned())
        .collect();
    assert!(pieces.len() >= 3, "{pieces:?}");
    assert_eq!(pieces[0], "", "the first input_json_delta is empty, as Anthropic sends");
    let assembled = assemble(&sse);
    assert_eq!(assembled["stop_reason"], "tool_use");
    assert_eq!(assembled, plain);
}

#[tokio::test]
async fn cache_usage_and_stop_sequences_survive_streaming() {
    let mut body = msg("alpha beta gamma");
    body["system"] = json!([{"type": "text", "text": "a long shared system prompt", "cache_control": {"type": "ephemeral"}}]);
    body["stop_sequences"] = json!(["gamma"]);
    let (s, plain) = both(&body, std::slice::from_ref(&body)).await;
    let assembled = assemble(&s.sse());
    assert_eq!(assembled, plain);
    assert_eq!(assembled["stop_reason"], "stop_sequence");
    assert_eq!(assembled["stop_sequence"], "gamma");
    assert!(
        assembled["usage"]["cache_read_input_tokens"].as_u64().unwrap() > 0,
        "{}",
        assembled["usage"]
    );
    let start = s.sse().events[0].json();
    assert_eq!(
        start["message"]["usage"]["cache_read_input_tokens"],
        plain["usage"]["cache_read_input_tokens"]
    );
    assert!(start["message"]["usage"]["input_tokens"].is_u64());
}

#[tokio::test]
async fn an_empty_reply_has_no_block_but_a_ping() {
    let mut body = msg("x");
    body["stop_sequences"] = json!(["echo"]);
    let (s, plain) = both(&body, &[]).await;
    assert_eq!(plain["content"], json!([]));
    assert_eq!(assemble(&s.sse()), plain);
}

#[tokio::test]
async fn a_stream_field_that_is_not_a_boolean_is_rejected() {
    let fake = fake().await;
    let mut body = msg("x");
    body["stream"] = json!("yes");
    let r = post_stream(&anthropic_url(&fake), &HEADERS, &body).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["message"], "stream: Input should be a valid boolean");
    let mut body = streaming(msg("x"));
    body.as_object_mut().unwrap().remove("max_tokens");
    let r = post_stream(&anthropic_url(&fake), &HEADERS, &body).await;
    assert_eq!((r.status, r.content_type()), (400, "application/json"));
    let r = post_stream(
        &anthropic_url(&fake),
        &[("anthropic-version", "2023-06-01")],
        &streaming(msg("x")),
    )
    .await;
    assert_eq!(r.status, 401);
}
