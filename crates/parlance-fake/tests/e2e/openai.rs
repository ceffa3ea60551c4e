//! OpenAI Chat Completions (and Azure) end to end.

use serde_json::{Value, json};

use crate::common::*;

fn chat(text: &str) -> Value {
    json!({"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}]})
}

#[tokio::test]
async fn happy_path_echoes_and_reports_usage() {
    let fake = fake().await;
    let r = openai(&fake, &chat("hello big world")).await;
    assert_eq!(r.status, 200);
    let j = &r.json;
    assert!(j["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(j["object"], "chat.completion");
    assert_eq!(j["model"], "gpt-4o-mini");
    assert!(j["created"].as_u64().unwrap() > 1_600_000_000);
    assert!(j["system_fingerprint"].as_str().unwrap().starts_with("fp_"));
    assert_eq!(j["choices"][0]["message"]["role"], "assistant");
    assert_eq!(j["choices"][0]["message"]["content"], "echo: hello big world");
    assert_eq!(j["choices"][0]["finish_reason"], "stop");
    let u = &j["usage"];
    assert_eq!(
        (u["prompt_tokens"].as_u64(), u["completion_tokens"].as_u64(), u["total_tokens"].as_u64()),
        (Some(5), Some(4), Some(9))
    );
    assert_eq!(u["prompt_tokens_details"], json!({"cached_tokens": 0, "audio_tokens": 0}));
    assert_eq!(u["completion_tokens_details"]["reasoning_tokens"], 0);
    assert_eq!(u["completion_tokens_details"]["rejected_prediction_tokens"], 0);
    assert!(r.header("x-request-id").is_some());
}

#[tokio::test]
async fn any_path_prefix_is_openai() {
    let fake = fake().await;
    for path in [
        "/chat/completions",
        "/v1beta/openai/chat/completions",
        "/hf-inference/models/org/m/v1/chat/completions",
    ] {
        let r = post(&format!("{}{path}", fake.url()), &[BEARER], &chat("x")).await;
        assert_eq!(r.status, 200, "{path}");
    }
}

#[tokio::test]
async fn auth_errors() {
    let fake = fake_with_key("sk-right-key-0001").await;
    let url = format!("{}/v1/chat/completions", fake.url());
    let r = post(&url, &[], &chat("x")).await;
    assert_eq!(r.status, 401);
    assert!(
        r.json["error"]["message"].as_str().unwrap().starts_with("You didn't provide an API key.")
    );
    assert_eq!(r.json["error"]["type"], "invalid_request_error");
    let r = post(&url, &[("authorization", "Bearer sk-wrong-key-9999")], &chat("x")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json["error"]["code"], "invalid_api_key");
    assert_eq!(r.json["error"]["param"], Value::Null);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("sk-**********9999"));
    let r = post(&url, &[("authorization", "Bearer sk-right-key-0001")], &chat("x")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn validation_errors_have_the_openai_shape() {
    let fake = fake().await;
    let r = openai(&fake, &json!({"model": "m", "messages": []})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"error": {
        "message": "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "type": "invalid_request_error", "param": "messages", "code": "empty_array"}})
    );
    let r = openai(&fake, &json!({"messages": [{"role": "user", "content": "x"}]})).await;
    assert_eq!(r.json["error"]["message"], "you must provide a model parameter");
    let r = openai(&fake, &json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}))
        .await;
    assert_eq!(r.json["error"]["param"], "messages[0].role");
    assert_eq!(r.json["error"]["code"], "invalid_value");
    let r =
        post_raw(&format!("{}/v1/chat/completions", fake.url()), &[BEARER], b"{not json".to_vec())
            .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("We could not parse the JSON body")
    );
}

#[tokio::test]
async fn unknown_path_and_wrong_method() {
    let fake = fake().await;
    let r = post(&format!("{}/v1/embeddings", fake.url()), &[BEARER], &json!({})).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["error"]["message"], "Invalid URL (POST /v1/embeddings)");
    let resp = client().get(format!("{}/v1/chat/completions", fake.url())).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
}

#[tokio::test]
async fn tool_call_when_the_user_names_the_tool() {
    let fake = fake().await;
    let mut body = chat("use get_weather for Paris");
    body["tools"] = json!([{"type": "function", "function": {"name": "get_weather", "description": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "unit": {"type": "string"}}, "required": ["city", "days"]}}}]);
    let r = openai(&fake, &body).await;
    let choice = &r.json["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["content"], Value::Null);
    let call = &choice["message"]["tool_calls"][0];
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"city": "sample", "days": 1}));

    // The tool's answer goes back; the fake then answers in text.
    let mut follow = body.clone();
    let msgs = follow["messages"].as_array_mut().unwrap();
    msgs.push(choice["message"].clone());
    msgs.push(json!({"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21C"}));
    let r = openai(&fake, &follow).await;
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: sunny, 21C");
    assert_eq!(r.json["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn required_tool_choice_forces_a_call() {
    let fake = fake().await;
    let mut body = chat("hello");
    body["tools"] = json!([{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}]);
    body["tool_choice"] = json!("required");
    let r = openai(&fake, &body).await;
    assert_eq!(
        r.json["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"q":"sample"}"#
    );
}

#[tokio::test]
async fn structured_output_conforms_to_the_schema() {
    let fake = fake().await;
    let mut body = chat("give me a person");
    body["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "person", "strict": true, "schema": {
        "type": "object", "additionalProperties": false, "required": ["name", "age", "tags"],
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 18}, "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}}}}});
    let r = openai(&fake, &body).await;
    let content: Value =
        serde_json::from_str(r.json["choices"][0]["message"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content, json!({"name": "sample", "age": 18, "tags": ["a"]}));
}

#[tokio::test]
async fn small_max_tokens_truncates_with_length() {
    let fake = fake().await;
    let mut body = chat("one two three four five");
    body["max_tokens"] = json!(3);
    let r = openai(&fake, &body).await;
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: one two");
    assert_eq!(r.json["choices"][0]["finish_reason"], "length");
    assert_eq!(r.json["usage"]["completion_tokens"], 3);
}

#[tokio::test]
async fn prompt_cache_retention_reports_cached_tokens_on_repeat() {
    let fake = fake().await;
    let mut body = chat("same prompt again");
    body["prompt_cache_retention"] = json!("24h");
    let first = openai(&fake, &body).await;
    assert_eq!(first.json["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
    let second = openai(&fake, &body).await;
    assert_eq!(
        second.json["usage"]["prompt_tokens_details"]["cached_tokens"],
        second.json["usage"]["prompt_tokens"]
    );
    // Dapr's way: inside metadata. A different last message still hits the shared prefix.
    let mut dapr = chat("another question");
    dapr["metadata"] = json!({"prompt_cache_retention": "24h0m0s"});
    let third = openai(&fake, &dapr).await;
    assert_eq!(
        third.json["usage"]["prompt_tokens_details"]["cached_tokens"], 2,
        "the system message"
    );
    // Without the flag nothing is cached.
    let plain = openai(&fake, &chat("same prompt again")).await;
    assert_eq!(plain.json["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
}

#[tokio::test]
async fn azure_needs_api_version_and_api_key() {
    let fake = fake_with_key("azure-key").await;
    let base = format!("{}/openai/deployments/my-gpt/chat/completions", fake.url());
    let body = json!({"messages": [{"role": "user", "content": "hi"}]});
    let r = post(&base, &[("api-key", "azure-key")], &body).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["error"]["message"], "Resource not found");
    let url = format!("{base}?api-version=2024-10-21");
    let r = post(&url, &[BEARER], &body).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json["error"]["code"], "401");
    let r = post(&url, &[("api-key", "azure-key")], &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["model"], "my-gpt");
    assert_eq!(r.json["choices"][0]["message"]["content"], "echo: hi");
}

#[tokio::test]
async fn recording_keeps_every_request() {
    let fake = fake().await;
    assert_eq!(fake.request_count(), 0);
    assert!(fake.last_request().is_none());
    openai(&fake, &chat("first")).await;
    let url = format!("{}/v1/chat/completions?trace=1", fake.url());
    post(&url, &[BEARER, ("x-custom", "Yes")], &chat("second")).await;
    assert_eq!(fake.request_count(), 2);
    let last = fake.last_request().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.path, "/v1/chat/completions");
    assert_eq!(last.query.as_deref(), Some("trace=1"));
    assert_eq!(last.header("X-Custom"), Some("Yes"));
    assert_eq!(last.header("authorization"), Some("Bearer sk-test-123456789"));
    assert!(last.headers.iter().all(|(n, _)| n == &n.to_lowercase()));
    assert_eq!(last.json.as_ref().unwrap()["messages"][1]["content"], "second");
    assert_eq!(serde_json::from_slice::<Value>(&last.body).unwrap(), chat("second"));
    assert_eq!(fake.requests()[0].json.as_ref().unwrap()["messages"][1]["content"], "first");
    fake.clear();
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn invalid_bodies_are_recorded_without_json() {
    let fake = fake().await;
    post_raw(&format!("{}/v1/chat/completions", fake.url()), &[BEARER], b"oops".to_vec()).await;
    let last = fake.last_request().unwrap();
    assert_eq!(&last.body[..], b"oops");
    assert!(last.json.is_none());
}

#[tokio::test]
async fn recording_can_be_switched_off() {
    let fake = parlance_fake::FakeUpstream::start(parlance_fake::FakeOptions {
        record: false,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(openai(&fake, &chat("x")).await.status, 200);
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn n_choices_and_stop_sequences() {
    let fake = fake().await;
    let mut body = chat("red green blue");
    body["n"] = json!(2);
    body["stop"] = "blue".into();
    let r = openai(&fake, &body).await;
    let choices = r.json["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 2);
    assert_eq!(choices[1]["index"], 1);
    assert_eq!(choices[1]["message"]["content"], "echo: red green ");
    assert_eq!(r.json["usage"]["completion_tokens"], 6);
}
