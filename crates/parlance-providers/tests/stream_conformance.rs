//! Streams against the fake upstream, for every provider and every conformance scenario
//! (issue 12, point 2): the deltas of `converse_stream`, assembled, equal what `converse`
//! returns for the same upstream answer, and the fake saw a streaming request.
//!
//! The fake's ids are deterministic per instance (a counter), so each scenario runs the plain
//! call against one fresh fake and the streamed call against another: the same requests in
//! the same order get the same answers, ids included. Failures are checked the same way: a
//! status before the stream is the plain call's error exactly; an error event, a dropped
//! connection or a malformed event mid-stream is a retryable `Err` item; dropping the stream
//! closes the upstream connection. DeepSeek and Ollama run against the fake's flavours of
//! those servers (`reasoning_content` deltas and keep-alive comments; whole tool calls in one
//! delta), chosen by a header the test's HTTP client adds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

use futures::StreamExt;
use parlance_config::Metadata;
use parlance_core::{
    Assembler, CallContext, ChatMessage, ChatRequest, ChatResponse, Delta, FailureKind,
    GenerationParams, Part, Provider, ProviderError, ResponseFormat, Role, ToolCall, ToolChoice,
    ToolDef, ToolResult,
};
use parlance_fake::{FakeOptions, FakeUpstream, Fault, RecordedRequest, StreamState};
use parlance_providers::registry::{self, ProviderKind};
use parlance_providers::{HttpClient, Proxies};
use serde_json::{Value, json};

const KEY: &str = "sk-stream-conformance-0123";

/// One provider under test: its type, metadata and where its endpoint sits on the fake.
struct Spec {
    kind: ProviderKind,
    model: &'static str,
    endpoint: &'static str,
    extra: &'static [(&'static str, &'static str)],
    wire: Wire,
    /// The fake's OpenAI-compatible flavour (`x-fake-flavour`), sent by the test's client.
    flavour: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// OpenAI family; `false` when the flavour takes no `stream_options` (Mistral).
    OpenAi {
        include_usage: bool,
    },
    /// The OpenAI Responses API (`wireApi: responses`).
    Responses,
    Anthropic,
    Bedrock,
}

const KEYED: &[(&str, &str)] = &[("key", KEY)];
const OPENAI: Wire = Wire::OpenAi { include_usage: true };

fn openai() -> Spec {
    Spec {
        kind: ProviderKind::OpenAi,
        model: "gpt-4o-mini",
        endpoint: "/v1",
        extra: KEYED,
        wire: OPENAI,
        flavour: None,
    }
}
fn azure_openai() -> Spec {
    Spec {
        kind: ProviderKind::OpenAi,
        model: "my-gpt-4o",
        endpoint: "",
        extra: &[("key", KEY), ("apiType", "azure"), ("apiVersion", "2024-10-21")],
        wire: OPENAI,
        flavour: None,
    }
}
fn openai_responses() -> Spec {
    Spec {
        kind: ProviderKind::OpenAi,
        model: "gpt-5-mini",
        endpoint: "/v1",
        extra: &[("key", KEY), ("wireApi", "responses")],
        wire: Wire::Responses,
        flavour: None,
    }
}
fn azure_responses() -> Spec {
    Spec {
        kind: ProviderKind::OpenAi,
        model: "my-gpt-5",
        endpoint: "",
        extra: &[("key", KEY), ("apiType", "azure"), ("wireApi", "responses")],
        wire: Wire::Responses,
        flavour: None,
    }
}
fn deepseek() -> Spec {
    Spec {
        kind: ProviderKind::DeepSeek,
        model: "deepseek-chat",
        endpoint: "/v1",
        extra: KEYED,
        wire: OPENAI,
        flavour: Some("deepseek"),
    }
}
fn huggingface() -> Spec {
    Spec {
        kind: ProviderKind::HuggingFace,
        model: "meta-llama/Llama-3.1-8B-Instruct",
        endpoint: "/hf/{model}/v1",
        extra: KEYED,
        wire: OPENAI,
        flavour: None,
    }
}
fn ollama() -> Spec {
    Spec {
        kind: ProviderKind::Ollama,
        model: "llama3.2:latest",
        endpoint: "/v1",
        extra: &[],
        wire: OPENAI,
        flavour: Some("ollama"),
    }
}
fn googleai() -> Spec {
    Spec {
        kind: ProviderKind::GoogleAi,
        model: "gemini-2.5-flash-lite",
        endpoint: "/v1beta/openai",
        extra: KEYED,
        wire: OPENAI,
        flavour: None,
    }
}
fn mistral() -> Spec {
    Spec {
        kind: ProviderKind::Mistral,
        model: "mistral-small-latest",
        endpoint: "/v1",
        extra: KEYED,
        wire: Wire::OpenAi { include_usage: false },
        flavour: None,
    }
}
fn anthropic() -> Spec {
    Spec {
        kind: ProviderKind::Anthropic,
        model: "claude-sonnet-4-20250514",
        endpoint: "/v1",
        extra: KEYED,
        wire: Wire::Anthropic,
        flavour: None,
    }
}
fn bedrock() -> Spec {
    Spec {
        kind: ProviderKind::Bedrock,
        model: "anthropic.claude-3-5-haiku-20241022-v1:0",
        endpoint: "",
        extra: &[
            ("region", "us-east-1"),
            ("accessKey", "AKIDSTREAMCONF"),
            ("secretKey", "stream/conformance/secret"),
        ],
        wire: Wire::Bedrock,
        flavour: None,
    }
}

/// A fresh fake and a provider pointed at it.
struct Rig {
    fake: FakeUpstream,
    provider: std::sync::Arc<dyn Provider>,
}

impl Rig {
    async fn start(spec: &Spec) -> Rig {
        let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
        let endpoint = format!("{}{}", fake.url(), spec.endpoint);
        let mut pairs = vec![("model", spec.model), ("endpoint", endpoint.as_str())];
        pairs.extend_from_slice(spec.extra);
        let config = registry::validate(spec.kind, &Metadata::from_pairs(&pairs), &|_| None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut client = HttpClient::builder().proxies(Proxies::none());
        if let Some(f) = spec.flavour {
            let name = http::HeaderName::from_static("x-fake-flavour");
            client = client.default_header(name, http::HeaderValue::from_static(f));
        }
        let client = client.build().unwrap();
        Rig { fake, provider: registry::build(config, &client) }
    }

    async fn stream(&self, req: &ChatRequest) -> Result<Vec<Delta>, ProviderError> {
        let ctx = CallContext::default();
        let mut stream = self.provider.converse_stream(req, &ctx).await?;
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            out.push(item?);
        }
        Ok(out)
    }

    fn assemble(&self, deltas: &[Delta]) -> ChatResponse {
        let mut a = Assembler::default();
        deltas.iter().for_each(|d| a.push(d));
        a.finish(self.provider.model().map(str::to_string))
    }
}

/// Runs `requests` in order as plain calls on one fake and as streams on another, checks
/// each pair is the same answer and every streamed request was a valid stream request.
async fn same_answers(spec: Spec, requests: &[ChatRequest]) -> Vec<ChatResponse> {
    let plain = Rig::start(&spec).await;
    let streamed = Rig::start(&spec).await;
    let mut answers = Vec::new();
    for req in requests {
        let want = plain.provider.converse(req, &CallContext::default()).await.unwrap();
        let deltas = streamed.stream(req).await.unwrap();
        assert!(deltas.len() > 1, "{deltas:?}");
        let mut got = streamed.assemble(&deltas);
        if spec.wire == (Wire::OpenAi { include_usage: false }) {
            // Mistral is not asked for usage (it takes no `stream_options` and sends usage
            // on its last chunk unasked); the fake, like OpenAI, sends none unasked.
            assert_eq!(got.usage.take(), None);
            got.usage.clone_from(&want.usage);
        }
        assert_eq!(got, want, "{deltas:#?}");
        answers.push(want);
    }
    for rec in streamed.fake.requests() {
        check_stream_request(spec.wire, &rec);
        assert_eq!(rec.header("x-fake-flavour"), spec.flavour);
    }
    answers
}

fn check_stream_request(wire: Wire, rec: &RecordedRequest) {
    let body = rec.json.clone().unwrap_or(Value::Null);
    match wire {
        Wire::OpenAi { include_usage } => {
            assert_eq!(body["stream"], true, "{body}");
            let want = if include_usage { json!({"include_usage": true}) } else { Value::Null };
            assert_eq!(body["stream_options"], want, "{body}");
        }
        Wire::Responses => {
            assert_eq!(body["stream"], true, "{body}");
            assert!(rec.path.ends_with("/responses"), "{}", rec.path);
        }
        Wire::Anthropic => assert_eq!(body["stream"], true, "{body}"),
        Wire::Bedrock => {
            assert!(rec.path.ends_with("/converse-stream"), "{}", rec.path);
            assert!(body.get("stream").is_none(), "{body}");
            let auth = rec.header("authorization").unwrap_or_default();
            assert!(auth.starts_with("AWS4-HMAC-SHA256 ") && auth.contains("/bedrock/"), "{auth}");
        }
    }
    assert_eq!(rec.stream.state(), StreamState::Finished, "{}", rec.path);
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

fn user(text: &str) -> ChatMessage {
    ChatMessage::text(Role::User, text)
}

fn request(messages: Vec<ChatMessage>) -> ChatRequest {
    ChatRequest { messages, ..ChatRequest::default() }
}

fn tool(name: &str, property: &str) -> ToolDef {
    let parameters = json!({"type": "object", "properties": {property: {"type": "string"}}, "required": [property]});
    ToolDef {
        name: name.into(),
        description: Some(format!("The {name} tool")),
        parameters: parameters.as_object().cloned().unwrap(),
    }
}

async fn text(spec: Spec) {
    let got = same_answers(spec, &[request(vec![user("hello there, streaming world")])]).await;
    assert_eq!(got[0].choices[0].content, "echo: hello there, streaming world");
}

async fn system(spec: Spec) {
    let req = request(vec![ChatMessage::text(Role::System, "You are terse."), user("hi")]);
    same_answers(spec, &[req]).await;
}

async fn multi_turn(spec: Spec) {
    let req = request(vec![
        user("my name is Ada"),
        ChatMessage::text(Role::Assistant, "Hello Ada."),
        user("what is my name?"),
    ]);
    same_answers(spec, &[req]).await;
}

async fn tools(spec: Spec) {
    let req = ChatRequest {
        tools: vec![tool("get_weather", "city")],
        tool_choice: Some(ToolChoice::Auto),
        ..request(vec![user("please call get_weather for Paris")])
    };
    let got = same_answers(spec, &[req]).await;
    let call = &got[0].choices[0].tool_calls[0];
    assert_eq!(call.name, "get_weather");
    assert!(call.id.as_ref().is_some_and(|id| !id.is_empty()), "{call:?}");
}

async fn tool_results(spec: Spec) {
    let call = ToolCall {
        id: Some("call_abc123".into()),
        name: "get_weather".into(),
        arguments: r#"{"city":"Paris"}"#.into(),
    };
    let result = ToolResult {
        id: "call_abc123".into(),
        name: "get_weather".into(),
        content: "18C and sunny".into(),
    };
    let req = ChatRequest {
        tools: vec![tool("get_weather", "city")],
        ..request(vec![
            user("weather in Paris?"),
            ChatMessage { role: Role::Assistant, parts: vec![Part::ToolCall(call)], scrub: false },
            ChatMessage { role: Role::Tool, parts: vec![Part::ToolResult(result)], scrub: false },
        ])
    };
    let got = same_answers(spec, &[req]).await;
    assert_eq!(got[0].choices[0].content, "echo: 18C and sunny");
}

async fn named_tool_choice(spec: Spec) {
    let req = ChatRequest {
        tools: vec![tool("get_weather", "city"), tool("get_time", "zone")],
        tool_choice: Some(ToolChoice::Named("get_time".into())),
        ..request(vec![user("what time is it in Paris?")])
    };
    let got = same_answers(spec, &[req]).await;
    assert_eq!(got[0].choices[0].tool_calls[0].name, "get_time");
}

async fn structured_output(spec: Spec) {
    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}, "n": {"type": "integer"}}, "required": ["answer", "n"]});
    let req = ChatRequest {
        response_format: Some(ResponseFormat {
            name: "response".into(),
            description: None,
            strict: true,
            schema: schema.as_object().cloned().unwrap(),
        }),
        ..request(vec![user("answer in JSON")])
    };
    let got = same_answers(spec, &[req]).await;
    let c = &got[0].choices[0];
    assert!(c.tool_calls.is_empty(), "{c:?}");
    let doc: Value = serde_json::from_str(&c.content).unwrap();
    assert!(doc["answer"].is_string(), "{doc}");
}

async fn usage_with_details(spec: Spec) {
    let req = ChatRequest {
        prompt_cache_retention: Some(Duration::from_secs(3600)),
        params: GenerationParams { max_tokens: Some(64), ..GenerationParams::default() },
        ..request(vec![
            ChatMessage::text(Role::System, "You are a careful assistant who answers briefly."),
            user("count these words please"),
        ])
    };
    let got = same_answers(spec, &[req.clone(), req]).await;
    for answer in &got {
        let u = answer.usage.as_ref().unwrap();
        assert!(u.prompt_tokens > 0 && u.completion_tokens > 0, "{u:?}");
    }
}

async fn parameters(spec: Spec) {
    let req = ChatRequest {
        temperature: Some(0.4),
        params: GenerationParams {
            // The Responses API takes no output cap under 16.
            max_tokens: Some(if spec.wire == Wire::Responses { 16 } else { 3 }),
            top_p: Some(0.9),
            stop: vec!["END".into()],
            seed: Some(7),
            frequency_penalty: Some(0.1),
            presence_penalty: Some(0.2),
        },
        ..request(vec![user("one two three four five six seven")])
    };
    let got = same_answers(spec, &[req]).await;
    assert_ne!(got[0].choices[0].finish_reason, "unknown");
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

async fn status_before_the_stream(spec: Spec) {
    for code in [400, 401, 429, 500, 503] {
        let plain = Rig::start(&spec).await;
        let streamed = Rig::start(&spec).await;
        let fault = Fault::Status { code, retry_after: (code == 429).then_some(2) };
        plain.fake.set_default_fault(Some(fault.clone()));
        streamed.fake.set_default_fault(Some(fault));
        let req = request(vec![user("hi")]);
        let want = plain.provider.converse(&req, &CallContext::default()).await.unwrap_err();
        let got = match streamed.provider.converse_stream(&req, &CallContext::default()).await {
            Ok(_) => panic!("{code}: a failed status opened a stream"),
            Err(e) => e,
        };
        assert_eq!(got, want, "{code}");
        assert_eq!(got.status, Some(code));
    }
}

/// The stream's error after some deltas under `fault`.
async fn mid_stream(spec: &Spec, fault: Fault) -> ProviderError {
    let rig = Rig::start(spec).await;
    rig.fake.set_default_fault(Some(fault));
    let req = request(vec![user("a reply long enough to be cut in the middle of its words")]);
    let mut stream = rig.provider.converse_stream(&req, &CallContext::default()).await.unwrap();
    let mut deltas = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => deltas += 1,
            Err(e) => {
                assert!(stream.next().await.is_none(), "nothing after the error");
                assert!(deltas > 0 || spec.wire != Wire::Bedrock, "deltas came first");
                return e;
            }
        }
    }
    panic!("the stream ended cleanly under a fault");
}

async fn mid_stream_failures(spec: Spec) {
    let e = mid_stream(&spec, Fault::StreamErrorAfter { after: 3, kind: None }).await;
    assert!(e.retryable && e.kind == FailureKind::UpstreamStatus, "error event: {e:?}");
    let e = mid_stream(&spec, Fault::StreamDropAfter(3)).await;
    assert!(e.retryable, "dropped connection: {e:?}");
    let e = mid_stream(&spec, Fault::StreamMalformedAfter(3)).await;
    assert!(e.retryable && e.kind == FailureKind::MalformedReply, "malformed: {e:?}");
    let e = mid_stream(&spec, Fault::StreamBadCrcAfter(3)).await;
    assert!(e.retryable && e.kind == FailureKind::MalformedReply, "bad CRC: {e:?}");
}

async fn headers_timeout_and_cancellation(spec: Spec) {
    let rig = Rig::start(&spec).await;
    rig.fake.push_fault(Fault::Delay(Duration::from_secs(5)));
    let ctx =
        CallContext { attempt_timeout: Some(Duration::from_millis(100)), ..Default::default() };
    let req = request(vec![user("hello")]);
    let e = match rig.provider.converse_stream(&req, &ctx).await {
        Ok(_) => panic!("a stream opened before its headers"),
        Err(e) => e,
    };
    assert!(e.retryable && e.kind == FailureKind::Timeout, "{e:?}");
    rig.fake.clear();
    rig.fake.push_fault(Fault::Pace { deltas: 64, every: Duration::from_millis(20) });
    let mut stream = rig.provider.converse_stream(&req, &ctx).await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    // (A reasoning model's reasoning item may come first.)
    assert!(
        matches!(first, Delta::Text { .. } | Delta::ToolCall(_) | Delta::Opaque { .. }),
        "{first:?}"
    );
    drop(stream);
    let stats = rig.fake.stream_stats().pop().unwrap();
    for _ in 0..100 {
        if stats.state().is_over() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stats.state(), StreamState::ClientClosed, "dropping the stream closes the call");
    assert!(stats.events_written() < 40, "{} events written", stats.events_written());
}

/// A consumer that stops reading stops the upstream: the fake's writes stall far short of the
/// whole stream (only socket buffers and one read buffer lie between), and resume when the
/// consumer reads again.
async fn backpressure(spec: Spec) {
    const DELTAS: u32 = 100_000;
    let rig = Rig::start(&spec).await;
    rig.fake.push_fault(Fault::Pace { deltas: DELTAS, every: Duration::ZERO });
    let req = request(vec![user("hello")]);
    let mut stream = rig.provider.converse_stream(&req, &CallContext::default()).await.unwrap();
    stream.next().await.unwrap().unwrap();
    let stats = rig.fake.stream_stats().pop().unwrap();
    let mut written = stats.events_written();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = stats.events_written();
        if now == written && now > 0 {
            break;
        }
        written = now;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(stats.events_written(), written, "the fake kept writing while nobody read");
    assert!(written < u64::from(DELTAS) / 2, "{written} of {DELTAS} events written");
    assert_eq!(stats.state(), StreamState::Open);
    eprintln!("{:?}: the fake stalled after {written} of {DELTAS} events", spec.wire);
    let mut read = 0;
    while stats.events_written() == written && read < DELTAS {
        stream.next().await.unwrap().unwrap();
        read += 1;
    }
    drop(stream);
    assert!(stats.events_written() > written, "reading again resumes the upstream");
    assert!(u64::from(read) <= written + 2, "the held deltas were read first: {read}");
}

#[tokio::test]
async fn backpressure_reaches_the_openai_upstream() {
    backpressure(openai()).await
}

#[tokio::test]
async fn backpressure_reaches_the_anthropic_upstream() {
    backpressure(anthropic()).await
}

#[tokio::test]
async fn backpressure_reaches_the_bedrock_upstream() {
    backpressure(bedrock()).await
}

// ---------------------------------------------------------------------------------------------
// The table: one line per provider
// ---------------------------------------------------------------------------------------------

macro_rules! conformance {
    ($($provider:ident),* $(,)?) => {$(
        mod $provider {
            #[tokio::test]
            async fn text() { super::text(super::$provider()).await }
            #[tokio::test]
            async fn system() { super::system(super::$provider()).await }
            #[tokio::test]
            async fn multi_turn() { super::multi_turn(super::$provider()).await }
            #[tokio::test]
            async fn tools() { super::tools(super::$provider()).await }
            #[tokio::test]
            async fn tool_results() { super::tool_results(super::$provider()).await }
            #[tokio::test]
            async fn named_tool_choice() { super::named_tool_choice(super::$provider()).await }
            #[tokio::test]
            async fn structured_output() { super::structured_output(super::$provider()).await }
            #[tokio::test]
            async fn usage_with_details() { super::usage_with_details(super::$provider()).await }
            #[tokio::test]
            async fn parameters() { super::parameters(super::$provider()).await }
            #[tokio::test]
            async fn status_before_the_stream() {
                super::status_before_the_stream(super::$provider()).await
            }
            #[tokio::test]
            async fn mid_stream_failures() { super::mid_stream_failures(super::$provider()).await }
            #[tokio::test]
            async fn headers_timeout_and_cancellation() {
                super::headers_timeout_and_cancellation(super::$provider()).await
            }
        }
    )*};
}

conformance! {
    openai,
    azure_openai,
    openai_responses,
    azure_responses,
    deepseek,
    huggingface,
    ollama,
    googleai,
    mistral,
    anthropic,
    bedrock,
}

/// Echo needs no upstream: its stream assembles to its plain reply, word by word.
#[tokio::test]
async fn echo_streams_word_by_word() {
    let provider = registry::build(
        registry::ProviderConfig::Echo(Default::default()),
        &parlance_providers::http_client().unwrap(),
    );
    let req = ChatRequest {
        tools: vec![tool("f", "x")],
        ..request(vec![user("hello  echo\nworld"), user("again")])
    };
    let want = provider.converse(&req, &CallContext::default()).await.unwrap();
    let stream = provider.converse_stream(&req, &CallContext::default()).await.unwrap();
    let deltas: Vec<Delta> = stream.map(|d| d.unwrap()).collect().await;
    let texts: Vec<&str> = deltas
        .iter()
        .filter_map(|d| match d {
            Delta::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["hello  ", "echo\n", "world\n", "again"]);
    let mut a = Assembler::default();
    deltas.iter().for_each(|d| a.push(d));
    assert_eq!(a.finish(None), want);
}
