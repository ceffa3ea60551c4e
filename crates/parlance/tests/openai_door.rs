//! Issue 13, end to end: the OpenAI-compatible door (`/v1`) against echo and the fake's
//! OpenAI, Anthropic and Bedrock upstreams — request and response mapping, finish reasons in
//! OpenAI's vocabulary, the error table (statuses, `Retry-After`), the chunk format, one cache
//! entry across the three doors, the model list, per-request models, the API token, and the
//! `api="openai"` metrics label.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    Answer, ECHO_COMPONENTS, Parlance, args, openai, path, resources, send, setup, start_with,
};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::{Value, json};

fn anthropic(name: &str, fake: &FakeUpstream) -> String {
    common::anthropic(name, fake, &[])
}

fn bedrock(name: &str, fake: &FakeUpstream) -> String {
    common::bedrock(name, fake, &[])
}

impl Answer {
    /// The `data:` events of a stream (`[DONE]` as a string), comments skipped.
    fn events(&self) -> Vec<Value> {
        assert_eq!(self.header("content-type"), Some("text/event-stream"));
        self.text
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).unwrap_or(Value::String(d.to_string())))
            .collect()
    }
}

async fn chat(p: &Parlance, body: Value) -> Answer {
    send(p.client.post(format!("{}/v1/chat/completions", p.base)).json(&body)).await
}

fn user(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

fn error_of(a: &Answer) -> Value {
    let v = a.json();
    let e = v["error"].as_object().unwrap_or_else(|| panic!("{v}"));
    for key in ["message", "type", "param", "code"] {
        assert!(e.contains_key(key), "{key} missing in {v}");
    }
    v["error"].clone()
}

#[tokio::test]
async fn a_plain_answer_has_every_key_and_the_headers() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let a = chat(&p, user("echo", "hello there")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert!(v["id"].as_str().unwrap().starts_with("chatcmpl-"), "{v}");
    assert_eq!(v["object"], "chat.completion");
    assert!(v["created"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(v["model"], "echo", "echo names no model: the request's");
    assert_eq!(
        v["choices"],
        json!([{"index": 0, "message": {"role": "assistant", "content": "hello there", "refusal": null},
            "logprobs": null, "finish_reason": "stop"}])
    );
    assert_eq!(v["usage"], json!({"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4}));
    assert!(!a.header("x-request-id").unwrap().is_empty());
    assert_eq!(a.header("x-parlance-component"), Some("echo"));
    assert_eq!(a.header("x-parlance-cache"), Some("none"));
    let mine = p
        .client
        .post(format!("{}/v1/chat/completions", p.base))
        .header("x-request-id", "req-42")
        .json(&user("echo", "x"));
    assert_eq!(send(mine).await.header("x-request-id"), Some("req-42"));
}

#[tokio::test]
async fn the_request_reaches_the_openai_upstream_mapped() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("o.yaml", openai("gpt", &fake, &[]))]).await;
    let body = json!({
        "model": "gpt",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "weather in Paris?"}]}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "w",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
        "tool_choice": "required",
        "temperature": 0.4, "top_p": 0.9, "max_tokens": 50, "stop": "END", "seed": 7,
        "reasoning_effort": "high"
    });
    let a = chat(&p, body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = fake.last_request().unwrap().json.unwrap();
    assert_eq!(sent["model"], "gpt-4o-mini");
    assert_eq!(
        sent["messages"],
        json!([{"role": "system", "content": "be brief"}, {"role": "user", "content": "weather in Paris?"}])
    );
    assert_eq!(
        (sent["temperature"].clone(), sent["max_completion_tokens"].clone()),
        (json!(0.4), json!(50))
    );
    assert_eq!(
        (sent["top_p"].clone(), sent["seed"].clone(), sent["stop"].clone()),
        (json!(0.9), json!(7), json!(["END"]))
    );
    assert_eq!(sent["tool_choice"], "required");
    assert_eq!(sent["reasoning_effort"], "high");
    let v = a.json();
    assert_eq!(v["model"], "gpt-4o-mini", "the resolved upstream model");
    let c = &v["choices"][0];
    assert_eq!(c["finish_reason"], "tool_calls");
    assert_eq!(c["message"]["content"], Value::Null, "only tool calls: {v}");
    let call = &c["message"]["tool_calls"][0];
    assert_eq!(
        (call["type"].clone(), call["function"]["name"].clone()),
        (json!("function"), json!("get_weather"))
    );
    assert!(call["id"].as_str().unwrap().starts_with("call_"), "{call}");
    // The tool's result goes back as a tool message.
    let id = call["id"].as_str().unwrap();
    let follow = json!({"model": "gpt", "messages": [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": id, "content": "sunny"}
    ]});
    let a = chat(&p, follow).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = fake.last_request().unwrap().json.unwrap();
    assert_eq!(
        sent["messages"][2],
        json!({"role": "tool", "tool_call_id": id, "content": "sunny"})
    );
    assert_eq!(a.json()["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn finish_reasons_are_openais_whatever_the_provider_said() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [("a.yaml", anthropic("claude", &fake)), ("b.yaml", bedrock("nova", &fake))];
    let (p, _d) = setup(&files).await;
    let tool = json!([{"type": "function", "function": {"name": "lookup",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}]);
    for model in ["claude", "nova"] {
        let a = chat(&p, user(model, "hello")).await;
        assert_eq!(a.status, 200, "{model}: {}", a.text);
        let v = a.json();
        assert_eq!(v["choices"][0]["finish_reason"], "stop", "{model}: end_turn → stop: {v}");
        assert!(v["usage"]["prompt_tokens"].as_u64().unwrap() > 0, "{v}");
        let mut long = user(model, "one two three four five six seven eight nine ten");
        long["max_tokens"] = json!(2);
        let v = chat(&p, long).await.json();
        assert_eq!(v["choices"][0]["finish_reason"], "length", "{model}: max_tokens → length: {v}");
        let mut call = user(model, "look it up");
        call["tools"] = tool.clone();
        call["tool_choice"] = json!({"type": "function", "function": {"name": "lookup"}});
        let v = chat(&p, call).await.json();
        assert_eq!(
            v["choices"][0]["finish_reason"], "tool_calls",
            "{model}: tool_use → tool_calls: {v}"
        );
        assert_eq!(v["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "lookup");
    }
}

#[tokio::test]
async fn structured_output_and_cached_tokens() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("a.yaml", anthropic("claude", &fake))]).await;
    let schema =
        json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]});
    let mut body = user("claude", "a number please");
    body["response_format"] =
        json!({"type": "json_schema", "json_schema": {"name": "num", "schema": schema}});
    let a = chat(&p, body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    let content = v["choices"][0]["message"]["content"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(content).unwrap();
    assert!(parsed["n"].is_i64(), "{content}");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn errors_have_openais_form_and_statuses_that_mean_what_they_say() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("o.yaml", openai("gpt", &fake, &[]))]).await;
    let a = chat(&p, user("nope", "x")).await;
    let e = error_of(&a);
    assert_eq!(
        (a.status, e["code"].clone(), e["param"].clone()),
        (404, json!("model_not_found"), json!("model"))
    );
    let raw =
        send(p.client.post(format!("{}/v1/chat/completions", p.base)).body("{not json")).await;
    assert_eq!((raw.status, error_of(&raw)["type"].clone()), (400, json!("invalid_request_error")));
    let mut two = user("gpt", "x");
    two["n"] = json!(2);
    let a = chat(&p, two).await;
    assert_eq!((a.status, error_of(&a)["param"].clone()), (400, json!("n")));
    let a = chat(&p, json!({"model": "gpt", "messages": []})).await;
    assert_eq!(
        (a.status, error_of(&a)["type"].clone()),
        (400, json!("invalid_request_error")),
        "no inputs"
    );

    let cases = [
        (Fault::Status { code: 429, retry_after: Some(3) }, 429, "rate_limit_error"),
        (Fault::Status { code: 404, retry_after: None }, 404, "invalid_request_error"),
        (Fault::Status { code: 400, retry_after: None }, 400, "invalid_request_error"),
        (Fault::Status { code: 500, retry_after: None }, 502, "api_error"),
        (Fault::Status { code: 503, retry_after: None }, 502, "api_error"),
        (Fault::Drop, 502, "api_error"),
        (Fault::MalformedJson, 502, "api_error"),
    ];
    for (fault, status, kind) in cases {
        fake.push_fault(fault.clone());
        let a = chat(&p, user("gpt", "x")).await;
        let e = error_of(&a);
        assert_eq!((a.status, e["type"].as_str().unwrap()), (status, kind), "{fault:?}: {e}");
        assert!(!e["message"].as_str().unwrap().contains("sk-test"), "never the key: {e}");
        assert_eq!(a.header("x-parlance-component"), Some("gpt"));
        assert!(a.header("x-request-id").is_some());
        if status == 429 {
            assert_eq!(a.header("retry-after"), Some("3"));
        }
    }
}

#[tokio::test]
async fn timeouts_are_504_and_an_open_circuit_is_503() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let res = "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: r\nspec:\n  policies:\n    timeouts: {fast: 150ms}\n    circuitBreakers:\n      cb: {maxRequests: 1, timeout: 60s, trip: consecutiveFailures >= 1}\n  targets:\n    components:\n      slow: {outbound: {timeout: fast}}\n      brittle: {outbound: {circuitBreaker: cb}}\n";
    let files = [
        ("a.yaml", openai("slow", &fake, &[])),
        ("b.yaml", openai("brittle", &fake, &[])),
        ("r.yaml", res.to_string()),
    ];
    let (p, _d) = setup(&files).await;
    fake.push_fault(Fault::Hang);
    let a = chat(&p, user("slow", "x")).await;
    assert_eq!((a.status, error_of(&a)["type"].clone()), (504, json!("api_error")), "{}", a.text);
    fake.push_fault(Fault::Status { code: 500, retry_after: None });
    assert_eq!(chat(&p, user("brittle", "x")).await.status, 502);
    let a = chat(&p, user("brittle", "x")).await;
    assert_eq!((a.status, error_of(&a)["type"].clone()), (503, json!("api_error")), "{}", a.text);
}

#[tokio::test]
async fn streams_are_openais_chunks() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let mut body = user("echo", "one two three");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let a = chat(&p, body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.header("x-parlance-component"), Some("echo"));
    assert!(a.header("x-request-id").is_some());
    let events = a.events();
    let (done, chunks) = events.split_last().unwrap();
    assert_eq!(done, "[DONE]");
    let id = chunks[0]["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-"));
    for c in chunks {
        assert_eq!(
            (c["id"].as_str(), c["object"].as_str()),
            (Some(id), Some("chat.completion.chunk"))
        );
        assert_eq!(
            (c["created"].clone(), c["model"].clone()),
            (chunks[0]["created"].clone(), json!("echo"))
        );
        assert!(c.get("usage").is_some(), "usage: null on every chunk with include_usage");
    }
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .flat_map(|c| c["choices"].as_array().unwrap())
        .filter_map(|c| c["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "one two three");
    let (usage, body) = chunks.split_last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["total_tokens"], 6);
    let last = body.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert!(body[..body.len() - 1].iter().all(|c| c["choices"][0]["finish_reason"].is_null()));
}

#[tokio::test]
async fn streamed_tool_calls_and_a_failure_midway() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [("o.yaml", openai("gpt", &fake, &[])), ("b.yaml", bedrock("nova", &fake))];
    let (p, _d) = setup(&files).await;
    for model in ["gpt", "nova"] {
        let mut body = user(model, "weather?");
        body["stream"] = json!(true);
        body["tools"] = json!([{"type": "function", "function": {"name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]);
        body["tool_choice"] = json!("required");
        let a = chat(&p, body).await;
        assert_eq!(a.status, 200, "{}", a.text);
        let events = a.events();
        assert_eq!(events.last().unwrap(), "[DONE]");
        let calls: Vec<&Value> = events
            .iter()
            .filter_map(|e| e["choices"].get(0)?["delta"]["tool_calls"].get(0))
            .collect();
        assert!(!calls.is_empty(), "{model}: {events:?}");
        assert_eq!(calls[0]["function"]["name"], "get_weather");
        assert_eq!(calls[0]["type"], "function");
        assert!(calls[0]["id"].is_string(), "{model}: {calls:?}");
        assert!(calls[1..].iter().all(|c| c.get("id").is_none() && c["index"] == 0));
        let args: String =
            calls.iter().map(|c| c["function"]["arguments"].as_str().unwrap()).collect();
        assert!(serde_json::from_str::<Value>(&args).unwrap()["city"].is_string(), "{args}");
        let finish =
            events.iter().rev().find_map(|e| e["choices"].get(0)?["finish_reason"].as_str());
        assert_eq!(finish, Some("tool_calls"), "{model}");
    }
    fake.push_fault("stream-error-after=3".parse().unwrap());
    let mut body = user("gpt", "many words in this answer please");
    body["stream"] = json!(true);
    let a = chat(&p, body).await;
    assert_eq!(a.status, 200);
    let events = a.events();
    let last = events.last().unwrap();
    assert!(last["error"]["message"].is_string(), "{events:?}");
    assert_eq!(last["error"]["type"], "api_error");
    assert!(!events.iter().any(|e| e == "[DONE]"), "no [DONE] after an error");
    // Before the first chunk, a stream fails as the plain call does.
    fake.push_fault(Fault::Status { code: 429, retry_after: Some(1) });
    let mut body = user("gpt", "x");
    body["stream"] = json!(true);
    let a = chat(&p, body).await;
    assert_eq!((a.status, a.header("retry-after")), (429, Some("1")));
}

#[tokio::test]
async fn the_same_question_through_any_door_is_one_cache_entry() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("o.yaml", openai("gpt", &fake, &[("cacheTTL", "10m")]))]).await;
    let alpha2 = json!({"temperature": 0.2, "inputs": [{"messages": [
        {"ofSystem": {"content": [{"text": "be brief"}]}},
        {"ofUser": {"content": [{"text": "cache me"}]}}]}],
        "parameters": {"max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "20"}}});
    let (status, dapr) = p.alpha2("gpt", &alpha2.to_string()).await;
    assert_eq!(status, 200, "{dapr}");
    let question = json!({"model": "gpt", "temperature": 0.2, "max_tokens": 20, "messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "cache me"}]});
    let a = chat(&p, question.clone()).await;
    assert_eq!((a.status, a.header("x-parlance-cache")), (200, Some("hit")), "{}", a.text);
    assert_eq!(
        a.json()["choices"][0]["message"]["content"],
        dapr["outputs"][0]["choices"][0]["message"]["content"]
    );
    let mut streamed = question;
    streamed["stream"] = json!(true);
    let s = chat(&p, streamed).await;
    assert_eq!(s.header("x-parlance-cache"), Some("hit"));
    assert_eq!(fake.request_count(), 1, "one upstream call for the three");
    let bypass = p
        .client
        .post(format!("{}/v1/chat/completions", p.base))
        .header("cache-control", "no-store")
        .json(&user("gpt", "cache me"));
    assert_eq!(send(bypass).await.header("x-parlance-cache"), Some("bypass"));
}

#[tokio::test]
async fn models_are_listed_and_found() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("echo.yaml", ECHO_COMPONENTS.to_string()),
        ("o.yaml", openai("gpt", &fake, &[("allowedModels", "gpt-4o, meta/llama-3")])),
        ("a.yaml", anthropic("claude", &fake)),
    ];
    let (p, _d) = setup(&files).await;
    let list = send(p.client.get(format!("{}/v1/models", p.base))).await;
    assert_eq!(list.status, 200);
    assert!(list.header("x-request-id").is_some());
    let v = list.json();
    assert_eq!(v["object"], "list");
    let ids: Vec<&str> =
        v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["claude", "echo", "test-alpha2-echo", "gpt", "gpt/gpt-4o", "gpt/meta/llama-3"],
        "load order (files by name)"
    );
    let gpt = &v["data"][3];
    assert_eq!(
        (gpt["object"].clone(), gpt["owned_by"].clone()),
        (json!("model"), json!("conversation.openai"))
    );
    assert_eq!(gpt["created"], v["data"][0]["created"]);
    let one = send(p.client.get(format!("{}/v1/models/gpt/meta/llama-3", p.base))).await;
    assert_eq!((one.status, one.json()["id"].clone()), (200, json!("gpt/meta/llama-3")));
    for missing in ["nope", "gpt/gpt-5", "claude/other"] {
        let a = send(p.client.get(format!("{}/v1/models/{missing}", p.base))).await;
        assert_eq!(
            (a.status, error_of(&a)["code"].clone()),
            (404, json!("model_not_found")),
            "{missing}"
        );
    }
}

#[tokio::test]
async fn a_model_is_chosen_per_request_only_from_the_allow_list() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("o.yaml", openai("gpt", &fake, &[("allowedModels", "gpt-4o")]))]).await;
    let a = chat(&p, user("gpt/gpt-4o", "hi")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(fake.last_request().unwrap().json.unwrap()["model"], "gpt-4o");
    assert_eq!(a.json()["model"], "gpt-4o");
    let n = fake.request_count();
    let a = chat(&p, user("gpt/gpt-5", "hi")).await;
    let e = error_of(&a);
    assert_eq!(
        (a.status, e["code"].clone(), e["param"].clone()),
        (400, json!("model_not_allowed"), json!("model"))
    );
    assert_eq!(fake.request_count(), n, "refused before any upstream call");
}

#[tokio::test]
async fn the_api_token_is_a_bearer_key_or_dapr_api_token() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start_with(args(&[path(&dir)]), Some("s3cret")).await;
    let url = format!("{}/v1/chat/completions", p.base);
    let body = user("echo", "hi");
    let a = send(p.client.post(&url).json(&body)).await;
    let e = error_of(&a);
    assert_eq!((a.status, e["type"].clone()), (401, json!("authentication_error")));
    assert!(a.header("x-request-id").is_some());
    let a = send(p.client.post(&url).bearer_auth("wrong").json(&body)).await;
    assert_eq!(a.status, 401);
    let a = send(p.client.post(&url).bearer_auth("s3cret").json(&body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = send(p.client.post(&url).header("dapr-api-token", "s3cret").json(&body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = send(p.client.get(format!("{}/v1/models", p.base))).await;
    assert_eq!(a.status, 401);
    // The Dapr routes keep daprd's own answer.
    let (status, text) = p.alpha2("echo", "{}").await;
    assert_eq!((status, text), (401, json!("invalid api token")));
}

#[tokio::test]
async fn requests_are_counted_under_api_openai() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    assert_eq!(chat(&p, user("echo", "hi")).await.status, 200);
    let mut s = user("echo", "hi");
    s["stream"] = json!(true);
    assert_eq!(chat(&p, s).await.status, 200);
    assert_eq!(chat(&p, user("nope", "hi")).await.status, 404);
    let addr = p.running.metrics_addr.unwrap();
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    for want in [
        r#"parlance_requests_total{api="openai",component="echo",code="OK",stream="false"} 1"#,
        r#"parlance_requests_total{api="openai",component="echo",code="OK",stream="true"} 1"#,
        r#"parlance_requests_total{api="openai",component="unknown",code="ERR_CONVERSATION_NOT_FOUND",stream="false"} 1"#,
    ] {
        assert!(text.contains(want), "missing {want}\n{text}");
    }
}

#[tokio::test]
async fn pii_is_scrubbed_by_the_header_and_by_the_components_policy() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("a.yaml", openai("open", &fake, &[])),
        ("b.yaml", openai("guarded", &fake, &[("scrubPii", "inputs")])),
    ];
    let (p, _d) = setup(&files).await;
    let text = "mail me at jane.doe@example.com";
    let sent = |fake: &FakeUpstream| {
        fake.last_request().unwrap().json.unwrap()["messages"][0]["content"].to_string()
    };
    let a = chat(&p, user("open", text)).await;
    assert_eq!(a.status, 200);
    assert!(sent(&fake).contains("jane.doe@example.com"), "no scrubbing asked: {}", sent(&fake));
    let asked = p
        .client
        .post(format!("{}/v1/chat/completions", p.base))
        .header("x-parlance-scrub-pii", "both")
        .json(&user("open", text));
    let a = send(asked).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(!sent(&fake).contains("jane.doe"), "{}", sent(&fake));
    assert!(!a.json()["choices"][0]["message"]["content"].as_str().unwrap().contains("jane.doe"));
    let a = chat(&p, user("guarded", text)).await;
    assert_eq!(a.status, 200);
    assert!(!sent(&fake).contains("jane.doe"), "the component enforces it: {}", sent(&fake));
}
