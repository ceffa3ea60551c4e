//! OpenAI Chat Completions streams: the chunks assemble to the plain reply of a fresh fake.

use serde_json::{Map, Value, json};

use super::*;

fn chat(text: &str) -> Value {
    json!({"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}]})
}

fn streaming(mut body: Value, include_usage: bool) -> Value {
    body["stream"] = json!(true);
    if include_usage {
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

/// The plain reply a fresh fake gives to `body` (ids match a fresh fake's first stream).
async fn plain_of(body: &Value, headers: &[(&str, &str)]) -> Value {
    let fake = fake().await;
    let mut all = vec![BEARER];
    all.extend_from_slice(headers);
    let r = post_stream(&openai_url(&fake), &all, body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.json()
}

/// The stream a fresh fake gives to `body`.
async fn stream_of(body: &Value, headers: &[(&str, &str)]) -> Streamed {
    let fake = fake().await;
    let mut all = vec![BEARER];
    all.extend_from_slice(headers);
    let r = post_stream(&openai_url(&fake), &all, body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.content_type(), "text/event-stream; charset=utf-8");
    assert!(r.headers.get("x-request-id").is_some());
    r
}

/// Folds the chunks into the plain reply's shape, checking the stream's own rules on the way.
pub fn assemble(sse: &Sse) -> Value {
    let (last, chunks) = sse.events.split_last().expect("events");
    assert_eq!(last.data, "[DONE]");
    let chunks: Vec<Value> = chunks.iter().map(Event::json).collect();
    let first = &chunks[0];
    let mut choices: Vec<Map<String, Value>> = Vec::new();
    let (mut usage, mut usage_chunk) = (None, false);
    for c in &chunks {
        assert_eq!(c["object"], "chat.completion.chunk");
        assert!(c["obfuscation"].is_string(), "OpenAI pads every chunk");
        for key in ["id", "created", "model", "system_fingerprint"] {
            assert_eq!(c[key], first[key], "{key} differs between chunks");
        }
        assert!(!usage_chunk, "the usage chunk is the last one");
        if let Some(u) = c.get("usage").filter(|u| !u.is_null()) {
            usage = Some(u.clone()); // the last one seen wins (Gemini sends it on every chunk)
        }
        if c["choices"].as_array().unwrap().is_empty() {
            usage_chunk = true;
            continue;
        }
        for choice in c["choices"].as_array().unwrap() {
            fold_choice(&mut choices, choice);
        }
    }
    let choices: Vec<Value> = choices.into_iter().map(finish_choice).collect();
    let mut reply = json!({
        "id": first["id"], "object": "chat.completion", "created": first["created"],
        "model": first["model"], "choices": choices,
        "service_tier": first["service_tier"], "system_fingerprint": first["system_fingerprint"],
    });
    if let Some(u) = usage {
        reply["usage"] = u;
    }
    reply
}

fn fold_choice(choices: &mut Vec<Map<String, Value>>, choice: &Value) {
    let i = choice["index"].as_u64().unwrap() as usize;
    if choices.len() <= i {
        choices.resize_with(i + 1, Map::new);
    }
    let acc = &mut choices[i];
    assert!(acc.get("finish_reason").is_none(), "a chunk after choice {i}'s finish_reason");
    let delta = &choice["delta"];
    if acc.is_empty() {
        assert_eq!(delta["role"], "assistant", "the first delta carries the role");
        acc.insert("index".into(), json!(i));
        acc.insert("content".into(), Value::Null);
        acc.insert("tool_calls".into(), json!([]));
    }
    append(acc, "content", &delta["content"]);
    append(acc, "reasoning_content", &delta["reasoning_content"]);
    for call in delta["tool_calls"].as_array().into_iter().flatten() {
        let calls = acc["tool_calls"].as_array_mut().unwrap();
        let at = call["index"].as_u64().unwrap() as usize;
        if calls.len() == at {
            assert!(call["id"].is_string() && call["function"]["name"].is_string(), "{call}");
            assert_eq!(call["type"], "function");
            calls.push(json!({"id": call["id"], "type": "function", "function": {"name": call["function"]["name"], "arguments": ""}}));
        } else {
            assert!(call.get("id").is_none(), "id only on the first fragment");
        }
        let args = calls[at]["function"]["arguments"].as_str().unwrap().to_owned();
        let more = call["function"]["arguments"].as_str().unwrap_or_default();
        calls[at]["function"]["arguments"] = json!(args + more);
    }
    if !choice["finish_reason"].is_null() {
        acc.insert("finish_reason".into(), choice["finish_reason"].clone());
    }
}

fn append(acc: &mut Map<String, Value>, key: &str, piece: &Value) {
    let Some(piece) = piece.as_str() else { return };
    let before = acc.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    acc.insert(key.into(), json!(before + piece));
}

fn finish_choice(mut acc: Map<String, Value>) -> Value {
    let calls = acc.remove("tool_calls").unwrap();
    let mut message = json!({"role": "assistant", "content": acc["content"]});
    if let Some(r) = acc.get("reasoning_content") {
        message["reasoning_content"] = r.clone();
    }
    if calls.as_array().is_some_and(|c| !c.is_empty()) {
        message["tool_calls"] = calls;
    }
    message["refusal"] = Value::Null;
    message["annotations"] = json!([]);
    json!({"index": acc["index"], "message": message, "logprobs": null, "finish_reason": acc["finish_reason"]})
}

/// The plain reply with `created` and (when asked) `usage` set aside.
fn comparable(mut v: Value, keep_usage: bool) -> Value {
    v["created"] = json!(0);
    if !keep_usage {
        v.as_object_mut().unwrap().remove("usage");
    }
    v
}

fn content_deltas(sse: &Sse) -> usize {
    sse.events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .filter(|e| e.json()["choices"][0]["delta"]["content"].is_string())
        .count()
}

#[tokio::test]
async fn text_stream_assembles_to_the_plain_reply_with_usage() {
    let body = streaming(chat("hello big world"), true);
    let s = stream_of(&body, &[]).await;
    let sse = s.sse();
    assert!(content_deltas(&sse) >= 3, "{:?}", sse.events);
    let usage_chunk = &sse.events[sse.events.len() - 2].json();
    assert_eq!(usage_chunk["choices"], json!([]));
    assert!(sse.events[0].json()["usage"].is_null(), "usage is null on the other chunks");
    let plain = plain_of(&chat("hello big world"), &[]).await;
    assert_eq!(comparable(assemble(&sse), true), comparable(plain.clone(), true));
    assert_eq!(plain["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
}

#[tokio::test]
async fn without_include_usage_there_is_no_usage_chunk() {
    let s = stream_of(&streaming(chat("hi there"), false), &[]).await;
    let sse = s.sse();
    assert!(
        sse.events.iter().filter(|e| e.data != "[DONE]").all(|e| e.json().get("usage").is_none())
    );
    let plain = plain_of(&chat("hi there"), &[]).await;
    assert_eq!(comparable(assemble(&sse), false), comparable(plain, false));
}

#[tokio::test]
async fn tool_call_arguments_come_in_fragments() {
    let mut body = chat("weather in Paris?");
    body["tools"] = json!([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]}}}]);
    body["tool_choice"] = json!({"type": "function", "function": {"name": "get_weather"}});
    let s = stream_of(&streaming(body.clone(), true), &[]).await;
    let sse = s.sse();
    let fragments = sse
        .events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .filter(|e| {
            e.json()["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                .as_str()
                .is_some_and(|a| !a.is_empty())
        })
        .count();
    assert!(fragments >= 2, "{:?}", sse.events);
    let assembled = assemble(&sse);
    assert_eq!(assembled["choices"][0]["finish_reason"], "tool_calls");
    let plain = plain_of(&body, &[]).await;
    assert_eq!(comparable(assembled, true), comparable(plain, true));
}

#[tokio::test]
async fn several_choices_interleave_and_structured_output_streams() {
    let mut body = chat("give json");
    body["n"] = json!(2);
    body["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"}}, "required": ["name", "n"]}}});
    let s = stream_of(&streaming(body.clone(), true), &[]).await;
    let sse = s.sse();
    let indexes: Vec<u64> =
        sse.events[..4].iter().map(|e| e.json()["choices"][0]["index"].as_u64().unwrap()).collect();
    assert_eq!(indexes, [0, 1, 0, 1], "choices take turns");
    let plain = plain_of(&body, &[]).await;
    assert_eq!(comparable(assemble(&sse), true), comparable(plain, true));
}

#[tokio::test]
async fn deepseek_flavour_sends_reasoning_and_keepalives() {
    let flavour = [("x-fake-flavour", "deepseek")];
    let s = stream_of(&streaming(chat("hi"), true), &flavour).await;
    let sse = s.sse();
    assert!(sse.comments >= 2, "keep-alive comments: {}", sse.comments);
    let assembled = assemble(&sse);
    assert_eq!(assembled["choices"][0]["message"]["reasoning_content"], "Thinking it over.");
    let plain = plain_of(&chat("hi"), &flavour).await;
    assert_eq!(comparable(assembled, true), comparable(plain, true));
}

#[tokio::test]
async fn ollama_flavour_sends_whole_tool_calls() {
    let mut body = chat("call get_weather");
    body["tools"] = json!([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]);
    let flavour = [("x-fake-flavour", "ollama")];
    let sse = stream_of(&streaming(body.clone(), false), &flavour).await.sse();
    let with_calls: Vec<Value> = sse
        .events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(Event::json)
        .filter(|c| c["choices"][0]["delta"]["tool_calls"].is_array())
        .collect();
    assert_eq!(with_calls.len(), 1);
    assert_eq!(
        with_calls[0]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"],
        r#"{"city":"sample"}"#
    );
    let plain = plain_of(&body, &flavour).await;
    assert_eq!(comparable(assemble(&sse), false), comparable(plain, false));
    let fake = fake().await;
    let r = post(&openai_url(&fake), &[BEARER, ("x-fake-flavour", "nope")], &chat("x")).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn gemini_path_puts_usage_on_every_chunk() {
    let fake = fake().await;
    let url = format!("{}/v1beta/openai/chat/completions", fake.url());
    let r = post_stream(&url, &[BEARER], &streaming(chat("hi there"), true)).await;
    let sse = r.sse();
    let chunks: Vec<Value> =
        sse.events.iter().filter(|e| e.data != "[DONE]").map(Event::json).collect();
    assert!(chunks.iter().all(|c| c["usage"]["total_tokens"].is_u64()), "usage on every chunk");
    assert!(chunks.iter().all(|c| !c["choices"].as_array().unwrap().is_empty()), "no usage chunk");
    let plain_fake = super::fake().await;
    let plain = post_stream(
        &format!("{}/v1beta/openai/chat/completions", plain_fake.url()),
        &[BEARER],
        &chat("hi there"),
    )
    .await;
    assert_eq!(comparable(assemble(&sse), true), comparable(plain.json(), true));
}

#[tokio::test]
async fn azure_streams_too() {
    let fake = fake().await;
    let url =
        format!("{}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", fake.url());
    let mut body = streaming(chat("x"), true);
    body.as_object_mut().unwrap().remove("model");
    let r = post_stream(&url, &[("api-key", "k")], &body).await;
    assert_eq!(r.status, 200);
    let assembled = assemble(&r.sse());
    assert_eq!(assembled["model"], "gpt-4o");
    assert_eq!(assembled["choices"][0]["message"]["content"], "echo: x");
}

#[tokio::test]
async fn stream_fields_are_validated_as_strictly_as_the_rest() {
    let fake = fake().await;
    let cases = [
        (json!({"stream": "yes"}), "stream", "invalid_type"),
        (json!({"stream": 1}), "stream", "invalid_type"),
        (json!({"stream": false, "stream_options": {"include_usage": true}}), "stream_options", ""),
        (json!({"stream_options": {"include_usage": true}}), "stream_options", ""),
        (json!({"stream": true, "stream_options": [true]}), "stream_options", "invalid_type"),
        (
            json!({"stream": true, "stream_options": {"include_usage": "yes"}}),
            "stream_options.include_usage",
            "invalid_type",
        ),
        (
            json!({"stream": true, "stream_options": {"usage": true}}),
            "stream_options.usage",
            "unknown_parameter",
        ),
    ];
    for (extra, param, code) in cases {
        let mut body = chat("x");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = post_stream(&openai_url(&fake), &[BEARER], &body).await;
        assert_eq!(r.status, 400, "{extra}");
        assert_eq!(r.content_type(), "application/json");
        let e = &r.json()["error"];
        assert_eq!(e["type"], "invalid_request_error");
        assert_eq!(e["param"], param, "{extra}: {e}");
        if !code.is_empty() {
            assert_eq!(e["code"], code, "{extra}: {e}");
        }
    }
    let mut bad = streaming(chat("x"), true);
    bad["messages"] = json!([]);
    let r = post_stream(&openai_url(&fake), &[BEARER], &bad).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (400, Some("empty_array")));
    let r = post_stream(&openai_url(&fake), &[], &streaming(chat("x"), true)).await;
    assert_eq!(r.status, 401, "auth is checked before streaming");
}
