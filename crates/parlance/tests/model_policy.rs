//! Issue 13, items 4 and 5, through the Dapr doors: a request chooses its model through
//! `metadata.model` (alpha1 and alpha2, HTTP and gRPC, plain and streamed) when the component's
//! `allowedModels` lists it — the fake upstream (OpenAI, Anthropic, Bedrock) is called with
//! that model and the reply names it; any other model is refused before any upstream call.
//! And `scrubPii` on the component scrubs for every caller whatever the request says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Parlance, component, openai, resources, setup};
use parlance_fake::{FakeOptions, FakeUpstream, RecordedRequest};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_client::DaprClient;
use serde_json::{Value, json};

fn anthropic(name: &str, fake: &FakeUpstream, allowed: &str) -> String {
    common::anthropic(name, fake, &[("allowedModels", allowed)])
}

fn bedrock(name: &str, fake: &FakeUpstream, allowed: &str) -> String {
    common::bedrock(name, fake, &[("allowedModels", allowed)])
}

async fn fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

/// An alpha2 body asking `text` with request metadata `meta`.
fn alpha2(text: &str, meta: Value) -> String {
    json!({"inputs": [{"messages": [{"ofUser": {"content": [{"text": text}]}}]}], "metadata": meta})
        .to_string()
}

fn alpha1(text: &str, meta: Value) -> String {
    json!({"inputs": [{"content": text, "role": "user"}], "metadata": meta}).to_string()
}

fn grpc_alpha2(name: &str, text: &str, meta: &[(&str, &str)]) -> pb::ConversationRequestAlpha2 {
    use pb::conversation_message::MessageTypes as M;
    let content = vec![pb::ConversationMessageContent { text: text.into() }];
    let user = M::OfUser(pb::ConversationMessageOfUser { name: None, content });
    let messages = vec![pb::ConversationMessage { message_types: Some(user) }];
    pb::ConversationRequestAlpha2 {
        name: name.into(),
        inputs: vec![pb::ConversationInputAlpha2 { messages, scrub_pii: None }],
        metadata: meta.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    }
}

async fn grpc(p: &Parlance) -> DaprClient<tonic::transport::Channel> {
    DaprClient::connect(format!("http://{}", p.running.grpc_addrs[0])).await.unwrap()
}

/// A streamed alpha2 call: status and the whole SSE text.
async fn sse(p: &Parlance, name: &str, body: &str) -> (u16, String) {
    let url = format!("{}/v1.0-alpha2/conversation/{name}/converse", p.base);
    let req = p.client.post(url).header("accept", "text/event-stream").body(body.to_string());
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The `data` of the stream's `complete` event.
fn complete(text: &str) -> Value {
    let block = text.split("\n\n").find(|b| b.contains("event: complete")).expect(text);
    let data = block.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    serde_json::from_str(data).unwrap()
}

/// The text of every `chunk` event, joined.
fn streamed_text(text: &str) -> String {
    let mut out = String::new();
    for block in text.split("\n\n").filter(|b| b.contains("event: chunk")) {
        let data = block.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
        let v: Value = serde_json::from_str(data).unwrap();
        let content = &v["choices"][0]["content"];
        out.push_str(content.as_str().unwrap_or(""));
    }
    out
}

fn body_model(r: &RecordedRequest) -> String {
    r.json.as_ref().unwrap()["model"].as_str().unwrap().to_string()
}

fn assert_refused(status: u16, body: &Value, model: &str, component: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errorCode"], "ERR_CONVERSATION_INVALID_PARMS", "{body}");
    let want = format!("model \"{model}\" is not allowed for component {component}");
    assert!(body["message"].as_str().unwrap().contains(&want), "{body}");
}

#[tokio::test]
async fn an_allowed_model_reaches_the_openai_upstream_through_every_dapr_door() {
    let fake = fake().await;
    let files = [("llm.yaml", openai("llm", &fake, &[("allowedModels", "gpt-4o, o3-mini")]))];
    let (p, _dir) = setup(&files).await;
    // HTTP alpha2: the chosen model is sent and reported; `model` is not forwarded as
    // metadata, and an `endpoint` key is forwarded metadata, not configuration.
    let meta = json!({"model": "gpt-4o", "endpoint": "http://169.254.169.254/", "user": "u1"});
    let (status, v) = p.alpha2("llm", &alpha2("hello", meta)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["outputs"][0]["model"], "gpt-4o", "{v}");
    let r = fake.last_request().unwrap();
    assert_eq!((r.path.as_str(), body_model(&r).as_str()), ("/v1/chat/completions", "gpt-4o"));
    let sent = &r.json.as_ref().unwrap()["metadata"];
    assert_eq!(sent, &json!({"endpoint": "http://169.254.169.254/", "user": "u1"}), "{sent}");
    // HTTP alpha1.
    let (status, v) = p.alpha1("llm", &alpha1("hello", json!({"model": "o3-mini"}))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(body_model(&fake.last_request().unwrap()), "o3-mini");
    // gRPC alpha2.
    let mut c = grpc(&p).await;
    let reply = c.converse_alpha2(grpc_alpha2("llm", "hi", &[("model", "gpt-4o")])).await;
    let reply = reply.unwrap().into_inner();
    assert_eq!(reply.outputs[0].model.as_deref(), Some("gpt-4o"));
    assert_eq!(body_model(&fake.last_request().unwrap()), "gpt-4o");
    // SSE: the upstream streams from the chosen model and `complete` names it.
    let (status, text) = sse(&p, "llm", &alpha2("hello", json!({"model": "o3-mini"}))).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(complete(&text)["outputs"][0]["model"], "o3-mini", "{text}");
    let r = fake.last_request().unwrap();
    assert_eq!(r.json.as_ref().unwrap()["stream"], true);
    assert_eq!(body_model(&r), "o3-mini");
    // Without the key: the configured model.
    p.alpha2("llm", &alpha2("hello", json!({}))).await;
    assert_eq!(body_model(&fake.last_request().unwrap()), "gpt-4o-mini");
}

#[tokio::test]
async fn a_model_not_allowed_is_refused_on_every_door_before_any_upstream_call() {
    let fake = fake().await;
    let files = [
        ("llm.yaml", openai("llm", &fake, &[("allowedModels", "gpt-4o")])),
        ("fixed.yaml", openai("fixed", &fake, &[])),
    ];
    let (p, _dir) = setup(&files).await;
    let (status, v) = p.alpha2("llm", &alpha2("hi", json!({"model": "gpt-5"}))).await;
    assert_refused(status, &v, "gpt-5", "llm");
    assert!(v["message"].as_str().unwrap().ends_with("(allowedModels: gpt-4o)"), "{v}");
    let (status, v) = p.alpha1("llm", &alpha1("hi", json!({"model": "gpt-5"}))).await;
    assert_refused(status, &v, "gpt-5", "llm");
    let (status, v) = p.alpha2("fixed", &alpha2("hi", json!({"model": "gpt-4o"}))).await;
    assert_refused(status, &v, "gpt-4o", "fixed");
    assert!(v["message"].as_str().unwrap().ends_with("(allowedModels: none)"), "{v}");
    let (status, text) = sse(&p, "llm", &alpha2("hi", json!({"model": "gpt-5"}))).await;
    assert_refused(status, &serde_json::from_str(&text).unwrap(), "gpt-5", "llm");
    let mut c = grpc(&p).await;
    let e = c.converse_alpha2(grpc_alpha2("llm", "hi", &[("model", "gpt-5")])).await.unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument);
    assert!(e.message().contains("model \"gpt-5\" is not allowed for component llm"), "{e:?}");
    assert_eq!(fake.request_count(), 0, "no upstream call for a refused model");
    // The configured model by name is always fine.
    let (status, v) = p.alpha2("fixed", &alpha2("hi", json!({"model": "gpt-4o-mini"}))).await;
    assert_eq!((status, &v["outputs"][0]["model"]), (200, &json!("gpt-4o-mini")), "{v}");
}

#[tokio::test]
async fn a_lone_star_allows_any_model_and_the_model_is_part_of_the_cache_key() {
    let fake = fake().await;
    let extra = [("allowedModels", "*"), ("cacheTTL", "10m")];
    let (p, _dir) = setup(&[("any.yaml", openai("any", &fake, &extra))]).await;
    for model in ["meta-llama/Llama-3.1-8B", "ft:gpt-4o:org:x", "meta-llama/Llama-3.1-8B"] {
        let (status, v) = p.alpha2("any", &alpha2("same question", json!({"model": model}))).await;
        assert_eq!((status, &v["outputs"][0]["model"]), (200, &json!(model)), "{v}");
    }
    let models: Vec<String> = fake.requests().iter().map(body_model).collect();
    assert_eq!(models, ["meta-llama/Llama-3.1-8B", "ft:gpt-4o:org:x"], "the third was a hit");
}

#[tokio::test]
async fn anthropic_and_bedrock_components_call_the_chosen_model() {
    let fake = fake().await;
    let files = [
        ("claude.yaml", anthropic("claude", &fake, "claude-3-5-haiku-latest")),
        ("bedrock.yaml", bedrock("bedrock", &fake, "amazon.nova-lite-v1:0")),
    ];
    let (p, _dir) = setup(&files).await;
    let ask = |m: &str| alpha2("hello", json!({"model": m}));
    let (status, v) = p.alpha2("claude", &ask("claude-3-5-haiku-latest")).await;
    assert_eq!((status, &v["outputs"][0]["model"]), (200, &json!("claude-3-5-haiku-latest")));
    let r = fake.last_request().unwrap();
    assert_eq!(
        (r.path.as_str(), body_model(&r).as_str()),
        ("/v1/messages", "claude-3-5-haiku-latest")
    );
    let (status, text) = sse(&p, "claude", &ask("claude-3-5-haiku-latest")).await;
    assert_eq!(
        (status, &complete(&text)["outputs"][0]["model"]),
        (200, &json!("claude-3-5-haiku-latest"))
    );
    assert_eq!(body_model(&fake.last_request().unwrap()), "claude-3-5-haiku-latest");
    // Bedrock: the model id is in the path (escaped), plain and streamed.
    let (status, v) = p.alpha2("bedrock", &ask("amazon.nova-lite-v1:0")).await;
    assert_eq!((status, &v["outputs"][0]["model"]), (200, &json!("amazon.nova-lite-v1:0")), "{v}");
    assert_eq!(fake.last_request().unwrap().path, "/model/amazon.nova-lite-v1%3A0/converse");
    let (status, text) = sse(&p, "bedrock", &ask("amazon.nova-lite-v1:0")).await;
    assert_eq!(
        (status, &complete(&text)["outputs"][0]["model"]),
        (200, &json!("amazon.nova-lite-v1:0"))
    );
    let r = fake.last_request().unwrap();
    assert_eq!(r.path, "/model/amazon.nova-lite-v1%3A0/converse-stream");
    assert!(r.header("authorization").unwrap().starts_with("AWS4-HMAC-SHA256 "));
    // The configured model keeps its own path.
    p.alpha2("bedrock", &alpha2("hello", json!({}))).await;
    let path = fake.last_request().unwrap().path;
    assert_eq!(path, "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
    let before = fake.request_count();
    for name in ["claude", "bedrock"] {
        let (status, v) = p.alpha2(name, &ask("gpt-4o")).await;
        assert_refused(status, &v, "gpt-4o", name);
    }
    assert_eq!(fake.request_count(), before);
}

const PII: &str = "I am at jane.roe@example.com or +1 415 555 0100.";

fn no_pii(s: &str) -> bool {
    !s.contains("jane.roe@example.com") && !s.contains("555 0100")
}

/// Every text the fake received in its last request's messages.
fn sent_text(fake: &FakeUpstream) -> String {
    fake.last_request().unwrap().json.unwrap()["messages"].to_string()
}

#[tokio::test]
async fn the_components_scrub_policy_wins_over_a_request_that_asks_for_none() {
    let fake = fake().await;
    let files = [
        ("both.yaml", openai("both", &fake, &[("scrubPii", "both")])),
        ("outputs.yaml", openai("outputs", &fake, &[("scrubPii", "outputs")])),
    ];
    let (p, _dir) = setup(&files).await;
    let unflagged = json!({
        "inputs": [{"messages": [{"ofUser": {"content": [{"text": PII}]}}], "scrubPii": false}],
        "scrubPii": false
    })
    .to_string();
    // `both`: nothing personal reaches the upstream, and the reply is scrubbed.
    let (status, v) = p.alpha2("both", &unflagged).await;
    assert_eq!(status, 200, "{v}");
    let sent = sent_text(&fake);
    assert!(no_pii(&sent) && sent.contains("<EMAIL_ADDRESS>"), "{sent}");
    let out = v["outputs"][0]["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(no_pii(out) && out.contains("<EMAIL_ADDRESS>"), "{out}");
    // Streamed, the same.
    let (status, text) = sse(&p, "both", &unflagged).await;
    assert_eq!(status, 200, "{text}");
    let sent = sent_text(&fake);
    assert!(no_pii(&sent), "{sent}");
    let out = streamed_text(&text);
    assert!(no_pii(&out) && out.contains("<EMAIL_ADDRESS>"), "{out}");
    // gRPC alpha1-style flags off as well.
    let mut c = grpc(&p).await;
    let reply = c.converse_alpha2(grpc_alpha2("both", PII, &[])).await.unwrap().into_inner();
    let out = &reply.outputs[0].choices[0].message.as_ref().unwrap().content;
    assert!(no_pii(out) && no_pii(&sent_text(&fake)), "{out}");
    // `outputs`: the upstream sees the input (not enforced), the echoed reply is scrubbed.
    let (status, v) = p.alpha2("outputs", &unflagged).await;
    assert_eq!(status, 200, "{v}");
    assert!(sent_text(&fake).contains("jane.roe@example.com"));
    let out = v["outputs"][0]["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(no_pii(out), "{out}");
    let (_, text) = sse(&p, "outputs", &unflagged).await;
    let out = streamed_text(&text);
    assert!(no_pii(&out) && out.contains("<EMAIL_ADDRESS>"), "{out}");
}

#[test]
fn validate_reports_bad_allowed_models_and_scrub_pii_with_file_and_path() {
    let meta = [("allowedModels", "gpt-4o, gpt-*"), ("scrubPii", "always")];
    let dir = resources(&[("bad.yaml", &component("llm", "conversation.echo", &meta))]);
    let (ok, text) = common::validate(dir.path());
    assert!(!ok, "{text}");
    assert!(text.contains("bad.yaml: spec.metadata[0]: allowedModels: \"gpt-*\""), "{text}");
    assert!(text.contains("bad.yaml: spec.metadata[1]: scrubPii: unknown value"), "{text}");
}
