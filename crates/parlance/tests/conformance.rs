//! One conformance suite, every provider (issue 6, point 5): the same scenarios run against
//! each conversation component over the fake upstream that speaks its wire protocol.
//!
//! Each test starts its own [`FakeUpstream`] and an in-process parlance whose one component,
//! `llm`, points its `endpoint` at the fake. It then checks both sides: what the fake received
//! (URL, auth headers, body fields) and what parlance answered over HTTP (Dapr's alpha2 JSON).
//!
//! The [`conformance!`] table at the bottom generates every scenario for every provider: a new
//! provider gets them all by adding one line there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Parlance, path, resources, start};
use parlance_fake::{FakeOptions, FakeUpstream, Fault, RecordedRequest};
use serde_json::{Value, json};

/// The key every key-based component is given.
const KEY: &str = "sk-conformance-0123456789";

/// The Bedrock credentials.
const ACCESS_KEY: &str = "AKIDCONFORMANCE";
const SECRET_KEY: &str = "conformance/secret/key";
const SESSION_TOKEN: &str = "conformance-session-token";

/// The wire protocol a component speaks, which decides where things sit in the upstream body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    OpenAi,
    Azure,
    Anthropic,
    Bedrock,
}

/// One provider under test.
struct Spec {
    /// `spec.type`.
    ty: &'static str,
    wire: Wire,
    /// The `model` metadata.
    model: &'static str,
    /// Appended to the fake's URL to make the `endpoint` metadata.
    endpoint: &'static str,
    /// Metadata besides `model` and `endpoint`.
    extra: &'static [(&'static str, &'static str)],
    /// The request path the fake must see.
    path: &'static str,
    /// The expected bearer token, for OpenAI-protocol components.
    bearer: &'static str,
    /// Whether `promptCacheRetention` reaches the provider's prompt cache.
    caches: bool,
}

const KEYED: &[(&str, &str)] = &[("key", KEY)];

const fn openai_like(ty: &'static str, model: &'static str, endpoint: &'static str) -> Spec {
    Spec {
        ty,
        wire: Wire::OpenAi,
        model,
        endpoint,
        extra: KEYED,
        path: "",
        bearer: KEY,
        caches: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------

fn openai() -> Spec {
    Spec {
        path: "/v1/chat/completions",
        caches: true,
        ..openai_like("conversation.openai", "gpt-4o-mini", "/v1")
    }
}

fn azure_openai() -> Spec {
    Spec {
        wire: Wire::Azure,
        extra: &[("key", KEY), ("apiType", "azure"), ("apiVersion", "2024-10-21")],
        path: "/openai/deployments/my-gpt-4o/chat/completions",
        caches: true,
        ..openai_like("conversation.openai", "my-gpt-4o", "")
    }
}

fn deepseek() -> Spec {
    Spec {
        path: "/v1/chat/completions",
        ..openai_like("conversation.deepseek", "deepseek-chat", "/v1")
    }
}

fn huggingface() -> Spec {
    Spec {
        path: "/hf/meta-llama/Llama-3.1-8B-Instruct/v1/chat/completions",
        ..openai_like(
            "conversation.huggingface",
            "meta-llama/Llama-3.1-8B-Instruct",
            "/hf/{model}/v1",
        )
    }
}

fn ollama() -> Spec {
    Spec {
        extra: &[],
        bearer: "ollama",
        path: "/v1/chat/completions",
        ..openai_like("conversation.ollama", "llama3.2:latest", "/v1")
    }
}

fn googleai() -> Spec {
    Spec {
        path: "/v1beta/openai/chat/completions",
        ..openai_like("conversation.googleai", "gemini-2.5-flash-lite", "/v1beta/openai")
    }
}

fn mistral() -> Spec {
    Spec {
        path: "/v1/chat/completions",
        ..openai_like("conversation.mistral", "mistral-small-latest", "/v1")
    }
}

fn anthropic() -> Spec {
    Spec {
        ty: "conversation.anthropic",
        wire: Wire::Anthropic,
        model: "claude-sonnet-4-20250514",
        endpoint: "/v1/",
        extra: KEYED,
        path: "/v1/messages",
        bearer: "",
        caches: true,
    }
}

fn bedrock() -> Spec {
    Spec {
        ty: "conversation.aws.bedrock",
        wire: Wire::Bedrock,
        model: "anthropic.claude-3-5-haiku-20241022-v1:0",
        endpoint: "",
        extra: &[
            ("region", "us-east-1"),
            ("accessKey", ACCESS_KEY),
            ("secretKey", SECRET_KEY),
            ("sessionToken", SESSION_TOKEN),
        ],
        path: "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
        bearer: "",
        caches: true,
    }
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// A fake upstream, parlance with one component `llm` pointing at it, and the temp dir.
struct Rig {
    spec: Spec,
    fake: FakeUpstream,
    parlance: Parlance,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn start(spec: Spec) -> Rig {
        let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
        let endpoint = format!("{}{}", fake.url(), spec.endpoint);
        let dir = resources(&[("llm.yaml", &component(&spec, &endpoint))]);
        let parlance = start(&[path(&dir)]).await;
        Rig { spec, fake, parlance, _dir: dir }
    }

    /// POSTs an alpha2 request to `llm`.
    async fn converse(&self, body: Value) -> (u16, Value) {
        self.parlance.alpha2("llm", &body.to_string()).await
    }

    /// The one request the fake received, after checking its URL and credentials.
    fn upstream(&self) -> RecordedRequest {
        let got = self.fake.requests();
        assert_eq!(got.len(), 1, "one upstream call expected");
        let rec = got.into_iter().next().unwrap();
        assert_eq!((rec.method.as_str(), rec.path.as_str()), ("POST", self.spec.path));
        check_auth(&self.spec, &rec);
        rec
    }

    fn body(&self) -> Value {
        self.upstream().json.expect("upstream body is JSON")
    }

    fn wire(&self) -> Wire {
        self.spec.wire
    }
}

fn component(spec: &Spec, endpoint: &str) -> String {
    let mut meta = vec![("model", spec.model), ("endpoint", endpoint)];
    meta.extend_from_slice(spec.extra);
    let entries: String =
        meta.iter().map(|(k, v)| format!("  - name: {k}\n    value: {}\n", json!(v))).collect();
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: llm\nspec:\n  type: {}\n  version: v1\n  metadata:\n{entries}",
        spec.ty
    )
}

fn check_auth(spec: &Spec, rec: &RecordedRequest) {
    match spec.wire {
        Wire::OpenAi => {
            assert_eq!(
                rec.header("authorization"),
                Some(format!("Bearer {}", spec.bearer).as_str())
            );
        }
        Wire::Azure => {
            assert_eq!(rec.header("api-key"), Some(KEY));
            assert_eq!(rec.query.as_deref(), Some("api-version=2024-10-21"));
            assert!(rec.header("authorization").is_none());
        }
        Wire::Anthropic => {
            assert_eq!(rec.header("x-api-key"), Some(KEY));
            assert_eq!(rec.header("anthropic-version"), Some("2023-06-01"));
        }
        Wire::Bedrock => {
            let auth = rec.header("authorization").unwrap_or_default();
            let date = rec.header("x-amz-date").unwrap_or_default();
            let scope =
                format!("Credential={ACCESS_KEY}/{}/us-east-1/bedrock/aws4_request", &date[..8]);
            assert!(auth.starts_with("AWS4-HMAC-SHA256 ") && auth.contains(&scope), "{auth}");
            assert_eq!(rec.header("x-amz-security-token"), Some(SESSION_TOKEN));
            assert!(!auth.contains(SECRET_KEY));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the two sides
// ---------------------------------------------------------------------------------------------

fn user(text: &str) -> Value {
    json!({"ofUser": {"content": [{"text": text}]}})
}

fn request(messages: Value) -> Value {
    json!({"inputs": [{"messages": messages}]})
}

fn weather_tool() -> Value {
    json!({"function": {"name": "get_weather", "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}})
}

fn time_tool() -> Value {
    json!({"function": {"name": "get_time", "description": "Current time in a city",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}})
}

/// The first choice of a 200 answer.
fn choice(status: u16, got: &Value) -> &Value {
    assert_eq!(status, 200, "{got}");
    &got["outputs"][0]["choices"][0]
}

impl Wire {
    fn stop(self) -> &'static str {
        match self {
            Wire::OpenAi | Wire::Azure => "stop",
            Wire::Anthropic | Wire::Bedrock => "end_turn",
        }
    }

    fn tool_use(self) -> &'static str {
        match self {
            Wire::OpenAi | Wire::Azure => "tool_calls",
            Wire::Anthropic | Wire::Bedrock => "tool_use",
        }
    }

    /// The non-system messages.
    fn messages(self, body: &Value) -> Vec<Value> {
        let all = body["messages"].as_array().cloned().unwrap_or_default();
        all.into_iter().filter(|m| m["role"] != "system").collect()
    }

    /// The text of a message (text blocks joined by a space).
    fn text(self, message: &Value) -> String {
        if let Some(s) = message["content"].as_str() {
            return s.to_string();
        }
        let blocks = message["content"].as_array().cloned().unwrap_or_default();
        let texts: Vec<String> =
            blocks.iter().filter_map(|b| b["text"].as_str().map(str::to_string)).collect();
        texts.join(" ")
    }

    fn system(self, body: &Value) -> String {
        match self {
            Wire::OpenAi | Wire::Azure => {
                let all = body["messages"].as_array().cloned().unwrap_or_default();
                let sys: Vec<String> =
                    all.iter().filter(|m| m["role"] == "system").map(|m| self.text(m)).collect();
                sys.join(" ")
            }
            Wire::Anthropic | Wire::Bedrock => self.text(&json!({"content": body["system"]})),
        }
    }

    fn tool_names(self, body: &Value) -> Vec<String> {
        let (list, pointer) = match self {
            Wire::OpenAi | Wire::Azure => (&body["tools"], "/function/name"),
            Wire::Anthropic => (&body["tools"], "/name"),
            Wire::Bedrock => (&body["toolConfig"]["tools"], "/toolSpec/name"),
        };
        let list = list.as_array().cloned().unwrap_or_default();
        list.iter().filter_map(|t| t.pointer(pointer)?.as_str().map(str::to_string)).collect()
    }

    /// The tool the request forces, if any.
    fn forced_tool(self, body: &Value) -> Option<String> {
        let name = match self {
            Wire::OpenAi | Wire::Azure => body.pointer("/tool_choice/function/name"),
            Wire::Anthropic => body.pointer("/tool_choice/name"),
            Wire::Bedrock => body.pointer("/toolConfig/toolChoice/tool/name"),
        };
        name.and_then(Value::as_str).map(str::to_string)
    }

    /// Ids of the tool results in the request.
    fn tool_result_ids(self, body: &Value) -> Vec<String> {
        let mut ids = Vec::new();
        for m in body["messages"].as_array().cloned().unwrap_or_default() {
            if let Some(id) = m["tool_call_id"].as_str() {
                ids.push(id.to_string());
            }
            for b in m["content"].as_array().cloned().unwrap_or_default() {
                let id = b.get("tool_use_id").or_else(|| b.pointer("/toolResult/toolUseId"));
                ids.extend(id.and_then(Value::as_str).map(str::to_string));
            }
        }
        ids
    }

    fn max_tokens(self, body: &Value) -> Option<u64> {
        match self {
            Wire::OpenAi | Wire::Azure => {
                body["max_completion_tokens"].as_u64().or(body["max_tokens"].as_u64())
            }
            Wire::Anthropic => body["max_tokens"].as_u64(),
            Wire::Bedrock => body["inferenceConfig"]["maxTokens"].as_u64(),
        }
    }
}

fn number(v: &Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

async fn simple_turn(spec: Spec) {
    let rig = Rig::start(spec).await;
    let (status, got) = rig.converse(request(json!([user("hello there")]))).await;
    let c = choice(status, &got);
    assert_eq!(c["message"]["content"], "echo: hello there", "{got}");
    assert_eq!(c["finishReason"], rig.wire().stop());
    assert_eq!(got["outputs"][0]["model"], rig.spec.model);
    let body = rig.body();
    let messages = rig.wire().messages(&body);
    assert_eq!(messages.len(), 1, "{body}");
    assert_eq!(
        (messages[0]["role"].as_str(), rig.wire().text(&messages[0]).as_str()),
        (Some("user"), "hello there")
    );
}

async fn system_prompt(spec: Spec) {
    let rig = Rig::start(spec).await;
    let messages = json!([{"ofSystem": {"content": [{"text": "You are terse."}]}}, user("hi")]);
    let (status, got) = rig.converse(request(messages)).await;
    assert_eq!(choice(status, &got)["message"]["content"], "echo: hi");
    let body = rig.body();
    assert_eq!(rig.wire().system(&body), "You are terse.", "{body}");
    assert_eq!(rig.wire().messages(&body).len(), 1, "{body}");
}

async fn multi_turn(spec: Spec) {
    let rig = Rig::start(spec).await;
    let messages = json!([
        user("my name is Ada"),
        {"ofAssistant": {"content": [{"text": "Hello Ada."}]}},
        user("what is my name?")
    ]);
    let (status, got) = rig.converse(request(messages)).await;
    assert_eq!(choice(status, &got)["message"]["content"], "echo: what is my name?");
    let body = rig.body();
    let sent = rig.wire().messages(&body);
    let roles: Vec<&str> = sent.iter().filter_map(|m| m["role"].as_str()).collect();
    assert_eq!(roles, ["user", "assistant", "user"], "{body}");
    assert_eq!(rig.wire().text(&sent[1]), "Hello Ada.");
}

async fn tool_call(spec: Spec) {
    let rig = Rig::start(spec).await;
    let mut req = request(json!([user("please call get_weather for Paris")]));
    req["tools"] = json!([weather_tool()]);
    req["toolChoice"] = json!("auto");
    let (status, got) = rig.converse(req).await;
    let c = choice(status, &got);
    assert_eq!(c["finishReason"], rig.wire().tool_use(), "{got}");
    let call = &c["message"]["toolCalls"][0];
    assert_eq!(call["function"]["name"], "get_weather", "{got}");
    assert!(call["id"].as_str().is_some_and(|id| !id.is_empty()), "{got}");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"city": "sample"}));
    let body = rig.body();
    assert_eq!(rig.wire().tool_names(&body), ["get_weather"], "{body}");
    assert_eq!(rig.wire().forced_tool(&body), None);
}

async fn tool_result(spec: Spec) {
    let rig = Rig::start(spec).await;
    let mut req = request(json!([
        user("weather in Paris?"),
        {"ofAssistant": {"toolCalls": [{"id": "call_abc123", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}},
        {"ofTool": {"toolId": "call_abc123", "name": "get_weather", "content": [{"text": "18C and sunny"}]}}
    ]));
    req["tools"] = json!([weather_tool()]);
    let (status, got) = rig.converse(req).await;
    let c = choice(status, &got);
    assert_eq!(c["message"]["content"], "echo: 18C and sunny", "{got}");
    assert_eq!(c["finishReason"], rig.wire().stop());
    let body = rig.body();
    assert_eq!(rig.wire().tool_result_ids(&body), ["call_abc123"], "{body}");
}

async fn named_tool_choice(spec: Spec) {
    let rig = Rig::start(spec).await;
    let mut req = request(json!([user("what time is it in Paris?")]));
    req["tools"] = json!([weather_tool(), time_tool()]);
    req["toolChoice"] = json!("get_time");
    let (status, got) = rig.converse(req).await;
    let c = choice(status, &got);
    assert_eq!(c["message"]["toolCalls"][0]["function"]["name"], "get_time", "{got}");
    let body = rig.body();
    assert_eq!(rig.wire().forced_tool(&body).as_deref(), Some("get_time"), "{body}");
    assert_eq!(rig.wire().tool_names(&body), ["get_weather", "get_time"]);
}

async fn structured_output(spec: Spec) {
    let rig = Rig::start(spec).await;
    let mut req = request(json!([user("answer in JSON")]));
    req["responseFormat"] = json!({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]});
    let (status, got) = rig.converse(req).await;
    let c = choice(status, &got);
    let content: Value = serde_json::from_str(c["message"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content, json!({"answer": "sample"}), "{got}");
    assert_eq!(c["finishReason"], rig.wire().stop());
    assert!(c["message"].get("toolCalls").is_none(), "{got}");
}

async fn usage(spec: Spec) {
    let rig = Rig::start(spec).await;
    let mut req = request(json!([
        {"ofSystem": {"content": [{"text": "You are a careful assistant who answers briefly."}]}},
        user("count these words please")
    ]));
    req["promptCacheRetention"] = json!("3600s");
    req["parameters"] = json!({"max_tokens": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "64"}});
    for attempt in 0..2 {
        let (status, got) = rig.converse(req.clone()).await;
        assert_eq!(status, 200, "{got}");
        let u = &got["outputs"][0]["usage"];
        let (prompt, completion) = (number(&u["promptTokens"]), number(&u["completionTokens"]));
        assert!(prompt > 0 && completion == 5, "{got}");
        assert_eq!(number(&u["totalTokens"]), prompt + completion, "{got}");
        let cached = number(&u["promptTokensDetails"]["cachedTokens"]);
        match (attempt, rig.spec.caches) {
            (1, true) => {
                assert!(cached > 0 && cached <= prompt, "second call reads the cache: {got}")
            }
            _ => assert_eq!(cached, 0, "{got}"),
        }
    }
    let sent = rig.fake.requests();
    assert_eq!(rig.wire().max_tokens(sent[0].json.as_ref().unwrap()), Some(64));
}

async fn upstream_status(spec: Spec, code: u16) {
    let rig = Rig::start(spec).await;
    let retry_after = (code == 429).then_some(1);
    rig.fake.set_default_fault(Some(Fault::Status { code, retry_after }));
    let (status, got) = rig.converse(request(json!([user("hi")]))).await;
    assert_eq!(status, 500, "{got}");
    assert_eq!(got["errorCode"], "ERR_CONVERSATION_INVOKE", "{got}");
    let message = got["message"].as_str().unwrap();
    assert!(message.starts_with("failed conversing with component llm: "), "{message}");
    assert!(message.contains(&format!("upstream returned status {code}")), "{message}");
    assert!(!message.contains(KEY) && !message.contains(SECRET_KEY), "{message}");
    if code == 401 {
        assert!(message.contains("authentication"), "{message}");
    }
    assert!(rig.fake.request_count() >= 1);
}

async fn malformed_reply(spec: Spec) {
    let rig = Rig::start(spec).await;
    rig.fake.set_default_fault(Some(Fault::MalformedJson));
    let (status, got) = rig.converse(request(json!([user("hi")]))).await;
    assert_eq!(
        (status, got["errorCode"].as_str()),
        (500, Some("ERR_CONVERSATION_INVOKE")),
        "{got}"
    );
    assert!(got["message"].as_str().unwrap().contains("malformed upstream reply"), "{got}");
}

// ---------------------------------------------------------------------------------------------
// The table: one line per provider
// ---------------------------------------------------------------------------------------------

/// Generates every scenario as a `#[tokio::test]` in one module per provider.
macro_rules! conformance {
    ($($provider:ident),* $(,)?) => {$(
        mod $provider {
            #[tokio::test]
            async fn simple_turn() { super::simple_turn(super::$provider()).await }
            #[tokio::test]
            async fn system_prompt() { super::system_prompt(super::$provider()).await }
            #[tokio::test]
            async fn multi_turn() { super::multi_turn(super::$provider()).await }
            #[tokio::test]
            async fn tool_call() { super::tool_call(super::$provider()).await }
            #[tokio::test]
            async fn tool_result() { super::tool_result(super::$provider()).await }
            #[tokio::test]
            async fn named_tool_choice() { super::named_tool_choice(super::$provider()).await }
            #[tokio::test]
            async fn structured_output() { super::structured_output(super::$provider()).await }
            #[tokio::test]
            async fn usage() { super::usage(super::$provider()).await }
            #[tokio::test]
            async fn upstream_400() { super::upstream_status(super::$provider(), 400).await }
            #[tokio::test]
            async fn upstream_401() { super::upstream_status(super::$provider(), 401).await }
            #[tokio::test]
            async fn upstream_429() { super::upstream_status(super::$provider(), 429).await }
            #[tokio::test]
            async fn upstream_500() { super::upstream_status(super::$provider(), 500).await }
            #[tokio::test]
            async fn malformed_reply() { super::malformed_reply(super::$provider()).await }
        }
    )*};
}

conformance! {
    openai,
    azure_openai,
    deepseek,
    huggingface,
    ollama,
    googleai,
    mistral,
    anthropic,
    bedrock,
}
