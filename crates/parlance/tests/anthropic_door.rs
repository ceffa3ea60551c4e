//! Issue 21, end to end: the Anthropic Messages door (`/v1/messages`, `/v1/messages/count_tokens`)
//! against echo and the fake's Anthropic and OpenAI upstreams — the reply and the event stream
//! in Anthropic's shapes, tool-call arguments intact through a stream, model routing
//! (`<component>`, `<component>/<model>`, `modelAliases`), the error shape and statuses, the
//! `request-id` header, keys as `x-api-key` or a bearer token, the `api="anthropic"` metrics
//! label and the dropped-fields counter, and thousands of mutated bodies that must each get a
//! 4xx in Anthropic's shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod mutate;

use common::{Answer, ECHO_COMPONENTS, Parlance, args, path, resources, send, setup, start_with};
use mutate::Rng;
use parlance_fake::{FakeOptions, FakeUpstream};
use serde_json::{Value, json};

impl Answer {
    /// `(event, data)` of a stream; every `data.type` names its event.
    fn events(&self) -> Vec<(String, Value)> {
        assert_eq!(self.header("content-type"), Some("text/event-stream"), "{}", self.text);
        let frames = self.text.split("\n\n").filter(|f| !f.is_empty() && !f.starts_with(':'));
        frames
            .map(|f| {
                let (name, data) = f.split_once('\n').unwrap_or_else(|| panic!("{f}"));
                let name = name.strip_prefix("event: ").unwrap_or_else(|| panic!("{f}"));
                let data: Value =
                    serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
                assert_eq!(data["type"], name, "{f}");
                (name.to_string(), data)
            })
            .collect()
    }

    /// The error body, checked to be exactly Anthropic's shape.
    fn error(&self) -> Value {
        let v = self.json();
        assert_eq!(v["type"], "error", "{v}");
        let e = v["error"].as_object().unwrap_or_else(|| panic!("{v}"));
        assert!(e["type"].is_string() && e["message"].is_string(), "{v}");
        assert_eq!(e.len(), 2, "{v}");
        v["error"].clone()
    }
}

async fn messages(p: &Parlance, body: &Value) -> Answer {
    let req = p.client.post(format!("{}/v1/messages?beta=true", p.base));
    send(req.header("anthropic-version", "2023-06-01").json(body)).await
}

fn user(model: &str, text: &str) -> Value {
    json!({"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": text}]})
}

fn claude(name: &str, fake: &FakeUpstream, extra: &[(&str, &str)]) -> String {
    common::anthropic(name, fake, extra)
}

#[tokio::test]
async fn a_plain_answer_in_anthropics_shape() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let mut body = user("echo", "hello there");
    body["system"] =
        json!([{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}]);
    let a = messages(&p, &body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert!(v["id"].as_str().unwrap().starts_with("msg_"), "{v}");
    let mut v = v;
    v["id"] = json!("msg");
    assert_eq!(
        v,
        json!({"id": "msg", "type": "message", "role": "assistant", "model": "echo",
            "content": [{"type": "text", "text": "be brief\nhello there"}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 4, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 4}})
    );
    assert!(a.header("request-id").unwrap().starts_with("req_"));
    assert_eq!(a.header("x-parlance-component"), Some("echo"));
    assert_eq!(a.header("x-parlance-cache"), Some("none"));
}

#[tokio::test]
async fn a_stream_in_anthropics_shape_through_each_upstream() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("echo.yaml", ECHO_COMPONENTS.to_string()),
        ("claude.yaml", claude("claude", &fake, &[])),
        ("gpt.yaml", common::openai("gpt", &fake, &[])),
    ];
    let (p, _d) = setup(&files).await;
    for model in ["echo", "claude", "gpt"] {
        let mut body = user(model, "one two three");
        body["stream"] = json!(true);
        let a = messages(&p, &body).await;
        assert_eq!(a.status, 200, "{model}: {}", a.text);
        let ev = a.events();
        let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(&names[..3], ["message_start", "ping", "content_block_start"], "{model}");
        assert_eq!(
            &names[names.len() - 3..],
            ["content_block_stop", "message_delta", "message_stop"]
        );
        assert_eq!(ev[0].1["message"]["model"], model);
        let usage = &ev[0].1["message"]["usage"];
        assert!(usage["input_tokens"].is_u64() && usage["output_tokens"].is_u64(), "{usage}");
        let text: String = ev
            .iter()
            .filter(|(n, _)| n == "content_block_delta")
            .map(|(_, d)| d["delta"]["text"].as_str().unwrap())
            .collect();
        assert!(text.contains("one two three"), "{model}: {text}");
        let delta = &ev[names.len() - 2].1;
        assert_eq!(delta["delta"]["stop_reason"], "end_turn");
        assert!(delta["usage"]["output_tokens"].as_u64().unwrap() > 0, "{delta}");
    }
}

#[tokio::test]
async fn streamed_tool_calls_keep_their_arguments() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("claude.yaml", claude("claude", &fake, &[])),
        ("gpt.yaml", common::openai("gpt", &fake, &[])),
    ];
    let (p, _d) = setup(&files).await;
    for model in ["claude", "gpt"] {
        let body = json!({"model": model, "max_tokens": 200, "stream": true,
            "messages": [{"role": "user", "content": "list the files"}],
            "tools": [{"name": "Bash", "description": "Run a shell command",
                "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}],
            "tool_choice": {"type": "any"}});
        let a = messages(&p, &body).await;
        assert_eq!(a.status, 200, "{model}: {}", a.text);
        let ev = a.events();
        let start = ev
            .iter()
            .find(|(n, d)| n == "content_block_start" && d["content_block"]["type"] == "tool_use");
        let start = &start.unwrap_or_else(|| panic!("{model}: no tool_use in {}", a.text)).1;
        assert_eq!(start["content_block"]["name"], "Bash");
        let index = &start["index"];
        let args: String = ev
            .iter()
            .filter(|(n, d)| n == "content_block_delta" && &d["index"] == index)
            .map(|(_, d)| d["delta"]["partial_json"].as_str().unwrap())
            .collect();
        let input: Value =
            serde_json::from_str(&args).unwrap_or_else(|e| panic!("{model}: {e}: {args:?}"));
        assert!(input["command"].is_string(), "{model}: input must not be empty: {input}");
        let delta = ev.iter().find(|(n, _)| n == "message_delta").unwrap();
        assert_eq!(delta.1["delta"]["stop_reason"], "tool_use");
    }
}

#[tokio::test]
async fn a_tool_round_trip_reaches_the_upstream() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("gpt.yaml", common::openai("gpt", &fake, &[]))]).await;
    let tools = json!([{"name": "Bash", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}]);
    let first = json!({"model": "gpt", "max_tokens": 100, "tools": tools, "tool_choice": {"type": "tool", "name": "Bash"},
        "messages": [{"role": "user", "content": "run ls"}]});
    let a = messages(&p, &first).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(v["stop_reason"], "tool_use", "{v}");
    let call =
        v["content"].as_array().unwrap().iter().find(|b| b["type"] == "tool_use").unwrap().clone();
    assert!(call["input"]["command"].is_string(), "{call}");
    let second = json!({"model": "gpt", "max_tokens": 100, "tools": tools, "messages": [
        {"role": "user", "content": "run ls"},
        {"role": "assistant", "content": v["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "a.txt b.txt", "is_error": false}]}]});
    let a = messages(&p, &second).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["stop_reason"], "end_turn", "{}", a.text);
    let last = fake.requests().last().cloned().unwrap();
    let sent = String::from_utf8_lossy(&last.body).to_string();
    assert!(sent.contains("a.txt b.txt") && sent.contains(call["id"].as_str().unwrap()), "{sent}");
}

#[tokio::test]
async fn models_route_by_component_model_and_alias() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("a-echo.yaml", ECHO_COMPONENTS.to_string()),
        (
            "b-claude.yaml",
            claude(
                "claude",
                &fake,
                &[("modelAliases", "claude-*"), ("allowedModels", "claude-haiku-4-5")],
            ),
        ),
    ];
    let (p, _d) = setup(&files).await;
    let a = messages(&p, &user("claude-opus-4-5-20251101", "hi")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["model"], "claude-opus-4-5-20251101", "the name the client sent");
    assert_eq!(a.header("x-parlance-component"), Some("claude"));
    let upstream = fake.requests().last().cloned().unwrap();
    assert_eq!(
        upstream.json.unwrap()["model"],
        "claude-sonnet-4-20250514",
        "the component's model"
    );
    let a = messages(&p, &user("claude-haiku-4-5", "hi")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let upstream = fake.requests().last().cloned().unwrap();
    assert_eq!(upstream.json.unwrap()["model"], "claude-haiku-4-5", "allowed: passed on");
    let a = messages(&p, &user("claude/claude-haiku-4-5", "hi")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = messages(&p, &user("claude/o1", "hi")).await;
    assert_eq!((a.status, a.error()["type"].clone()), (400, json!("invalid_request_error")));
    let a = messages(&p, &user("gpt-5", "hi")).await;
    assert_eq!((a.status, a.error()["type"].clone()), (404, json!("not_found_error")));
    let huge = "m".repeat(100_000);
    let a = messages(&p, &user(&huge, "hi")).await;
    assert_eq!(a.status, 404);
    assert!(a.text.len() < 1_000, "the name is not reflected: {} bytes", a.text.len());
    let reflected: usize = a.headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    assert!(reflected < 1_000, "headers stay bounded: {reflected} bytes");
}

#[tokio::test]
async fn errors_in_anthropics_shape_and_statuses() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let limited = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    limited
        .set_default_fault(Some(parlance_fake::Fault::Status { code: 429, retry_after: Some(3) }));
    let broken = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    broken.set_default_fault(Some(parlance_fake::Fault::Status { code: 500, retry_after: None }));
    let files = [
        ("echo.yaml", ECHO_COMPONENTS.to_string()),
        ("limited.yaml", claude("limited", &limited, &[])),
        ("broken.yaml", claude("broken", &broken, &[])),
        ("claude.yaml", claude("claude", &fake, &[])),
    ];
    let (p, _d) = setup(&files).await;
    let a = messages(&p, &json!({"model": "echo", "messages": []})).await;
    assert_eq!(
        (a.status, a.error()["type"].clone()),
        (400, json!("invalid_request_error")),
        "{}",
        a.text
    );
    assert!(a.header("request-id").unwrap().starts_with("req_"));
    let a = send(p.client.post(format!("{}/v1/messages", p.base)).body("{not json")).await;
    assert_eq!((a.status, a.error()["type"].clone()), (400, json!("invalid_request_error")));
    let a = messages(&p, &user("limited", "hi")).await;
    assert_eq!(
        (a.status, a.error()["type"].clone()),
        (429, json!("rate_limit_error")),
        "{}",
        a.text
    );
    assert_eq!(a.header("retry-after"), Some("3"));
    let a = messages(&p, &user("broken", "hi")).await;
    assert_eq!((a.status, a.error()["type"].clone()), (502, json!("api_error")), "{}", a.text);
    let image = json!({"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]}]});
    let a = messages(&p, &image).await;
    assert_eq!((a.status, a.error()["type"].clone()), (400, json!("invalid_request_error")));
    let big = json!({"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": "x".repeat(5 << 20)}]});
    let a = messages(&p, &big).await;
    assert_eq!((a.status, a.error()["type"].clone()), (413, json!("request_too_large")));
}

#[tokio::test]
async fn count_tokens_estimates_with_a_tokenizer() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files =
        [("echo.yaml", ECHO_COMPONENTS.to_string()), ("claude.yaml", claude("claude", &fake, &[]))];
    let (p, _d) = setup(&files).await;
    let count = |model: &str, text: &str| {
        let body = json!({"model": model, "messages": [{"role": "user", "content": text}]});
        let req =
            p.client.post(format!("{}/v1/messages/count_tokens?beta=true", p.base)).json(&body);
        send(req)
    };
    let short = count("echo", "hello world").await;
    assert_eq!(short.status, 200, "{}", short.text);
    assert!(short.header("request-id").is_some());
    let n = short.json()["input_tokens"].as_u64().unwrap();
    assert!((2..20).contains(&n), "{n}");
    let long = count("echo", &"The quick brown fox jumps over the lazy dog. ".repeat(50)).await;
    let m = long.json()["input_tokens"].as_u64().unwrap();
    assert!((450..650).contains(&m), "about 10 tokens a sentence: {m}");
    assert!(fake.requests().is_empty(), "an estimate: nothing went upstream");
    let a = count("nope", "hi").await;
    assert_eq!((a.status, a.error()["type"].clone()), (404, json!("not_found_error")));
}

#[tokio::test]
async fn keys_come_as_x_api_key_or_bearer() {
    let echo = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start_with(args(&[path(&echo)]), Some("sekret")).await;
    let url = format!("{}/v1/messages", p.base);
    let body = user("echo", "hi");
    let a = send(p.client.post(&url).json(&body)).await;
    assert_eq!((a.status, a.error()["type"].clone()), (401, json!("authentication_error")));
    assert!(a.header("request-id").is_some());
    let a = send(p.client.post(&url).header("x-api-key", "wrong").json(&body)).await;
    assert_eq!(a.status, 401);
    let a = send(p.client.post(&url).header("x-api-key", "sekret").json(&body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = send(p.client.post(&url).bearer_auth("sekret").json(&body)).await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn requests_are_counted_under_api_anthropic() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    assert_eq!(messages(&p, &user("echo", "hi")).await.status, 200);
    let mut s = user("echo", "hi");
    s["stream"] = json!(true);
    assert_eq!(messages(&p, &s).await.status, 200);
    let mut extras = user("echo", "hi");
    extras["top_k"] = json!(5);
    extras["tools"] = json!([{"type": "web_search_20250305", "name": "web_search"}]);
    assert_eq!(messages(&p, &extras).await.status, 200);
    let addr = p.running.metrics_addr.unwrap();
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    for want in [
        r#"parlance_requests_total{api="anthropic",component="echo",code="OK",stream="false"} 2"#,
        r#"parlance_requests_total{api="anthropic",component="echo",code="OK",stream="true"} 1"#,
        r#"parlance_dropped_fields_total{api="anthropic",field="top_k"} 1"#,
        r#"parlance_dropped_fields_total{api="anthropic",field="tools.server_tool"} 1"#,
    ] {
        assert!(text.contains(want), "missing {want}\n{text}");
    }
}

/// Values that are wrong somewhere in a Messages body.
fn odd_value(rng: &mut Rng) -> Value {
    let odd = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(""),
        json!("x"),
        json!([]),
        json!({}),
        json!([null]),
        json!([{"type": "image"}]),
        json!({"type": 7}),
        json!("m".repeat(70_000)),
        json!([[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]),
        json!({"type": "tool_result"}),
        json!([{"type": "tool_use", "input": "s"}]),
    ];
    odd[rng.below(odd.len())].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_mutated_bodies_get_anthropic_errors() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let seed = json!({"model": "echo", "max_tokens": 64, "stream": false,
        "system": [{"type": "text", "text": "be brief"}],
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "text", "text": "checking"},
                {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Oslo"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "sunny"}]}]}],
        "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "auto"}, "temperature": 0.2, "top_p": 0.9, "stop_sequences": ["END"]});
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut refused, mut answered) = (0, 0);
    let url = format!("{}/v1/messages", p.base);
    for i in 0..5_000 {
        let body = mutate::mutated(&seed, &mut rng, odd_value);
        let req = p.client.post(&url).timeout(std::time::Duration::from_secs(10));
        let a = send(req.body(body.clone())).await;
        let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).to_string();
        assert!(a.status < 500, "#{i}: {} for {shown}: {}", a.status, a.text);
        if a.status == 200 {
            answered += 1;
            continue;
        }
        assert!((400..500).contains(&a.status), "#{i}: {}", a.status);
        a.error();
        assert!(a.text.len() < 2_000, "#{i}: reflected {} bytes: {}", a.text.len(), &a.text[..300]);
        refused += 1;
    }
    println!("mutated bodies: {refused} refused (4xx), {answered} answered (200)");
    assert!(refused > 3_000, "most mutations are refused: {refused} refused, {answered} answered");
}
