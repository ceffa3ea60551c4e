//! Issue 21 item 7, end to end: an OpenAI component with `wireApi: responses` calls the
//! fake's Responses API upstream (`POST {endpoint}/responses`), and every door can use it —
//! Dapr alpha2 plain and streamed, the chat-completions door streamed with tool calls (their
//! arguments intact), the Responses door with a reasoning item round trip (the fake verifies
//! the `encrypted_content` it issued, so a changed item fails), an upstream fault in each
//! door's error shape (the same status as the chat wire gives), and `parlance validate`
//! refusing a bad `wireApi`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Answer, Parlance, openai, path, resources, start, validate};
use parlance_fake::{FakeOptions, FakeUpstream, Fault};
use serde_json::{Value, json};

async fn setup(fake: &FakeUpstream) -> (Parlance, tempfile::TempDir) {
    let files = [
        ("r.yaml", openai("resp", fake, &[("wireApi", "responses"), ("modelAliases", "gpt-5*")])),
        ("c.yaml", openai("chat", fake, &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    (start(&[path(&dir)]).await, dir)
}

async fn fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

impl Answer {
    /// `(event name, data)` of an SSE body; unnamed `data:` events get the name `""`;
    /// comments are skipped.
    fn events(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for block in self.text.split("\n\n").filter(|b| !b.trim().is_empty()) {
            let (mut name, mut data) = (String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    name = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            if !data.is_empty() {
                out.push((name, serde_json::from_str(&data).unwrap_or(Value::String(data))));
            }
        }
        out
    }
}

async fn post(p: &Parlance, path: &str, body: &Value, stream: bool) -> Answer {
    let mut req = p.client.post(format!("{}{path}", p.base)).json(body);
    if stream {
        req = req.header("accept", "text/event-stream");
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Answer { status, headers, text: resp.text().await.unwrap() }
}

fn alpha2(text: &str) -> Value {
    json!({"inputs": [{"messages": [
        {"ofSystem": {"content": [{"text": "be brief"}]}},
        {"ofUser": {"content": [{"text": text}]}}]}],
        "parameters": {"max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "40"}}})
}

fn shell_tool() -> Value {
    json!({"type": "function", "name": "exec_command", "description": "run a shell command",
        "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}})
}

/// The last request the fake got, which must have been on the Responses wire.
fn upstream(fake: &FakeUpstream) -> Value {
    let req = fake.last_request().unwrap();
    assert_eq!(req.path, "/v1/responses");
    req.json.unwrap()
}

#[tokio::test]
async fn alpha2_plain_and_streamed_through_the_responses_wire() {
    let fake = fake().await;
    let (p, _d) = setup(&fake).await;
    let a =
        post(&p, "/v1.0-alpha2/conversation/resp/converse", &alpha2("hello there"), false).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = upstream(&fake);
    assert_eq!(sent["instructions"], "be brief");
    assert_eq!(
        sent["input"],
        json!([{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello there"}]}])
    );
    assert_eq!(
        (sent["max_output_tokens"].clone(), sent["store"].clone()),
        (json!(40), json!(false))
    );
    assert_eq!(sent["include"], json!(["reasoning.encrypted_content"]));
    let out = &a.json()["outputs"][0];
    assert_eq!(out["choices"][0]["message"]["content"], "echo: hello there");
    assert_eq!(out["choices"][0]["finishReason"], "stop");
    let usage = &out["usage"];
    // Three words of echo plus the fake's four reasoning tokens.
    assert_eq!(usage["completionTokens"], "7", "{usage}");
    assert_eq!(usage["completionTokensDetails"]["reasoningTokens"], "4", "{usage}");

    let s = post(&p, "/v1.0-alpha2/conversation/resp/converse", &alpha2("stream me please"), true)
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(upstream(&fake)["stream"], true);
    let events = s.events();
    let text: String = events
        .iter()
        .filter(|(n, _)| n == "chunk")
        .filter_map(|(_, d)| d["choices"][0]["content"].as_str())
        .collect();
    assert_eq!(text, "echo: stream me please");
    assert!(events.iter().filter(|(n, _)| n == "chunk").count() > 2, "{events:?}");
    assert!(
        events.iter().all(|(n, d)| n != "chunk" || d["choices"][0] != json!({})),
        "no empty chunk for the reasoning item: {events:?}"
    );
    let (name, complete) = events.last().unwrap();
    assert_eq!(name, "complete");
    assert_eq!(complete["outputs"][0]["usage"]["completionTokensDetails"]["reasoningTokens"], "4");
}

#[tokio::test]
async fn the_chat_door_streams_tool_calls_with_their_arguments_intact() {
    let fake = fake().await;
    let (p, _d) = setup(&fake).await;
    let body = json!({"model": "resp", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "Use exec_command to run `ls -la /tmp` now"}],
        "tools": [{"type": "function", "function": {"name": "exec_command",
            "parameters": shell_tool()["parameters"]}}]});
    let a = post(&p, "/v1/chat/completions", &body, false).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = upstream(&fake);
    assert_eq!(
        sent["tools"],
        json!([{"type": "function", "name": "exec_command",
        "parameters": shell_tool()["parameters"]}]),
        "flat Responses tools"
    );
    let events: Vec<Value> = a.events().into_iter().map(|(_, d)| d).collect();
    assert_eq!(events.last().unwrap(), "[DONE]");
    let calls: Vec<&Value> =
        events.iter().filter_map(|e| e["choices"].get(0)?["delta"]["tool_calls"].get(0)).collect();
    assert!(calls.len() > 1, "arguments come in pieces: {calls:?}");
    assert_eq!(calls[0]["function"]["name"], "exec_command");
    assert!(calls[0]["id"].as_str().unwrap().starts_with("call_"), "{calls:?}");
    let args: String = calls.iter().map(|c| c["function"]["arguments"].as_str().unwrap()).collect();
    assert_eq!(serde_json::from_str::<Value>(&args).unwrap(), json!({"cmd": "ls -la /tmp"}));
    let finish = events.iter().rev().find_map(|e| e["choices"].get(0)?["finish_reason"].as_str());
    assert_eq!(finish, Some("tool_calls"));
    let usage = events.iter().rev().find_map(|e| e.get("usage").filter(|u| !u.is_null())).unwrap();
    assert_eq!(usage["completion_tokens_details"]["reasoning_tokens"], 4, "{usage}");
}

#[tokio::test]
async fn the_responses_door_round_trips_reasoning_items() {
    let fake = fake().await;
    let (p, _d) = setup(&fake).await;
    // Codex's first turn, under its own model name (routed by `modelAliases`).
    let first = json!({"model": "gpt-5-codex", "store": false, "stream": true,
        "include": ["reasoning.encrypted_content"], "tools": [shell_tool(), {"type": "web_search"}],
        "input": [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "You are Codex."}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Run `echo hi` with exec_command"}]}]});
    let a = post(&p, "/v1/responses", &first, false).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let events = a.events();
    let done: Vec<&Value> = events
        .iter()
        .filter(|(n, _)| n == "response.output_item.done")
        .map(|(_, d)| &d["item"])
        .collect();
    assert_eq!(done.len(), 2, "{events:?}");
    let reasoning = done[0].clone();
    assert_eq!(reasoning["type"], "reasoning");
    assert!(reasoning["id"].as_str().unwrap().starts_with("rs_"));
    let sealed = reasoning["encrypted_content"].as_str().unwrap();
    assert!(sealed.starts_with("fake-enc:v1:"), "{reasoning}");
    assert_eq!(reasoning["summary"][0]["type"], "summary_text");
    let call = done[1].clone();
    assert_eq!(
        (call["type"].clone(), call["arguments"].clone()),
        (json!("function_call"), json!("{\"cmd\":\"echo hi\"}"))
    );
    let completed = &events.last().unwrap().1;
    assert_eq!(completed["type"], "response.completed");
    assert_eq!(
        completed["response"]["output"][0], reasoning,
        "the same item in the final Response"
    );

    // The second turn sends the items back; the fake accepts the reasoning item only unchanged.
    let mut second = first.clone();
    second["stream"] = json!(false);
    let items = second["input"].as_array_mut().unwrap();
    items.push(reasoning.clone());
    items.push(call.clone());
    items.push(json!({"type": "function_call_output", "id": "fco_1", "call_id": call["call_id"], "output": "hi"}));
    let b = post(&p, "/v1/responses", &second, false).await;
    assert_eq!(b.status, 200, "{}", b.text);
    let sent = upstream(&fake);
    let input = sent["input"].as_array().unwrap();
    assert_eq!(sent["instructions"], "You are Codex.");
    assert_eq!(input[1], reasoning, "the reasoning item reaches the upstream unchanged");
    assert_eq!(input[2]["type"], "function_call");
    assert_eq!(input[2]["call_id"], call["call_id"]);
    assert_eq!(
        input[3],
        json!({"type": "function_call_output", "call_id": call["call_id"], "output": "hi"})
    );
    let reply = b.json();
    assert_eq!(reply["model"], "gpt-5-codex");
    assert_eq!(reply["output"][0]["type"], "reasoning");
    assert_eq!(reply["output"][1]["content"][0]["text"], "echo: hi");
    assert_eq!(reply["usage"]["output_tokens_details"]["reasoning_tokens"], 4);

    // A changed item is refused upstream: proof the check above could fail.
    let mut forged = second.clone();
    forged["input"][2]["summary"][0]["text"] = json!("Considering: something else");
    let c = post(&p, "/v1/responses", &forged, false).await;
    assert_eq!(c.status, 400, "{}", c.text);
    assert!(
        c.json()["error"]["message"].as_str().unwrap().contains("could not be verified"),
        "{}",
        c.text
    );
    let metrics = p.running.metrics_addr.unwrap();
    let text =
        reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
    assert!(!text.contains(r#"field="input.reasoning""#), "kept, so not counted as dropped");

    // The same items to a chat-wire component are left out, and counted.
    let mut to_chat = second.clone();
    to_chat["model"] = json!("chat");
    let d = post(&p, "/v1/responses", &to_chat, false).await;
    assert_eq!(d.status, 200, "{}", d.text);
    let sent = fake.last_request().unwrap();
    assert_eq!(sent.path, "/v1/chat/completions");
    assert!(
        !String::from_utf8_lossy(&sent.body).contains("fake-enc"),
        "no reasoning on the chat wire"
    );
    let text =
        reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
    assert!(
        text.contains(
            r#"parlance_dropped_fields_total{api="responses",field="input.reasoning"} 1"#
        ),
        "{text}"
    );
}

/// Issue 21 item 2: a stored response keeps the reasoning items the model returned, so a
/// `previous_response_id` continuation (Codex with `store: true`) sends them back upstream,
/// where the fake verifies their `encrypted_content`.
#[tokio::test]
async fn previous_response_id_sends_the_stored_reasoning_items_back_upstream() {
    let fake = fake().await;
    let (p, _d) = setup(&fake).await;
    for stream in [false, true] {
        let first = json!({"model": "gpt-5-codex", "stream": stream,
            "include": ["reasoning.encrypted_content"], "tools": [shell_tool()],
            "input": "Run `echo hi` with exec_command"});
        let a = post(&p, "/v1/responses", &first, false).await;
        assert_eq!(a.status, 200, "{}", a.text);
        let done = match stream {
            false => a.json(),
            true => a.events().last().unwrap().1["response"].clone(),
        };
        let reasoning = done["output"][0].clone();
        assert_eq!(reasoning["type"], "reasoning", "{done}");
        assert!(reasoning["encrypted_content"].as_str().unwrap().starts_with("fake-enc:v1:"));
        let call = done["output"][1].clone();
        assert_eq!(call["type"], "function_call", "{done}");
        // The stream's entry is written as its last event goes out: give it a moment.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let second = json!({"model": "gpt-5-codex", "previous_response_id": done["id"],
            "include": ["reasoning.encrypted_content"], "tools": [shell_tool()],
            "input": [{"type": "function_call_output", "call_id": call["call_id"], "output": "hi"}]});
        let b = post(&p, "/v1/responses", &second, false).await;
        assert_eq!(b.status, 200, "stream {stream}: {}", b.text);
        let sent = upstream(&fake);
        let input = sent["input"].as_array().unwrap();
        assert_eq!(input[0]["role"], "user", "{sent}");
        assert_eq!(input[1], reasoning, "the stored reasoning item goes back unchanged: {sent}");
        assert_eq!(input[2]["type"], "function_call");
        assert_eq!(input[2]["call_id"], call["call_id"]);
        assert_eq!(input[3]["type"], "function_call_output");
        assert_eq!(b.json()["output"][1]["content"][0]["text"], "echo: hi");
    }
}

/// Issue 21 item 3: the `reasoning` parameter reaches a Responses-wire component whole (the
/// fake validates it), a chat-wire OpenAI component as `reasoning_effort` (its summary counted
/// as dropped), and the Response object repeats it.
#[tokio::test]
async fn the_reasoning_parameter_is_forwarded() {
    let fake = fake().await;
    let (p, _d) = setup(&fake).await;
    let ask = |model: &str, reasoning: Value| json!({"model": model, "input": "think about it", "reasoning": reasoning});
    let a =
        post(&p, "/v1/responses", &ask("resp", json!({"effort": "low", "summary": "auto"})), false)
            .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(upstream(&fake)["reasoning"], json!({"effort": "low", "summary": "auto"}));
    assert_eq!(a.json()["reasoning"], json!({"effort": "low", "summary": "auto"}));
    // Streamed too, and the older `generate_summary` name.
    let mut body = ask("resp", json!({"effort": "high", "generate_summary": "concise"}));
    body["stream"] = json!(true);
    let a = post(&p, "/v1/responses", &body, false).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(upstream(&fake)["reasoning"], json!({"effort": "high", "summary": "concise"}));
    // A value the API does not list is the upstream's 400, passed on.
    let a = post(&p, "/v1/responses", &ask("resp", json!({"effort": "extreme"})), false).await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert!(a.text.contains("Invalid value: 'extreme'"), "{}", a.text);
    // Malformed at the door: a 400 before any upstream call.
    let a = post(&p, "/v1/responses", &ask("resp", json!("low")), false).await;
    assert_eq!(a.status, 400, "{}", a.text);
    // The chat wire: `reasoning_effort`; the summary has no field there.
    let a = post(
        &p,
        "/v1/responses",
        &ask("chat", json!({"effort": "minimal", "summary": "auto"})),
        false,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sent = fake.last_request().unwrap();
    assert_eq!(sent.path, "/v1/chat/completions");
    let sent = sent.json.unwrap();
    assert_eq!(sent["reasoning_effort"], "minimal", "{sent}");
    assert!(sent.get("reasoning").is_none(), "{sent}");
    let metrics = p.running.metrics_addr.unwrap();
    let text =
        reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
    assert!(
        text.contains(
            r#"parlance_dropped_fields_total{api="responses",field="reasoning.summary"} 1"#
        ),
        "{text}"
    );
    assert!(!text.contains(r#"field="reasoning"}"#), "nothing dropped whole: {text}");
    // Alpha2 `parameters` carry it too.
    let mut req = alpha2("hi");
    req["parameters"] = json!({"reasoning_effort": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "medium"}});
    let a = post(&p, "/v1.0-alpha2/conversation/resp/converse", &req, false).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(upstream(&fake)["reasoning"], json!({"effort": "medium"}));
}

#[tokio::test]
async fn upstream_faults_map_to_each_doors_error_as_on_the_chat_wire() {
    let fake = fake().await;
    let (p, _d) = setup(&fake).await;
    let doors = |model: &str| {
        vec![
            (format!("/v1.0-alpha2/conversation/{model}/converse"), alpha2("x")),
            (
                "/v1/chat/completions".to_string(),
                json!({"model": model, "messages": [{"role": "user", "content": "x"}]}),
            ),
            (
                "/v1/messages".to_string(),
                json!({"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": "x"}]}),
            ),
            ("/v1/responses".to_string(), json!({"model": model, "input": "x"})),
        ]
    };
    for (fault, status) in [
        (Fault::Status { code: 429, retry_after: Some(2) }, 429),
        (Fault::Status { code: 503, retry_after: None }, 502),
    ] {
        for ((path, body), (chat_path, chat_body)) in doors("resp").into_iter().zip(doors("chat")) {
            fake.push_fault(fault.clone());
            let r = post(&p, &path, &body, false).await;
            assert_eq!(fake.last_request().unwrap().path, "/v1/responses");
            fake.push_fault(fault.clone());
            let c = post(&p, &chat_path, &chat_body, false).await;
            assert_eq!(fake.last_request().unwrap().path, "/v1/chat/completions");
            // Dapr's door answers every invoke failure 500, as daprd does.
            let want = if path.starts_with("/v1.0") { 500 } else { status };
            assert_eq!((r.status, c.status), (want, want), "{path}: {} vs {}", r.text, c.text);
            if path.starts_with("/v1.0") {
                assert_eq!(r.json()["errorCode"], "ERR_CONVERSATION_INVOKE", "{}", r.text);
                assert_eq!(r.json()["errorCode"], c.json()["errorCode"], "{path}");
            } else if path == "/v1/messages" {
                assert_eq!(r.json()["type"], "error", "{}", r.text);
                assert_eq!(r.json()["error"]["type"], c.json()["error"]["type"], "{path}");
            } else {
                assert_eq!(r.json()["error"]["type"], c.json()["error"]["type"], "{path}");
            }
            let retry =
                |a: &Answer| a.headers.get("retry-after").map(|v| v.to_str().unwrap().to_string());
            assert_eq!(retry(&r), retry(&c), "{path}");
            if status == 429 && !path.starts_with("/v1.0") {
                assert_eq!(retry(&r).as_deref(), Some("2"), "{path}");
            }
        }
    }
    // A failure in the middle of an upstream stream ends each stream in its door's way.
    fake.push_fault("stream-error-after=4".parse().unwrap());
    let body =
        json!({"model": "resp", "input": "many words in this answer please", "stream": true});
    let a = post(&p, "/v1/responses", &body, false).await;
    assert_eq!(a.status, 200);
    let events = a.events();
    assert_eq!(events.last().unwrap().0, "response.failed", "{events:?}");
    fake.push_fault("stream-error-after=4".parse().unwrap());
    let a =
        post(&p, "/v1.0-alpha2/conversation/resp/converse", &alpha2("many words here"), true).await;
    assert_eq!(a.events().last().unwrap().0, "error", "{}", a.text);
}

#[test]
fn validate_refuses_an_unknown_wire_api() {
    let files = [
        (
            "bad.yaml",
            common::component(
                "bad",
                "conversation.openai",
                &[("key", "k"), ("wireApi", "websocket")],
            ),
        ),
        (
            "ds.yaml",
            common::component(
                "ds",
                "conversation.deepseek",
                &[("key", "k"), ("wireApi", "responses")],
            ),
        ),
        (
            "ok.yaml",
            common::component(
                "ok",
                "conversation.openai",
                &[("key", "k"), ("wireApi", "responses")],
            ),
        ),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let (ok, text) = validate(dir.path());
    assert!(!ok, "{text}");
    assert!(
        text.contains(r#"wireApi: unknown value "websocket" (expected chat or responses)"#),
        "{text}"
    );
    assert!(text.contains("wireApi: responses is served by conversation.openai only"), "{text}");
    assert!(!text.contains("ok.yaml"), "a valid switch is not a problem: {text}");
}
