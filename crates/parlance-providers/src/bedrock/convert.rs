//! Domain ↔ Bedrock Converse: system blocks, alternating turns, `toolUse`/`toolResult` blocks,
//! `toolConfig` and tool choice, structured output (a forced tool), cache points, usage and
//! stop reasons.
//!
//! The same decisions as the Anthropic mapping: system messages go to `system`; same-role
//! turns merge and tool results lead their user turn; a conversation must open with the user
//! ([`OPENING_TURN`]); structured output is a forced tool whose input comes back as content
//! (not forced when the client offers its own tools with choice `auto`).
//! Converse has no `none` tool choice: `none` sends no tools at all unless the history holds
//! tool blocks (then Converse requires `toolConfig`, and the choice is left to the model).
//! `promptCacheRetention` adds a `cachePoint` after the system blocks and after the tools
//! (Bedrock's cache has one fixed lifetime). Usage: prompt = input + cache read + cache write,
//! `cachedTokens` = cache read, total = prompt + completion.

use crate::forced_tool::{format_tool_name, schema};
use std::borrow::Cow;

use parlance_core::{
    ChatMessage, ChatRequest, ChatResponse, Choice, FailureKind, Part, PromptDetails,
    ProviderError, Role, ToolCall, ToolChoice, ToolDef, Usage,
};
use serde_json::{Map, Value, json};

use super::config::BedrockConfig;
use super::wire::{
    Block, CachePoint, ConverseRequest, ConverseResponse, InferenceConfig, InputSchema,
    ResultContent, SystemBlock, ToolConfig, ToolResult, ToolSpec, ToolUse, WireMessage, WireTool,
    WireUsage,
};

/// The user turn put in front of a conversation that does not start with the user.
pub const OPENING_TURN: &str = "Continue.";

/// What the structured-output tool tells the model when the schema has no description.
const FORMAT_TOOL_DESCRIPTION: &str = "Give the final answer by calling this tool.";

const CACHE_POINT: CachePoint = CachePoint { kind: "default" };

/// Builds the request body for one call.
pub fn to_wire<'a>(
    cfg: &'a BedrockConfig,
    req: &'a ChatRequest,
) -> Result<ConverseRequest<'a>, ProviderError> {
    let cache = req.prompt_cache_retention.is_some_and(|d| !d.is_zero());
    let messages = turns(&req.messages)?;
    Ok(ConverseRequest {
        system: system(&req.messages, cache),
        inference_config: InferenceConfig {
            max_tokens: req.params.max_tokens.or(cfg.default_max_tokens),
            temperature: req.temperature.filter(|t| *t > 0.0),
            top_p: req.params.top_p,
            stop_sequences: &req.params.stop,
        },
        tool_config: tool_config(req, has_tool_blocks(&messages), cache),
        messages,
    })
}

fn system(messages: &[ChatMessage], cache: bool) -> Vec<SystemBlock> {
    let mut out: Vec<SystemBlock> = messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(ChatMessage::joined_text)
        .filter(|t| !t.trim().is_empty())
        .map(SystemBlock::Text)
        .collect();
    if cache && !out.is_empty() {
        out.push(SystemBlock::CachePoint(CACHE_POINT));
    }
    out
}

/// The non-system messages as alternating user/assistant turns, starting with the user.
fn turns(messages: &[ChatMessage]) -> Result<Vec<WireMessage>, ProviderError> {
    let mut out: Vec<WireMessage> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let role = match m.role {
            Role::System => continue,
            Role::Assistant => "assistant",
            Role::User | Role::Generic | Role::Tool | Role::Function => "user",
        };
        let blocks = blocks(i, m)?;
        match out.last_mut() {
            _ if blocks.is_empty() => {}
            Some(prev) if prev.role == role => prev.content.extend(blocks),
            _ => out.push(WireMessage { role, content: blocks }),
        }
    }
    if out.first().is_none_or(|m| m.role != "user") {
        let opening = vec![Block::Text(OPENING_TURN.to_string())];
        out.insert(0, WireMessage { role: "user", content: opening });
    }
    for m in out.iter_mut().filter(|m| m.role == "user") {
        m.content.sort_by_key(|b| !matches!(b, Block::ToolResult(_)));
    }
    Ok(out)
}

fn blocks(i: usize, m: &ChatMessage) -> Result<Vec<Block>, ProviderError> {
    let mut out = Vec::with_capacity(m.parts.len());
    for (j, part) in m.parts.iter().enumerate() {
        match part {
            Part::Text(t) if t.trim().is_empty() => {}
            Part::Text(t) => out.push(Block::Text(t.clone())),
            Part::ToolCall(c) => out.push(Block::ToolUse(ToolUse {
                tool_use_id: c
                    .id
                    .clone()
                    .filter(|id| !id.is_empty())
                    .unwrap_or(format!("tooluse_{i}_{j}")),
                name: c.name.clone(),
                input: arguments(c)?,
            })),
            Part::ToolResult(r) => out.push(Block::ToolResult(ToolResult {
                tool_use_id: r.id.clone(),
                content: vec![ResultContent { text: r.content.clone() }],
            })),
        }
    }
    Ok(out)
}

/// Tool-call arguments are JSON text; Converse wants the object itself.
fn arguments(c: &ToolCall) -> Result<Value, ProviderError> {
    if c.arguments.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str(&c.arguments) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(ProviderError::permanent(
            FailureKind::InvalidRequest,
            format!("tool call {:?}: arguments must be a JSON object for Bedrock", c.name),
        )),
    }
}

fn has_tool_blocks(messages: &[WireMessage]) -> bool {
    messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, Block::ToolUse(_) | Block::ToolResult(_)))
}

fn tool_config(req: &ChatRequest, history_uses_tools: bool, cache: bool) -> Option<ToolConfig<'_>> {
    let format = format_tool_name(req);
    let forbid = req.tool_choice == Some(ToolChoice::None) && !history_uses_tools;
    let mut tools: Vec<WireTool<'_>> =
        if forbid { Vec::new() } else { req.tools.iter().map(tool).collect() };
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
    if cache {
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

/// `{"auto":{}}` is the default and never sent; `required` → `any`, a name → `tool`.
fn tool_choice(req: &ChatRequest, format: Option<String>) -> Option<Value> {
    let user = if req.tools.is_empty() { None } else { req.tool_choice.as_ref() };
    match (user, format) {
        (Some(ToolChoice::Required), _) => Some(json!({"any": {}})),
        (Some(ToolChoice::Named(name)), _) => Some(json!({"tool": {"name": name}})),
        (Some(ToolChoice::Auto), _) => None,
        (Some(ToolChoice::None) | None, Some(name)) => Some(json!({"tool": {"name": name}})),
        (Some(ToolChoice::None) | None, None) => None,
    }
}

/// Maps a reply; `model` is the component's resolved model.
pub fn from_wire(cfg: &BedrockConfig, req: &ChatRequest, reply: ConverseResponse) -> ChatResponse {
    let format = format_tool_name(req);
    let (mut content, mut structured, mut tool_calls) = (String::new(), None, Vec::new());
    for block in reply.output.message.content {
        if let Some(text) = block.text {
            content.push_str(&text);
        }
        match block.tool_use {
            Some(t) if format.as_ref() == Some(&t.name) => structured = Some(t.input.to_string()),
            Some(t) => tool_calls.push(ToolCall {
                id: Some(t.tool_use_id),
                name: t.name,
                arguments: t.input.to_string(),
            }),
            None => {}
        }
    }
    let mut finish_reason =
        reply.stop_reason.filter(|s| !s.is_empty()).unwrap_or_else(|| "unknown".into());
    if let Some(doc) = structured {
        content = doc;
        if tool_calls.is_empty() && finish_reason == "tool_use" {
            finish_reason = "end_turn".into();
        }
    }
    let choice = Choice { index: 0, finish_reason, content, tool_calls };
    let usage = reply.usage.map(usage);
    ChatResponse { choices: vec![choice], usage, model: Some(cfg.model.clone()) }
}

fn usage(u: WireUsage) -> Usage {
    let read = u.cache_read_input_tokens.unwrap_or(0);
    let prompt = u.input_tokens + read + u.cache_write_input_tokens.unwrap_or(0);
    Usage {
        completion_tokens: u.output_tokens,
        prompt_tokens: prompt,
        total_tokens: prompt + u.output_tokens,
        prompt_details: PromptDetails { audio_tokens: 0, cached_tokens: read }.non_zero(),
        completion_details: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bedrock::config::{Credentials, Keys};
    use parlance_core::{GenerationParams, ResponseFormat};
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
