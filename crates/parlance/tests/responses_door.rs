//! Issue 21, end to end: the OpenAI Responses door (`/v1/responses`, `GET`/`DELETE
//! /v1/responses/{id}`) against echo and the fake's OpenAI and Anthropic upstreams — the
//! Response object and the event stream in OpenAI's shapes (`sequence_number` on each event),
//! function-call arguments intact through a stream, a `function_call_output` round trip,
//! `previous_response_id` served from the store (and a 400 for an unknown one), stored
//! responses readable only by the key that made them, structured output, the error shape and
//! statuses, the `api="responses"` metrics label and the dropped-fields counter, and thousands
//! of mutated bodies that must each get a 4xx in OpenAI's shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod mutate;
mod replicas;

use common::{Answer, ECHO_COMPONENTS, Parlance, args, path, resources, send, setup, start_with};
use mutate::Rng;
use parlance_fake::{FakeOptions, FakeUpstream};
use serde_json::{Value, json};

impl Answer {
    /// `(event, data)` of a stream; every `data.type` names its event, and the sequence
    /// numbers count from 0.
    fn events(&self) -> Vec<(String, Value)> {
        assert_eq!(self.header("content-type"), Some("text/event-stream"), "{}", self.text);
        let frames = self.text.split("\n\n").filter(|f| !f.is_empty() && !f.starts_with(':'));
        let events: Vec<(String, Value)> = frames
            .map(|f| {
                let (name, data) = f.split_once('\n').unwrap_or_else(|| panic!("{f}"));
                let name = name.strip_prefix("event: ").unwrap_or_else(|| panic!("{f}"));
                let data: Value =
                    serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
                assert_eq!(data["type"], name, "{f}");
                (name.to_string(), data)
            })
            .collect();
        for (i, (_, d)) in events.iter().enumerate() {
            assert_eq!(d["sequence_number"], i as u64, "{d}");
        }
        events
    }

    /// The error body, checked to be exactly OpenAI's shape.
    fn error(&self) -> Value {
        let v = self.json();
        let e = v["error"].as_object().unwrap_or_else(|| panic!("{v}"));
        assert!(e["type"].is_string() && e["message"].is_string(), "{v}");
        assert!(e.contains_key("param") && e.contains_key("code") && e.len() == 4, "{v}");
        v["error"].clone()
    }
}

async fn create(p: &Parlance, body: &Value) -> Answer {
    send(p.client.post(format!("{}/v1/responses", p.base)).json(body)).await
}

fn ask(model: &str, text: &str) -> Value {
    json!({"model": model, "input": text})
}

fn exec_tool() -> Value {
    json!({"type": "function", "name": "exec_command", "description": "Run a shell command",
        "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}})
}

#[tokio::test]
async fn a_plain_response_in_openais_shape() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let body = json!({"model": "echo", "instructions": "be brief", "input": "hello there",
        "metadata": {"run": "1"}, "temperature": 0.5});
    let a = create(&p, &body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("resp_"), "{v}");
    assert_eq!(v["object"], "response");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["model"], "echo");
    assert_eq!(v["instructions"], "be brief");
    assert_eq!(v["metadata"], json!({"run": "1"}));
    assert_eq!(v["temperature"], 0.5);
    assert_eq!(v["store"], true);
    let item = &v["output"][0];
    assert_eq!(item["type"], "message");
    assert_eq!(item["role"], "assistant");
    assert_eq!(
        item["content"],
        json!([{"type": "output_text", "text": "be brief\nhello there", "annotations": [], "logprobs": []}])
    );
    assert_eq!(
        v["usage"],
        json!({"input_tokens": 4, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 8})
    );
    assert!(a.header("x-request-id").is_some());
    assert_eq!(a.header("x-parlance-component"), Some("echo"));
    assert_eq!(a.header("x-parlance-cache"), Some("none"));
    // Stored by default: readable back, byte for byte.
    let got = send(p.client.get(format!("{}/v1/responses/{id}", p.base))).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.json(), v);
}

#[tokio::test]
async fn max_output_tokens_makes_an_incomplete_response() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let mut body = ask("echo", "one two three four five");
    body["max_output_tokens"] = json!(2);
    let v = create(&p, &body).await.json();
    assert_eq!(v["status"], "incomplete", "{v}");
    assert_eq!(v["incomplete_details"], json!({"reason": "max_output_tokens"}));
    assert_eq!(v["output"][0]["content"][0]["text"], "one two");
    assert_eq!(v["max_output_tokens"], 2);
}

#[tokio::test]
async fn a_stream_in_openais_order_through_each_upstream() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("echo.yaml", ECHO_COMPONENTS.to_string()),
        ("claude.yaml", common::anthropic("claude", &fake, &[])),
        ("gpt.yaml", common::openai("gpt", &fake, &[])),
    ];
    let (p, _d) = setup(&files).await;
    for model in ["echo", "claude", "gpt"] {
        let mut body = ask(model, "one two three");
        body["stream"] = json!(true);
        let a = create(&p, &body).await;
        assert_eq!(a.status, 200, "{model}: {}", a.text);
        let ev = a.events();
        let names: Vec<&str> = ev.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            &names[..4],
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.content_part.added"
            ],
            "{model}"
        );
        assert_eq!(
            &names[names.len() - 4..],
            [
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed"
            ],
            "{model}"
        );
        assert_eq!(ev[0].1["response"]["status"], "in_progress");
        assert_eq!(ev[0].1["response"]["model"], model);
        let text: String = ev
            .iter()
            .filter(|(n, _)| n == "response.output_text.delta")
            .map(|(_, d)| d["delta"].as_str().unwrap())
            .collect();
        assert!(text.contains("one two three"), "{model}: {text}");
        let done = &ev.last().unwrap().1["response"];
        assert_eq!(done["status"], "completed");
        assert_eq!(done["output"][0]["content"][0]["text"], text.as_str());
        assert!(done["usage"]["output_tokens"].as_u64().unwrap() > 0, "{done}");
        assert_eq!(done["id"], ev[0].1["response"]["id"]);
    }
}

#[tokio::test]
async fn streamed_function_calls_keep_their_arguments() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let files = [
        ("claude.yaml", common::anthropic("claude", &fake, &[])),
        ("gpt.yaml", common::openai("gpt", &fake, &[])),
    ];
    let (p, _d) = setup(&files).await;
    for model in ["claude", "gpt"] {
        let body = json!({"model": model, "stream": true, "input": "list the files",
            "tools": [exec_tool(), {"type": "web_search"}], "tool_choice": "required"});
        let a = create(&p, &body).await;
        assert_eq!(a.status, 200, "{model}: {}", a.text);
        let ev = a.events();
        let added = ev
            .iter()
            .find(|(n, d)| {
                n == "response.output_item.added" && d["item"]["type"] == "function_call"
            })
            .unwrap_or_else(|| panic!("{model}: no function_call in {}", a.text));
        let item = &added.1["item"];
        assert_eq!(item["name"], "exec_command");
        assert!(item["call_id"].as_str().is_some_and(|c| !c.is_empty()), "{item}");
        let args: String = ev
            .iter()
            .filter(|(n, d)| {
                n == "response.function_call_arguments.delta" && d["item_id"] == item["id"]
            })
            .map(|(_, d)| d["delta"].as_str().unwrap())
            .collect();
        let parsed: Value =
            serde_json::from_str(&args).unwrap_or_else(|e| panic!("{model}: {e}: {args:?}"));
        assert!(parsed["cmd"].is_string(), "{model}: arguments must not be empty: {parsed}");
        let done = ev.iter().find(|(n, _)| n == "response.function_call_arguments.done").unwrap();
        assert_eq!(done.1["arguments"], args.as_str());
        let last = &ev.last().unwrap().1["response"];
        let call = last["output"].as_array().unwrap().iter().find(|i| i["type"] == "function_call");
        assert_eq!(call.unwrap()["arguments"], args.as_str());
        let sent = fake.requests().last().cloned().unwrap().json.unwrap();
        assert!(!sent.to_string().contains("web_search"), "hosted tools are left out: {sent}");
    }
}

#[tokio::test]
async fn a_function_call_output_round_trip_reaches_the_upstream() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("gpt.yaml", common::openai("gpt", &fake, &[]))]).await;
    let first = json!({"model": "gpt", "input": [{"role": "user", "content": "run ls"}],
        "tools": [exec_tool()], "tool_choice": {"type": "function", "name": "exec_command"}, "store": false});
    let a = create(&p, &first).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    let call = v["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap_or_else(|| panic!("{v}"))
        .clone();
    assert!(serde_json::from_str::<Value>(call["arguments"].as_str().unwrap()).is_ok(), "{call}");
    // As Codex does: the call item back, then its output with an id of its own.
    let second = json!({"model": "gpt", "tools": [exec_tool()], "store": false, "input": [
        {"role": "user", "content": "run ls"},
        call,
        {"type": "function_call_output", "id": "fco_1", "call_id": call["call_id"], "output": "a.txt b.txt"}]});
    let a = create(&p, &second).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["status"], "completed");
    let sent = fake.requests().last().cloned().unwrap().json.unwrap();
    let tool = sent["messages"].as_array().unwrap().iter().find(|m| m["role"] == "tool").cloned();
    let tool = tool.unwrap_or_else(|| panic!("{sent}"));
    assert_eq!(tool["tool_call_id"], call["call_id"]);
    assert!(tool["content"].to_string().contains("a.txt b.txt"), "{tool}");
    let stored =
        send(p.client.get(format!("{}/v1/responses/{}", p.base, v["id"].as_str().unwrap()))).await;
    assert_eq!(stored.status, 404, "store: false is not stored");
}

#[tokio::test]
async fn previous_response_id_continues_the_stored_conversation() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let first = json!({"model": "echo", "instructions": "sys", "input": "alpha"});
    let v = create(&p, &first).await.json();
    assert_eq!(v["output"][0]["content"][0]["text"], "sys\nalpha");
    let second = json!({"model": "echo", "input": "beta", "previous_response_id": v["id"]});
    let a = create(&p, &second).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let w = a.json();
    assert_eq!(w["previous_response_id"], v["id"]);
    // The stored turn and its answer, then the new input; the old instructions are not kept.
    assert_eq!(w["output"][0]["content"][0]["text"], "alpha\nsys\nalpha\nbeta");
    // A chain: streamed this time.
    let third =
        json!({"model": "echo", "input": "gamma", "previous_response_id": w["id"], "stream": true});
    let ev = create(&p, &third).await.events();
    let done = &ev.last().unwrap().1["response"];
    let text = done["output"][0]["content"][0]["text"].as_str().unwrap();
    assert!(text.ends_with("beta\nalpha\nsys\nalpha\nbeta\ngamma"), "{text}");
    let got =
        send(p.client.get(format!("{}/v1/responses/{}", p.base, done["id"].as_str().unwrap())))
            .await;
    assert_eq!(got.json(), *done, "a streamed response is stored as completed");
    // Unknown: a clear 400, never ignored.
    let unknown = json!({"model": "echo", "input": "x", "previous_response_id": "resp_nope"});
    let a = create(&p, &unknown).await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(a.error()["code"], "previous_response_not_found");
    // Deleted: gone.
    let url = format!("{}/v1/responses/{}", p.base, v["id"].as_str().unwrap());
    let d = send(p.client.delete(&url)).await;
    assert_eq!((d.status, d.json()["deleted"].clone()), (200, json!(true)));
    assert_eq!(send(p.client.get(&url)).await.status, 404);
    let again = json!({"model": "echo", "input": "x", "previous_response_id": v["id"]});
    assert_eq!(create(&p, &again).await.status, 400);
    let huge = send(p.client.get(format!("{}/v1/responses/{}", p.base, "r".repeat(20_000)))).await;
    assert_eq!(huge.status, 404);
    assert!(huge.text.len() < 1_000, "bounded: {}", huge.text.len());
}

#[tokio::test]
async fn a_stored_response_is_read_only_by_its_key() {
    let ci = ("sk-ci-bot", "5537e95fbf97088a783ac334b60b505e7cfcbccef77e180839b7af904bf2d441");
    let team = ("sk-team-b", "292d075b18c9240a48b848c521422c5f418f7dd16b5c66755fe58d0fb6a43e1f");
    let keys = [
        replicas::key("ci-bot", ci.1, "  components: [\"echo\"]\n"),
        replicas::key("team-b", team.1, "  components: [\"echo\"]\n"),
    ]
    .join("---\n");
    let dir = resources(&[("c.yaml", ECHO_COMPONENTS), ("k.yaml", &keys)]);
    let p = start_with(args(&[path(&dir)]), None).await;
    let url = format!("{}/v1/responses", p.base);
    let a = send(p.client.post(&url).json(&ask("echo", "secret plan"))).await;
    assert_eq!((a.status, a.error()["type"].clone()), (401, json!("authentication_error")));
    let a = send(p.client.post(&url).bearer_auth(ci.0).json(&ask("echo", "secret plan"))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let id = a.json()["id"].as_str().unwrap().to_string();
    let get = |key: &'static str| send(p.client.get(format!("{url}/{id}")).bearer_auth(key));
    assert_eq!(get(ci.0).await.status, 200);
    let other = get(team.0).await;
    assert_eq!(other.status, 404, "another key is told it does not exist");
    assert!(!other.text.contains("secret plan"));
    let follow = json!({"model": "echo", "input": "more", "previous_response_id": id});
    let a = send(p.client.post(&url).bearer_auth(team.0).json(&follow)).await;
    assert_eq!(a.status, 400, "{}", a.text);
    let a = send(p.client.post(&url).bearer_auth(ci.0).json(&follow)).await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn structured_output_reaches_the_upstream_as_a_schema() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (p, _d) = setup(&[("gpt.yaml", common::openai("gpt", &fake, &[]))]).await;
    let schema = json!({"type": "object", "properties": {"city": {"type": "string"}},
        "required": ["city"], "additionalProperties": false});
    let body = json!({"model": "gpt", "input": "Where is the Eiffel tower?",
        "text": {"format": {"type": "json_schema", "name": "place", "strict": true, "schema": schema}}});
    let a = create(&p, &body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(v["text"]["format"]["name"], "place", "repeated as sent");
    let text = v["output"][0]["content"][0]["text"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(parsed["city"].is_string(), "{parsed}");
    let sent = fake.requests().last().cloned().unwrap().json.unwrap();
    assert_eq!(sent["response_format"]["type"], "json_schema", "{sent}");
}

#[tokio::test]
async fn errors_in_openais_shape_and_statuses() {
    let limited = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    limited
        .set_default_fault(Some(parlance_fake::Fault::Status { code: 429, retry_after: Some(3) }));
    let broken = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    broken.set_default_fault(Some(parlance_fake::Fault::Status { code: 500, retry_after: None }));
    let files = [
        ("echo.yaml", ECHO_COMPONENTS.to_string()),
        ("limited.yaml", common::openai("limited", &limited, &[])),
        ("broken.yaml", common::openai("broken", &broken, &[])),
    ];
    let (p, _d) = setup(&files).await;
    let a = create(&p, &json!({"model": "echo"})).await;
    assert_eq!((a.status, a.error()["param"].clone()), (400, json!("input")), "{}", a.text);
    assert!(a.header("x-request-id").is_some());
    let a = send(p.client.post(format!("{}/v1/responses", p.base)).body("{not json")).await;
    assert_eq!((a.status, a.error()["type"].clone()), (400, json!("invalid_request_error")));
    let a = create(&p, &ask("limited", "hi")).await;
    assert_eq!(
        (a.status, a.error()["code"].clone()),
        (429, json!("rate_limit_exceeded")),
        "{}",
        a.text
    );
    assert_eq!(a.header("retry-after"), Some("3"));
    let a = create(&p, &ask("broken", "hi")).await;
    assert_eq!((a.status, a.error()["type"].clone()), (502, json!("api_error")), "{}", a.text);
    let huge = "m".repeat(100_000);
    let a = create(&p, &ask(&huge, "hi")).await;
    assert_eq!((a.status, a.error()["code"].clone()), (404, json!("model_not_found")));
    assert!(a.text.len() < 1_000, "the name is bounded: {} bytes", a.text.len());
    let reflected: usize = a.headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    assert!(reflected < 1_000, "headers stay bounded: {reflected} bytes");
    let image = json!({"model": "echo", "input": [{"role": "user", "content": [
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}]});
    let a = create(&p, &image).await;
    assert_eq!((a.status, a.error()["param"].clone()), (400, json!("input[0]")));
    let a = send(p.client.get(format!("{}/v1/responses/resp_missing", p.base))).await;
    assert_eq!((a.status, a.error()["type"].clone()), (404, json!("invalid_request_error")));
}

#[tokio::test]
async fn requests_are_counted_under_api_responses() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    assert_eq!(create(&p, &ask("echo", "hi")).await.status, 200);
    let mut s = ask("echo", "hi");
    s["stream"] = json!(true);
    assert_eq!(create(&p, &s).await.status, 200);
    // What Codex sends besides the question.
    let codex = json!({"model": "echo", "store": false, "stream": false, "parallel_tool_calls": false,
        "reasoning": {"summary": "auto"}, "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "k", "client_metadata": {"x": "y"}, "tool_choice": "auto",
        "tools": [exec_tool(), {"type": "web_search"}, {"type": "namespace", "name": "mcp__x", "tools": []}],
        "input": [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "You are Codex."}]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}]});
    let a = create(&p, &codex).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let addr = p.running.metrics_addr.unwrap();
    let text = reqwest::get(format!("http://{addr}/metrics")).await.unwrap().text().await.unwrap();
    for want in [
        r#"parlance_requests_total{api="responses",component="echo",code="OK",stream="false"} 2"#,
        r#"parlance_requests_total{api="responses",component="echo",code="OK",stream="true"} 1"#,
        r#"parlance_dropped_fields_total{api="responses",field="input.reasoning"} 1"#,
        r#"parlance_dropped_fields_total{api="responses",field="reasoning"} 1"#,
        r#"parlance_dropped_fields_total{api="responses",field="tools.web_search"} 1"#,
        r#"parlance_dropped_fields_total{api="responses",field="tools.namespace"} 1"#,
        r#"parlance_dropped_fields_total{api="responses",field="parallel_tool_calls"} 1"#,
    ] {
        assert!(text.contains(want), "missing {want}\n{text}");
    }
}

/// Values that are wrong somewhere in a Responses body.
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
        json!([{"type": "input_image"}]),
        json!({"type": 7}),
        json!("m".repeat(70_000)),
        json!([[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]),
        json!({"type": "function_call_output"}),
        json!([{"type": "function_call", "arguments": 5}]),
        json!({"type": "json_schema"}),
        json!("resp_unknown"),
    ];
    odd[rng.below(odd.len())].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_mutated_bodies_get_openai_errors() {
    let (p, _d) = setup(&[("echo.yaml", ECHO_COMPONENTS.to_string())]).await;
    let seed = json!({"model": "echo", "max_output_tokens": 64, "stream": false, "store": false,
        "instructions": "be brief",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "rules"}]},
            {"role": "user", "content": "weather?"},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "checking"}]},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"}],
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}, {"type": "web_search"}],
        "tool_choice": "auto", "temperature": 0.2, "top_p": 0.9, "parallel_tool_calls": true,
        "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}}},
        "metadata": {"k": "v"}, "previous_response_id": null});
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut refused, mut answered) = (0, 0);
    let url = format!("{}/v1/responses", p.base);
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
