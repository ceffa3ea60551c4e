//! Domain ↔ Bedrock Converse: system blocks, alternating turns, `toolUse`/`toolResult` blocks,
//! `toolConfig` and tool choice, structured output (a forced tool), cache points, usage and
//! stop reasons.
//!
//! The decisions Bedrock shares with Anthropic (system prompt, merged and alternating turns
//! opened by [`OPENING_TURN`], tool choice, the structured-output tool whose input comes back
//! as content, usage arithmetic) live in `crate::turns`.
//! Converse has no `none` tool choice: `none` sends no tools at all unless the history holds
//! tool blocks (then Converse requires `toolConfig`, and the choice is left to the model).
//! `promptCacheRetention` adds a `cachePoint` after the system blocks and after the tools
//! (Bedrock's cache has one fixed lifetime), where the client's breakpoints put none.
//! For Claude models, what the Anthropic door carries goes out too (see `claude.rs`).

use std::borrow::Cow;

use parlance_core::{
    AnthropicPart, ChatMessage, ChatRequest, ChatResponse, Part, ProviderError, Role, ToolChoice,
    ToolDef,
};
use serde_json::{Value, json};

use super::claude::{self, CACHE_POINT};
use super::config::BedrockConfig;
use super::wire::{
    Block, ConverseRequest, ConverseResponse, InferenceConfig, InputSchema, SystemBlock,
    ToolConfig, ToolSpec, WireMessage, WireTool, WireUsage,
};
use crate::turns::forced_tool::{format_tool_name, schema};
use crate::turns::reply::ReplyFold;
use crate::turns::{self, Dialect, FORMAT_TOOL_DESCRIPTION, Forced};

pub use crate::turns::OPENING_TURN;

/// How this API is named in errors and prefixes the ids parlance makes up.
const DIALECT: Dialect = Dialect { name: "Bedrock", id_prefix: "tooluse" };

/// Builds the request body for one call.
pub fn to_wire<'a>(
    cfg: &'a BedrockConfig,
    req: &'a ChatRequest,
) -> Result<ConverseRequest<'a>, ProviderError> {
    let cache = req.prompt_cache_retention.is_some_and(|d| !d.is_zero());
    let claude = claude::is_claude(req.model_or(&cfg.model));
    let messages = match claude {
        true => claude::flatten(turns::turns(&req.messages, &DIALECT)?),
        false => turns::turns(&req.messages, &DIALECT)?,
    };
    Ok(ConverseRequest {
        system: system(&req.messages, cache, claude),
        inference_config: InferenceConfig {
            max_tokens: req.params.max_tokens.or(cfg.default_max_tokens),
            temperature: req.temperature.filter(|t| *t > 0.0),
            top_p: req.params.top_p,
            stop_sequences: &req.params.stop,
        },
        tool_config: tool_config(req, has_tool_blocks(&messages), cache, claude),
        additional_model_request_fields: claude.then(|| claude::additional_fields(req)).flatten(),
        messages,
    })
}

/// The system texts (each message one block); for Claude, a `cachePoint` after a block the
/// client marked; the retention's after the last, unless one is there already.
fn system(messages: &[ChatMessage], cache: bool, claude: bool) -> Vec<SystemBlock> {
    let mut out: Vec<SystemBlock> = Vec::new();
    for m in messages.iter().filter(|m| m.role == Role::System) {
        let text = m.joined_text();
        if !text.trim().is_empty() {
            out.push(SystemBlock::Text(text));
        }
        let marked =
            m.parts.iter().any(|p| matches!(p, Part::Anthropic(AnthropicPart::CacheControl(_))));
        if claude && marked && matches!(out.last(), Some(SystemBlock::Text(_))) {
            out.push(SystemBlock::CachePoint(CACHE_POINT));
        }
    }
    if cache && matches!(out.last(), Some(SystemBlock::Text(_))) {
        out.push(SystemBlock::CachePoint(CACHE_POINT));
    }
    out
}

fn has_tool_blocks(messages: &[WireMessage]) -> bool {
    messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, Block::ToolUse(_) | Block::ToolResult(_)))
}

fn tool_config(
    req: &ChatRequest,
    history_uses_tools: bool,
    cache: bool,
    claude: bool,
) -> Option<ToolConfig<'_>> {
    let format = format_tool_name(req);
    let forbid = req.tool_choice == Some(ToolChoice::None) && !history_uses_tools;
    let mut tools: Vec<WireTool<'_>> = Vec::new();
    for t in req.tools.iter().filter(|_| !forbid) {
        tools.push(tool(t));
        if claude && claude::tool_marked(req, &t.name) {
            tools.push(WireTool::CachePoint(CACHE_POINT));
        }
    }
    if let (Some(f), Some(name)) = (&req.response_format, &format) {
        tools.push(WireTool::ToolSpec(ToolSpec {
            name: Cow::Owned(name.clone()),
            description: Some(f.description.as_deref().unwrap_or(FORMAT_TOOL_DESCRIPTION)),
            input_schema: InputSchema { json: schema(&f.schema) },
        }));
    }
    if tools.is_empty() {
        return None;
    }
    if cache && !matches!(tools.last(), Some(WireTool::CachePoint(_))) {
        tools.push(WireTool::CachePoint(CACHE_POINT));
    }
    Some(ToolConfig { tools, tool_choice: tool_choice(req, format) })
}

fn tool(t: &ToolDef) -> WireTool<'_> {
    WireTool::ToolSpec(ToolSpec {
        name: Cow::Borrowed(&t.name),
        description: t.description.as_deref(),
        input_schema: InputSchema { json: schema(&t.parameters) },
    })
}

/// `{"auto":{}}` is the default and never sent; `required` → `any`, a name → `tool`; Converse
/// has no `none` (see the module doc).
fn tool_choice(req: &ChatRequest, format: Option<String>) -> Option<Value> {
    match turns::tool_choice(req, format)? {
        Forced::Any => Some(json!({"any": {}})),
        Forced::Tool(name) => Some(json!({"tool": {"name": name}})),
        Forced::None => None,
    }
}

/// Maps a reply; `model` is the call's resolved model (the request's own, else the
/// component's).
pub fn from_wire(cfg: &BedrockConfig, req: &ChatRequest, reply: ConverseResponse) -> ChatResponse {
    let mut fold = ReplyFold::new(req);
    let claude = claude::is_claude(req.model_or(&cfg.model));
    for block in reply.output.message.content {
        if let Some(text) = block.text {
            fold.text(&text);
        }
        if let Some(t) = block.tool_use {
            fold.tool_use(t.tool_use_id, t.name, &t.input);
        }
        if let Some(t) = block.reasoning_content.filter(|_| claude).and_then(claude::thinking) {
            fold.thinking(t);
        }
    }
    let choice = fold.finish(reply.stop_reason);
    let usage = reply.usage.map(usage);
    let model = Some(req.model_or(&cfg.model).to_string());
    ChatResponse { choices: vec![choice], usage, model }
}

/// Bedrock's usage in Dapr's shape.
pub(crate) fn usage(u: WireUsage) -> parlance_core::Usage {
    turns::usage(
        u.input_tokens,
        u.output_tokens,
        u.cache_read_input_tokens,
        u.cache_write_input_tokens,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bedrock::config::{Credentials, Keys};
    use parlance_core::{GenerationParams, ResponseFormat, ThinkingBlock, ToolCall};
    use std::time::Duration;

    fn cfg() -> BedrockConfig {
        BedrockConfig {
            region: "us-east-1".into(),
            model: "anthropic.claude-3-haiku-20240307-v1:0".into(),
            url: "http://x/model/m/converse".into(),
            credentials: Credentials::Keys(Keys {
                access_key: "AK".into(),
                secret_key: "SK".into(),
                session_token: None,
            }),
            default_max_tokens: None,
            timeout: Duration::from_secs(1),
        }
    }

    fn body(req: &ChatRequest) -> Value {
        let c = cfg();
        serde_json::to_value(to_wire(&c, req).unwrap()).unwrap()
    }

    fn weather() -> ToolDef {
        let p = json!({"type": "object", "properties": {"city": {"type": "string"}}});
        ToolDef {
            name: "get_weather".into(),
            description: Some("Weather".into()),
            parameters: p.as_object().cloned().unwrap(),
        }
    }

    #[test]
    fn messages_system_and_inference_config() {
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::System, "be brief"),
                ChatMessage::text(Role::User, "hi"),
                ChatMessage::text(Role::User, "there"),
            ],
            temperature: Some(0.5),
            params: GenerationParams {
                max_tokens: Some(20),
                top_p: Some(0.9),
                stop: vec!["END".into()],
                ..Default::default()
            },
            prompt_cache_retention: Some(Duration::from_secs(300)),
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(b["system"], json!([{"text": "be brief"}, {"cachePoint": {"type": "default"}}]));
        assert_eq!(
            b["messages"],
            json!([{"role": "user", "content": [{"text": "hi"}, {"text": "there"}]}])
        );
        assert_eq!(
            b["inferenceConfig"],
            json!({"maxTokens": 20, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]})
        );
        assert!(b.get("toolConfig").is_none());
        let bare = body(&ChatRequest {
            messages: vec![ChatMessage::text(Role::Assistant, "hello")],
            ..ChatRequest::default()
        });
        assert_eq!(
            bare["messages"][0],
            json!({"role": "user", "content": [{"text": OPENING_TURN}]})
        );
        assert!(bare.get("inferenceConfig").is_none() && bare.get("system").is_none());
    }

    #[test]
    fn tools_history_and_choice() {
        let call = ToolCall {
            id: Some("tooluse_1".into()),
            name: "get_weather".into(),
            arguments: r#"{"city":"Paris"}"#.into(),
        };
        let result = parlance_core::ToolResult {
            id: "tooluse_1".into(),
            name: "get_weather".into(),
            content: "18C".into(),
        };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::User, "weather?"),
                ChatMessage {
                    role: Role::Assistant,
                    parts: vec![Part::ToolCall(call)],
                    scrub: false,
                },
                ChatMessage {
                    role: Role::Tool,
                    parts: vec![Part::ToolResult(result)],
                    scrub: false,
                },
            ],
            tools: vec![weather()],
            tool_choice: Some(ToolChoice::Named("get_weather".into())),
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(
            b["messages"][1]["content"],
            json!([{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}])
        );
        assert_eq!(
            b["messages"][2]["content"],
            json!([{"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "18C"}]}}])
        );
        assert_eq!(
            b["toolConfig"]["tools"][0],
            json!({"toolSpec": {"name": "get_weather", "description": "Weather", "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}})
        );
        assert_eq!(b["toolConfig"]["toolChoice"], json!({"tool": {"name": "get_weather"}}));
        let none = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "x")],
            tools: vec![weather()],
            tool_choice: Some(ToolChoice::None),
            ..ChatRequest::default()
        };
        assert!(body(&none).get("toolConfig").is_none());
        let any = ChatRequest { tool_choice: Some(ToolChoice::Required), ..none };
        assert_eq!(body(&any)["toolConfig"]["toolChoice"], json!({"any": {}}));
    }

    #[test]
    fn structured_output_round_trip() {
        let schema = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "count")],
            response_format: Some(ResponseFormat {
                name: "response".into(),
                description: None,
                strict: false,
                schema: schema.as_object().cloned().unwrap(),
            }),
            ..ChatRequest::default()
        };
        assert_eq!(body(&req)["toolConfig"]["toolChoice"], json!({"tool": {"name": "response"}}));
        let reply: ConverseResponse = serde_json::from_value(json!({
            "output": {"message": {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_x", "name": "response", "input": {"n": 1}}}]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 10, "outputTokens": 4, "totalTokens": 14}
        }))
        .unwrap();
        let c = &from_wire(&cfg(), &req, reply).choices[0];
        assert_eq!(
            (c.content.as_str(), c.finish_reason.as_str(), c.tool_calls.is_empty()),
            (r#"{"n":1}"#, "end_turn", true)
        );
    }

    fn marked(role: Role, part: AnthropicPart) -> ChatMessage {
        ChatMessage { role, parts: vec![Part::Anthropic(part)], scrub: false }
    }

    fn breakpoint() -> AnthropicPart {
        AnthropicPart::CacheControl(r#"{"type":"ephemeral"}"#.into())
    }

    /// What the Anthropic door carries, for a Claude model and for another family.
    fn faithful_request(model: &str) -> ChatRequest {
        let signed = ThinkingBlock::Thinking { thinking: "hm".into(), signature: "sig".into() };
        let call = ToolCall {
            id: Some("tooluse_1".into()),
            name: "get_weather".into(),
            arguments: "{}".into(),
        };
        let mut req = ChatRequest {
            model: Some(model.into()),
            messages: vec![
                ChatMessage::text(Role::System, "be brief"),
                marked(Role::System, breakpoint()),
                ChatMessage::text(Role::User, "weather?"),
                marked(Role::User, breakpoint()),
                marked(Role::Assistant, AnthropicPart::Thinking(signed)),
                marked(
                    Role::Assistant,
                    AnthropicPart::Thinking(ThinkingBlock::RedactedThinking {
                        data: "Zm9v".into(),
                    }),
                ),
                ChatMessage {
                    role: Role::Assistant,
                    parts: vec![Part::ToolCall(call)],
                    scrub: false,
                },
            ],
            tools: vec![weather()],
            prompt_cache_retention: Some(Duration::from_secs(300)),
            ..ChatRequest::default()
        };
        req.anthropic.thinking = Some(r#"{"type":"enabled","budget_tokens":1024}"#.into());
        req.anthropic.betas =
            vec!["interleaved-thinking-2025-05-14".into(), "claude-code-20250219".into()];
        req.anthropic.tool_cache_control =
            vec![("get_weather".into(), r#"{"type":"ephemeral"}"#.into())];
        req
    }

    #[test]
    fn claude_gets_thinking_breakpoints_and_known_betas() {
        let b = body(&faithful_request("us.anthropic.claude-sonnet-4-20250514-v1:0"));
        assert_eq!(
            b["additionalModelRequestFields"],
            json!({
                "thinking": {"type": "enabled", "budget_tokens": 1024},
                "anthropic_beta": ["interleaved-thinking-2025-05-14"]
            })
        );
        let point = json!({"cachePoint": {"type": "default"}});
        assert_eq!(b["system"], json!([{"text": "be brief"}, point]), "one point, not two");
        assert_eq!(b["messages"][0]["content"], json!([{"text": "weather?"}, point]));
        assert_eq!(
            b["messages"][1]["content"],
            json!([
                {"reasoningContent": {"reasoningText": {"text": "hm", "signature": "sig"}}},
                {"reasoningContent": {"redactedContent": "Zm9v"}},
                {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {}}}
            ])
        );
        let tools = b["toolConfig"]["tools"].as_array().unwrap();
        assert_eq!((tools.len(), &tools[1]), (2, &point), "the client's point, not a second");
    }

    #[test]
    fn other_families_get_none_of_it() {
        let b = body(&faithful_request("amazon.nova-lite-v1:0"));
        assert!(b.get("additionalModelRequestFields").is_none(), "{b}");
        let point = json!({"cachePoint": {"type": "default"}});
        assert_eq!(b["system"], json!([{"text": "be brief"}, point]), "the retention's");
        assert_eq!(b["messages"][0]["content"], json!([{"text": "weather?"}]));
        assert_eq!(
            b["messages"][1]["content"],
            json!([{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {}}}])
        );
        assert_eq!(b["toolConfig"]["tools"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn claude_reasoning_comes_back_as_thinking_blocks() {
        let reply = || -> ConverseResponse {
            serde_json::from_value(json!({
                "output": {"message": {"role": "assistant", "content": [
                    {"reasoningContent": {"reasoningText": {"text": "hm", "signature": "sig"}}},
                    {"reasoningContent": {"redactedContent": "Zm9v"}},
                    {"text": "Four."}
                ]}},
                "stopReason": "end_turn"
            }))
            .unwrap()
        };
        let r = from_wire(&cfg(), &ChatRequest::default(), reply());
        assert_eq!(
            r.choices[0].thinking,
            vec![
                ThinkingBlock::Thinking { thinking: "hm".into(), signature: "sig".into() },
                ThinkingBlock::RedactedThinking { data: "Zm9v".into() },
            ]
        );
        assert_eq!(r.choices[0].content, "Four.");
        let nova = ChatRequest { model: Some("amazon.nova-pro-v1:0".into()), ..Default::default() };
        assert!(from_wire(&cfg(), &nova, reply()).choices[0].thinking.is_empty());
    }

    #[test]
    fn reply_tool_calls_and_cached_usage() {
        let reply: ConverseResponse = serde_json::from_value(json!({
            "output": {"message": {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {"text": "hmm"}}},
                {"text": "Checking."},
                {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather", "input": {"city": "Paris"}}}
            ]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 12, "outputTokens": 8, "totalTokens": 170, "cacheReadInputTokens": 100, "cacheWriteInputTokens": 50},
            "metrics": {"latencyMs": 300}
        }))
        .unwrap();
        let r = from_wire(&cfg(), &ChatRequest::default(), reply);
        let c = &r.choices[0];
        assert_eq!((c.content.as_str(), c.finish_reason.as_str()), ("Checking.", "tool_use"));
        assert_eq!(c.tool_calls[0].id.as_deref(), Some("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"));
        assert_eq!(c.tool_calls[0].arguments, r#"{"city":"Paris"}"#);
        let u = r.usage.unwrap();
        assert_eq!((u.prompt_tokens, u.completion_tokens, u.total_tokens), (162, 8, 170));
        assert_eq!(u.prompt_details.unwrap().cached_tokens, 100);
        assert!(
            serde_json::from_value::<ConverseResponse>(json!({"stopReason": "end_turn"})).is_err()
        );
    }
}
