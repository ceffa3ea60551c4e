//! The gRPC door (issue #3): Dapr's echo vectors over gRPC, parity with HTTP for answers and
//! errors, the API token, bad input (malformed protobuf, unset oneofs), unknown RPCs and
//! server reflection. Requests are written once as protojson and sent through both doors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ECHO_COMPONENTS, Parlance, args, path, resources, simple, start, start_with};
use parlance_core::wkt::{any_from_json, any_to_json, json_to_struct, parse_duration_json};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_client::DaprClient;
use serde_json::{Map, Value, json};
use tonic::transport::Channel;
use tonic::{Code, Request};

async fn echo_sidecar() -> (Parlance, tempfile::TempDir) {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    (start(&[path(&dir)]).await, dir)
}

async fn client(p: &Parlance) -> DaprClient<Channel> {
    DaprClient::connect(format!("http://{}", p.running.grpc_addrs[0])).await.unwrap()
}

// ---- protojson → proto (the request subset Dapr's vectors use) -------------------------

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn b(v: &Value, k: &str) -> Option<bool> {
    v.get(k).and_then(Value::as_bool)
}

fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn params(v: &Value) -> std::collections::BTreeMap<String, prost_types::Any> {
    let Some(m) = v.get("parameters").and_then(Value::as_object) else { return Default::default() };
    m.iter().map(|(k, a)| (k.clone(), any_from_json(a.as_object().unwrap()).unwrap())).collect()
}

fn strings(v: &Value) -> std::collections::BTreeMap<String, String> {
    let Some(m) = v.get("metadata").and_then(Value::as_object) else { return Default::default() };
    m.iter().map(|(k, s)| (k.clone(), s.as_str().unwrap().to_string())).collect()
}

fn alpha1_req(v: &Value) -> pb::ConversationRequest {
    let inputs = arr(v, "inputs")
        .iter()
        .map(|i| pb::ConversationInput {
            content: s(i, "content").unwrap_or_default(),
            role: s(i, "role"),
            scrub_pii: b(i, "scrubPII"),
        })
        .collect();
    pb::ConversationRequest {
        name: String::new(),
        context_id: s(v, "contextID"),
        inputs,
        parameters: params(v),
        metadata: strings(v),
        scrub_pii: b(v, "scrubPII"),
        temperature: v.get("temperature").and_then(Value::as_f64),
    }
}

fn content(v: &Value) -> Vec<pb::ConversationMessageContent> {
    arr(v, "content")
        .iter()
        .map(|c| pb::ConversationMessageContent { text: s(c, "text").unwrap_or_default() })
        .collect()
}

fn tool_call(v: &Value) -> pb::ConversationToolCalls {
    use pb::conversation_tool_calls::ToolTypes;
    let f = v.get("function").map(|f| {
        ToolTypes::Function(pb::ConversationToolCallsOfFunction {
            name: s(f, "name").unwrap_or_default(),
            arguments: s(f, "arguments").unwrap_or_default(),
        })
    });
    pb::ConversationToolCalls { id: s(v, "id"), tool_types: f }
}

fn message(v: &Value) -> pb::ConversationMessage {
    use pb::conversation_message::MessageTypes as M;
    let kind = if let Some(m) = v.get("ofDeveloper") {
        Some(M::OfDeveloper(pb::ConversationMessageOfDeveloper {
            name: s(m, "name"),
            content: content(m),
        }))
    } else if let Some(m) = v.get("ofSystem") {
        Some(M::OfSystem(pb::ConversationMessageOfSystem {
            name: s(m, "name"),
            content: content(m),
        }))
    } else if let Some(m) = v.get("ofUser") {
        Some(M::OfUser(pb::ConversationMessageOfUser { name: s(m, "name"), content: content(m) }))
    } else if let Some(m) = v.get("ofAssistant") {
        let tool_calls = arr(m, "toolCalls").iter().map(tool_call).collect();
        Some(M::OfAssistant(pb::ConversationMessageOfAssistant {
            name: s(m, "name"),
            content: content(m),
            tool_calls,
        }))
    } else {
        v.get("ofTool").map(|m| {
            M::OfTool(pb::ConversationMessageOfTool {
                tool_id: s(m, "toolId"),
                name: s(m, "name").unwrap_or_default(),
                content: content(m),
            })
        })
    };
    pb::ConversationMessage { message_types: kind }
}

fn tool(v: &Value) -> pb::ConversationTools {
    use pb::conversation_tools::ToolTypes;
    let f = v.get("function").map(|f| {
        ToolTypes::Function(pb::ConversationToolsFunction {
            name: s(f, "name").unwrap_or_default(),
            description: s(f, "description"),
            parameters: f.get("parameters").and_then(Value::as_object).map(json_to_struct),
        })
    });
    pb::ConversationTools { tool_types: f }
}

fn alpha2_req(v: &Value) -> pb::ConversationRequestAlpha2 {
    let inputs = arr(v, "inputs")
        .iter()
        .map(|i| pb::ConversationInputAlpha2 {
            messages: arr(i, "messages").iter().map(message).collect(),
            scrub_pii: b(i, "scrubPii"),
        })
        .collect();
    pb::ConversationRequestAlpha2 {
        name: String::new(),
        context_id: s(v, "contextId"),
        inputs,
        parameters: params(v),
        metadata: strings(v),
        scrub_pii: b(v, "scrubPii"),
        temperature: v.get("temperature").and_then(Value::as_f64),
        tools: arr(v, "tools").iter().map(tool).collect(),
        tool_choice: s(v, "toolChoice"),
        response_format: v.get("responseFormat").and_then(Value::as_object).map(json_to_struct),
        prompt_cache_retention: s(v, "promptCacheRetention")
            .map(|d| parse_duration_json(&d).unwrap()),
        max_tokens: v.get("maxTokens").and_then(Value::as_i64),
    }
}

// ---- proto → protojson (as Go writes it: zero values omitted, 64-bit ints as strings) ----

fn put(o: &mut Map<String, Value>, k: &str, v: &str) {
    if !v.is_empty() {
        o.insert(k.into(), json!(v));
    }
}

fn put_n(o: &mut Map<String, Value>, k: &str, n: u64) {
    if n != 0 {
        o.insert(k.into(), json!(n.to_string()));
    }
}

fn alpha1_json(r: &pb::ConversationResponse) -> Value {
    let mut o = Map::new();
    put(&mut o, "contextID", r.context_id.as_deref().unwrap_or(""));
    let outputs: Vec<Value> = r
        .outputs
        .iter()
        .map(|x| {
            let mut m = Map::new();
            put(&mut m, "result", &x.result);
            if !x.parameters.is_empty() {
                m.insert(
                    "parameters".into(),
                    x.parameters.iter().map(|(k, a)| (k.clone(), any_to_json(a))).collect(),
                );
            }
            Value::Object(m)
        })
        .collect();
    if !outputs.is_empty() {
        o.insert("outputs".into(), Value::Array(outputs));
    }
    Value::Object(o)
}

fn tool_call_json(t: &pb::ConversationToolCalls) -> Value {
    use pb::conversation_tool_calls::ToolTypes;
    let mut o = Map::new();
    put(&mut o, "id", t.id.as_deref().unwrap_or(""));
    if let Some(ToolTypes::Function(f)) = &t.tool_types {
        let mut fo = Map::new();
        put(&mut fo, "name", &f.name);
        put(&mut fo, "arguments", &f.arguments);
        o.insert("function".into(), Value::Object(fo));
    }
    Value::Object(o)
}

fn usage_json(u: &pb::ConversationResultAlpha2CompletionUsage) -> Value {
    let mut o = Map::new();
    put_n(&mut o, "completionTokens", u.completion_tokens);
    put_n(&mut o, "promptTokens", u.prompt_tokens);
    put_n(&mut o, "totalTokens", u.total_tokens);
    assert!(u.completion_tokens_details.is_none() && u.prompt_tokens_details.is_none());
    Value::Object(o)
}

fn alpha2_json(r: &pb::ConversationResponseAlpha2) -> Value {
    let mut o = Map::new();
    put(&mut o, "contextId", r.context_id.as_deref().unwrap_or(""));
    let outputs: Vec<Value> = r
        .outputs
        .iter()
        .map(|x| {
            let mut m = Map::new();
            let choices: Vec<Value> = x
                .choices
                .iter()
                .map(|c| {
                    let mut co = Map::new();
                    put(&mut co, "finishReason", &c.finish_reason);
                    put_n(&mut co, "index", c.index as u64);
                    let msg = c.message.clone().unwrap_or_default();
                    let mut mo = Map::new();
                    put(&mut mo, "content", &msg.content);
                    if !msg.tool_calls.is_empty() {
                        mo.insert(
                            "toolCalls".into(),
                            msg.tool_calls.iter().map(tool_call_json).collect(),
                        );
                    }
                    co.insert("message".into(), Value::Object(mo));
                    Value::Object(co)
                })
                .collect();
            m.insert("choices".into(), Value::Array(choices));
            if let Some(model) = x.model.as_deref().filter(|m| !m.is_empty()) {
                m.insert("model".into(), json!(model));
            }
            if let Some(u) = &x.usage {
                m.insert("usage".into(), usage_json(u));
            }
            Value::Object(m)
        })
        .collect();
    if !outputs.is_empty() {
        o.insert("outputs".into(), Value::Array(outputs));
    }
    Value::Object(o)
}

// ---- one request through both doors ---------------------------------------------------

/// What a door answered: the protojson body, or the (HTTP status, gRPC code, message).
#[derive(Debug, PartialEq)]
enum Answer {
    Ok(Value),
    Err(Code, String),
}

fn http_answer(status: u16, body: Value) -> Answer {
    match status {
        200 => Answer::Ok(body),
        400 => Answer::Err(Code::InvalidArgument, body["message"].as_str().unwrap().to_string()),
        500 => Answer::Err(Code::Internal, body["message"].as_str().unwrap().to_string()),
        other => panic!("unexpected HTTP status {other}: {body}"),
    }
}

async fn both_alpha1(
    p: &Parlance,
    c: &mut DaprClient<Channel>,
    name: &str,
    body: &Value,
) -> Answer {
    let (status, http) = p.alpha1(name, &body.to_string()).await;
    let mut req = alpha1_req(body);
    req.name = name.into();
    let grpc = match c.converse_alpha1(req).await {
        Ok(r) => Answer::Ok(alpha1_json(r.get_ref())),
        Err(e) => Answer::Err(e.code(), e.message().to_string()),
    };
    assert_eq!(http_answer(status, http), grpc, "HTTP and gRPC differ for alpha1 {body}");
    grpc
}

async fn both_alpha2(
    p: &Parlance,
    c: &mut DaprClient<Channel>,
    name: &str,
    body: &Value,
) -> Answer {
    let (status, http) = p.alpha2(name, &body.to_string()).await;
    let mut req = alpha2_req(body);
    req.name = name.into();
    let grpc = match c.converse_alpha2(req).await {
        Ok(r) => {
            for o in &r.get_ref().outputs {
                assert!(o.model.is_none(), "echo reports no model");
                assert!(o.choices.iter().all(|c| c.index == 0));
            }
            Answer::Ok(alpha2_json(r.get_ref()))
        }
        Err(e) => {
            assert!(e.details().is_empty(), "daprd sends no details");
            Answer::Err(e.code(), e.message().to_string())
        }
    };
    assert_eq!(http_answer(status, http), grpc, "HTTP and gRPC differ for alpha2 {body}");
    grpc
}

// ---- the vectors ------------------------------------------------------------------------

#[tokio::test]
async fn alpha1_vectors_on_both_doors() {
    let (p, _d) = echo_sidecar().await;
    let mut c = client(&p).await;
    let cases = [
        (
            json!({"inputs":[{"content":"well hello there"}]}),
            json!({"outputs":[{"result":"well hello there"}]}),
        ),
        (
            json!({"inputs":[{"content":"well hello there, my phone number is +2222222222","scrubPII":true}]}),
            json!({"outputs":[{"result":"well hello there, my phone number is <PHONE_NUMBER>"}]}),
        ),
        (
            json!({"inputs":[{"content":"well hello there, my phone number is +4422222222","scrubPII":true}]}),
            json!({"outputs":[{"result":"well hello there, my phone number is <PHONE_NUMBER>"}]}),
        ),
        (
            json!({"inputs":[{"content":"well hello there, my email is test@test.com","scrubPII":true}]}),
            json!({"outputs":[{"result":"well hello there, my email is <EMAIL_ADDRESS>"}]}),
        ),
        (
            json!({"inputs":[{"content":"well hello there from 10.8.9.1","scrubPII":true}]}),
            json!({"outputs":[{"result":"well hello there from <IP>"}]}),
        ),
        (
            json!({"inputs":[{"content":"well hello there from 10.8.9.1"},{"content":"well hello there, my email is test@test.com"}],"scrubPII":true}),
            json!({"outputs":[{"result":"well hello there from <IP>\nwell hello there, my email is <EMAIL_ADDRESS>"}]}),
        ),
        (
            json!({"inputs":[{"content":"well hello there","scrubPII":true}],"scrubPII":true}),
            json!({"outputs":[{"result":"well hello there"}]}),
        ),
        (
            json!({"inputs":[{"content":"one","role":"user"},{"content":"two","role":"user"}]}),
            json!({"outputs":[{"result":"one\ntwo"}]}),
        ),
        (
            json!({"inputs":[{"content":"warm"}],"temperature":0.7}),
            json!({"outputs":[{"result":"warm"}]}),
        ),
        (
            json!({"contextID":"ctx-1","inputs":[{"content":"hi"}],"parameters":{"max":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"100"}}}),
            json!({"contextID":"ctx-1","outputs":[{"result":"hi","parameters":{"max":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"100"}}}]}),
        ),
    ];
    for (body, want) in cases {
        assert_eq!(both_alpha1(&p, &mut c, "echo", &body).await, Answer::Ok(want), "{body}");
    }
    let no_inputs = json!({"metadata": {"model": "daprGPT"}});
    let want = "failed conversing with component echo: missing inputs in request";
    assert_eq!(
        both_alpha1(&p, &mut c, "echo", &no_inputs).await,
        Answer::Err(Code::InvalidArgument, want.into())
    );
}

#[tokio::test]
async fn alpha2_all_fields_on_both_doors() {
    let (p, _d) = echo_sidecar().await;
    let mut c = client(&p).await;
    let body = json!({
        "name": "ignored", "contextId": "test-conversation-123", "scrubPii": true, "temperature": 0.7,
        "toolChoice": "auto", "promptCacheRetention": "86400s",
        "inputs": [
            {"messages": [{"ofUser": {"name": "test-user", "content": [{"text": "well hello there"}]}}], "scrubPII": false},
            {"messages": [{"ofSystem": {"name": "test-system", "content": [{"text": "You are a helpful assistant"}]}}], "scrubPII": true}
        ],
        "parameters": {
            "max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "100"},
            "model": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "test-model"}
        },
        "metadata": {"api_key": "test-key", "version": "1.0"},
        "responseFormat": {"type": "object", "properties": {"result": {"type": "string"}}, "required": ["result"]},
        "tools": [{"function": {"name": "test_function", "description": "A test function",
            "parameters": {"type": "object", "properties": {"param1": {"type": "string", "description": "A test parameter"}}, "required": ["param1"]}}}]
    });
    let want = json!({"contextId":"test-conversation-123","outputs":[{"choices":[{"finishReason":"tool_calls",
        "message":{"content":"well hello there\nYou are a helpful assistant",
        "toolCalls":[{"function":{"arguments":"param1","name":"test_function"},"id":"0"}]}}],
        "usage":{"completionTokens":"8","promptTokens":"8","totalTokens":"16"}}]});
    assert_eq!(both_alpha2(&p, &mut c, "test-alpha2-echo", &body).await, Answer::Ok(want));
}

#[tokio::test]
async fn alpha2_message_types_and_pii_on_both_doors() {
    let (p, _d) = echo_sidecar().await;
    let mut c = client(&p).await;
    let cases = common::alpha2_message_type_vectors();
    for (message, want) in cases {
        let body = json!({"inputs": [{"messages": [message]}]});
        assert_eq!(
            both_alpha2(&p, &mut c, "test-alpha2-echo", &body).await,
            Answer::Ok(want),
            "{body}"
        );
    }
    let multi = json!({"inputs": [{"messages": [
        {"ofUser": {"content": [{"text": "first user message"}]}},
        {"ofAssistant": {"content": [{"text": "first assistant response"}]}},
        {"ofUser": {"content": [{"text": "second user message"}]}},
        {"ofSystem": {"content": [{"text": "system instruction"}]}}
    ]}]});
    let want = simple(
        "stop",
        "first user message\nfirst assistant response\nsecond user message\nsystem instruction",
        11,
    );
    assert_eq!(both_alpha2(&p, &mut c, "test-alpha2-echo", &multi).await, Answer::Ok(want));
    let pii = [
        (
            "well hello there, my phone number is +2222222222",
            "well hello there, my phone number is <PHONE_NUMBER>",
            8,
        ),
        (
            "well hello there, my phone number is +4422222222",
            "well hello there, my phone number is <PHONE_NUMBER>",
            8,
        ),
        (
            "well hello there, my email is test@test.com",
            "well hello there, my email is <EMAIL_ADDRESS>",
            7,
        ),
        ("well hello there from 10.8.9.1", "well hello there from <IP>", 5),
    ];
    for (input, output, n) in pii {
        let body = json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": input}]}}], "scrubPii": true}]});
        assert_eq!(
            both_alpha2(&p, &mut c, "echo", &body).await,
            Answer::Ok(simple("stop", output, n)),
            "{input}"
        );
    }
    let outputs = json!({"scrubPii": true, "inputs": [
        {"messages": [{"ofUser": {"content": [{"text": "well hello there from 10.8.9.1"}]}}]},
        {"messages": [{"ofUser": {"content": [{"text": "well hello there, my email is test@test.com"}]}}]}
    ]});
    let want = simple(
        "stop",
        "well hello there from <IP>\nwell hello there, my email is <EMAIL_ADDRESS>",
        12,
    );
    assert_eq!(both_alpha2(&p, &mut c, "echo", &outputs).await, Answer::Ok(want));
    let good = json!({"scrubPii": true, "inputs": [{"messages": [{"ofUser": {"content": [{"text": "well hello there"}]}}], "scrubPii": true}]});
    assert_eq!(
        both_alpha2(&p, &mut c, "echo", &good).await,
        Answer::Ok(simple("stop", "well hello there", 3))
    );
    let empty = json!({"inputs": [{}]});
    let want = json!({"outputs":[{"choices":[{"finishReason":"stop","message":{}}],"usage":{}}]});
    assert_eq!(both_alpha2(&p, &mut c, "echo", &empty).await, Answer::Ok(want));
}

#[tokio::test]
async fn tool_call_round_trip_keeps_arguments() {
    let (p, _d) = echo_sidecar().await;
    let mut c = client(&p).await;
    let body = json!({"inputs":[{"messages":[{"ofAssistant":{"name":"assistant name","content":[{"text":"assistant message"}],
        "toolCalls":[{"id":"id 123","function":{"name":"test_function","arguments":"{\"test\": \"value\"}"}}]}}]}]});
    let Answer::Ok(got) = both_alpha2(&p, &mut c, "test-alpha2-echo", &body).await else {
        panic!("failed")
    };
    let args = got["outputs"][0]["choices"][0]["message"]["toolCalls"][0]["function"]["arguments"]
        .as_str()
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(args).unwrap(), json!({"test": "value"}));
}

#[tokio::test]
async fn errors_are_the_same_on_both_doors() {
    let (p, _d) = echo_sidecar().await;
    let mut c = client(&p).await;
    let invalid = |d: &str| {
        Answer::Err(
            Code::InvalidArgument,
            format!("failed conversing with component echo: invalid params: {d}"),
        )
    };
    let hello = json!([{"messages": [{"ofUser": {"content": [{"text": "hello"}]}}]}]);
    let cases = [
        (
            "nope",
            json!({"inputs": hello}),
            Answer::Err(Code::InvalidArgument, "failed finding conversation component nope".into()),
        ),
        (
            "echo",
            json!({}),
            Answer::Err(
                Code::InvalidArgument,
                "failed conversing with component echo: missing inputs in request".into(),
            ),
        ),
        ("echo", json!({"inputs": [{"messages": [{}]}]}), invalid("message type cannot be nil")),
        (
            "echo",
            json!({"inputs": [{"messages": [{"ofAssistant": {"toolCalls": [{"id": "call_123"}]}}]}]}),
            invalid("tool types cannot be nil"),
        ),
        (
            "echo",
            json!({"toolChoice": "required", "inputs": hello}),
            invalid(
                "tool choice must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used",
            ),
        ),
        (
            "echo",
            json!({"toolChoice": "missing_tool", "tools": [{"function": {"name": "other_tool"}}], "inputs": hello}),
            invalid(
                "tool choice selected was not found. Must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used",
            ),
        ),
    ];
    for (name, body, want) in cases {
        assert_eq!(both_alpha2(&p, &mut c, name, &body).await, want, "{body}");
    }
    let want =
        Answer::Err(Code::InvalidArgument, "failed finding conversation component nope".into());
    assert_eq!(both_alpha1(&p, &mut c, "nope", &json!({"inputs": [{"content": "x"}]})).await, want);
}

// ---- metadata, token --------------------------------------------------------------------

#[tokio::test]
async fn get_metadata_matches_http() {
    let (p, _d) = echo_sidecar().await;
    let md = client(&p).await.get_metadata(pb::GetMetadataRequest {}).await.unwrap().into_inner();
    let (_, http) = p
        .client
        .get(format!("{}/v1.0/metadata", p.base))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .map(|v| (0, v))
        .unwrap();
    assert_eq!(md.id, http["id"].as_str().unwrap());
    assert_eq!(md.runtime_version, http["runtimeVersion"].as_str().unwrap());
    let comps: Vec<Value> = md
        .registered_components
        .iter()
        .map(|c| json!({"name": c.name, "type": c.r#type, "version": c.version}))
        .collect();
    assert_eq!(Value::Array(comps), http["components"]);
    assert_eq!(serde_json::to_value(&md.extended_metadata).unwrap(), http["extended"]);
    assert!(md.extended_metadata.contains_key("daprRuntimeVersion"));
}

#[tokio::test]
async fn api_token_is_required_on_every_rpc() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start_with(args(&[path(&dir)]), Some("s3cret")).await;
    let mut c = client(&p).await;
    let body =
        alpha2_req(&json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": "hi"}]}}]}]}));
    let req = |token: Option<&str>| {
        let mut r =
            Request::new(pb::ConversationRequestAlpha2 { name: "echo".into(), ..body.clone() });
        if let Some(t) = token {
            r.metadata_mut().insert("dapr-api-token", t.parse().unwrap());
        }
        r
    };
    let e = c.converse_alpha2(req(None)).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::Unauthenticated, "missing api token in request metadata")
    );
    let e = c.converse_alpha2(req(Some("wrong"))).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::Unauthenticated, "authentication error: api token mismatch")
    );
    assert!(!e.details().is_empty(), "ErrorInfo detail");
    let ok = c.converse_alpha2(req(Some("s3cret"))).await.unwrap().into_inner();
    assert_eq!(ok.outputs[0].choices[0].message.as_ref().unwrap().content, "hi");
    let e = c.get_metadata(pb::GetMetadataRequest {}).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let mut r = Request::new(pb::GetMetadataRequest {});
    r.metadata_mut().insert("dapr-api-token", "s3cret".parse().unwrap());
    assert!(c.get_metadata(r).await.is_ok());
}

// ---- bad input, unknown RPCs, reflection -------------------------------------------------

/// A codec that sends and receives raw bytes, to put arbitrary frames on the wire.
#[derive(Clone, Default)]
struct Raw;

impl tonic::codec::Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;
    fn encoder(&mut self) -> Raw {
        Raw
    }
    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl tonic::codec::Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        buf: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        bytes::BufMut::put_slice(buf, &item);
        Ok(())
    }
}

impl tonic::codec::Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        buf: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        let out = buf.copy_to_bytes(buf.remaining()).to_vec();
        Ok(Some(out))
    }
}

async fn raw_call(
    p: &Parlance,
    path: &'static str,
    body: Vec<u8>,
) -> Result<Vec<u8>, tonic::Status> {
    let channel = Channel::from_shared(format!("http://{}", p.running.grpc_addrs[0]))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(path);
    grpc.unary(Request::new(body), path, Raw).await.map(|r| r.into_inner())
}

#[tokio::test]
async fn malformed_protobuf_is_refused_and_the_server_lives_on() {
    let (p, _d) = echo_sidecar().await;
    let garbage: [&[u8]; 4] =
        [&[0xff, 0xff, 0xff], &[0x1a, 0x05, 0x0a], &[0x0a, 0x80], &[0x3a, 0x02, 0x01, 0x02, 0x07]];
    for bytes in garbage {
        let e = raw_call(&p, "/dapr.proto.runtime.v1.Dapr/ConverseAlpha2", bytes.to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Internal, "{bytes:?}: {e:?}");
        let e = raw_call(&p, "/dapr.proto.runtime.v1.Dapr/ConverseAlpha1", bytes.to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Internal, "{bytes:?}: {e:?}");
    }
    // Bytes that decode to nothing at all: an empty request → missing inputs, not a crash.
    let e =
        raw_call(&p, "/dapr.proto.runtime.v1.Dapr/ConverseAlpha2", Vec::new()).await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (Code::InvalidArgument, "failed finding conversation component ")
    );
    let mut c = client(&p).await;
    let ok = c
        .converse_alpha2(pb::ConversationRequestAlpha2 {
            name: "echo".into(),
            ..alpha2_req(&json!({"inputs": [{}]}))
        })
        .await;
    assert!(ok.is_ok(), "still serving");
}

#[tokio::test]
async fn oversized_message_is_refused() {
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let mut a = args(&[path(&dir)]);
    a.max_body_size = 1024;
    let p = start_with(a, None).await;
    let big = "x".repeat(4096);
    let req =
        alpha2_req(&json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": big}]}}]}]}));
    let e = client(&p)
        .await
        .converse_alpha2(pb::ConversationRequestAlpha2 { name: "echo".into(), ..req })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::OutOfRange, "{e:?}");
}

#[tokio::test]
async fn unknown_rpcs_are_unimplemented() {
    let (p, _d) = echo_sidecar().await;
    for path in [
        "/dapr.proto.runtime.v1.Dapr/GetState",
        "/dapr.proto.runtime.v1.Dapr/ConverseAlpha3",
        "/no.such.Service/Call",
    ] {
        let e = raw_call(&p, path, Vec::new()).await.unwrap_err();
        assert_eq!(e.code(), Code::Unimplemented, "{path}");
    }
}

#[tokio::test]
async fn reflection_lists_the_dapr_service() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let (p, _d) = echo_sidecar().await;
    let channel = Channel::from_shared(format!("http://{}", p.running.grpc_addrs[0]))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut r = ServerReflectionClient::new(channel);
    let ask = |m: MessageRequest| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(m),
    };
    let reqs = vec![
        ask(MessageRequest::ListServices(String::new())),
        ask(MessageRequest::FileContainingSymbol("dapr.proto.runtime.v1.Dapr".into())),
    ];
    let mut stream =
        r.server_reflection_info(futures::stream::iter(reqs)).await.unwrap().into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        stream.message().await.unwrap().unwrap().message_response
    else {
        panic!("list")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"dapr.proto.runtime.v1.Dapr".to_string()), "{names:?}");
    let Some(MessageResponse::FileDescriptorResponse(files)) =
        stream.message().await.unwrap().unwrap().message_response
    else {
        panic!("file")
    };
    assert!(!files.file_descriptor_proto.is_empty());
}
