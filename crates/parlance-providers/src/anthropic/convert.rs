//! Domain ↔ Anthropic Messages: system prompt, alternating turns, tool blocks, tool choice,
//! structured output (a forced tool), prompt-cache breakpoints, usage and stop reasons.
//!
//! Decisions, in one place:
//! - System messages, wherever they appear, become the top-level `system` blocks, in order.
//! - Consecutive turns of the same role are merged (Anthropic requires alternation); tool
//!   results go first in their user turn, as the API demands. A conversation that does not
//!   start with a user turn gets [`OPENING_TURN`] in front.
//! - Structured output is a tool named after the schema that the model is made to call; its
//!   input comes back as the choice's content (finish reason `end_turn`), not as a tool call.
//!   This works on every Claude model, which Anthropic's native structured output does not.
//!   When the client also offers its own tools with choice `auto`, nothing is forced and the
//!   model picks between them and the schema tool.
//! - `promptCacheRetention` puts `cache_control` on the last system block and the last tool:
//!   the default five-minute cache up to 5 minutes, the one-hour cache beyond.
//! - Usage: Anthropic's `input_tokens` excludes cached tokens, so Dapr's prompt tokens are
//!   `input + cache_read + cache_creation`; `cachedTokens` is `cache_read`; total = prompt +
//!   completion.

use crate::forced_tool::{format_tool_name, schema};
use std::borrow::Cow;
use std::time::Duration;

use parlance_core::{
    ChatMessage, ChatRequest, ChatResponse, Choice, FailureKind, Part, PromptDetails,
    ProviderError, Role, ToolCall, ToolChoice, ToolDef, Usage,
};
use serde_json::{Map, Value};

use super::config::AnthropicConfig;
use super::wire::{
    Block, CacheControl, MessagesRequest, MessagesResponse, ReplyBlock, SystemBlock, WireMessage,
    WireTool, WireToolChoice, WireUsage,
};

/// The user turn put in front of a conversation that starts with the assistant (or has only a
/// system prompt): the Messages API requires the first turn to be the user's.
pub const OPENING_TURN: &str = "Continue.";

/// The longest retention the default (five-minute) prompt cache covers.
const SHORT_CACHE: Duration = Duration::from_secs(300);

/// Builds the request body for one call.
pub fn to_wire<'a>(
    cfg: &'a AnthropicConfig,
    req: &'a ChatRequest,
) -> Result<MessagesRequest<'a>, ProviderError> {
    let cache = cache_control(req.prompt_cache_retention);
    let format = format_tool_name(req);
    Ok(MessagesRequest {
        model: &cfg.model,
        max_tokens: req.params.max_tokens.unwrap_or(cfg.default_max_tokens),
        system: system(&req.messages, cache),
        messages: turns(&req.messages)?,
        temperature: req.temperature.filter(|t| *t > 0.0),
        top_p: req.params.top_p,
        stop_sequences: &req.params.stop,
        tools: tools(req, format.as_deref(), cache),
        tool_choice: tool_choice(req, format),
    })
}

/// Whether the request asks for the one-hour cache (which needs a beta header).
pub fn wants_long_cache(req: &ChatRequest) -> bool {
    cache_control(req.prompt_cache_retention).is_some_and(|c| c.ttl.is_some())
}

fn cache_control(retention: Option<Duration>) -> Option<CacheControl> {
    let d = retention.filter(|d| !d.is_zero())?;
    Some(CacheControl { kind: "ephemeral", ttl: (d > SHORT_CACHE).then_some("1h") })
}

fn system(messages: &[ChatMessage], cache: Option<CacheControl>) -> Vec<SystemBlock> {
    let mut blocks: Vec<SystemBlock> = messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(ChatMessage::joined_text)
        .filter(|t| !t.trim().is_empty())
        .map(|text| SystemBlock { kind: "text", text, cache_control: None })
        .collect();
    if let Some(last) = blocks.last_mut() {
        last.cache_control = cache;
    }
    blocks
}

/// The non-system messages as alternating user/assistant turns, starting with the user.
fn turns(messages: &[ChatMessage]) -> Result<Vec<WireMessage>, ProviderError> {
    let mut out: Vec<WireMessage> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let Some(role) = wire_role(m.role) else { continue };
        let blocks = blocks(i, m)?;
        match out.last_mut() {
            _ if blocks.is_empty() => {}
            Some(prev) if prev.role == role => prev.content.extend(blocks),
            _ => out.push(WireMessage { role, content: blocks }),
        }
    }
    if out.first().is_none_or(|m| m.role != "user") {
        let opening = vec![Block::Text { text: OPENING_TURN.to_string() }];
        out.insert(0, WireMessage { role: "user", content: opening });
    }
    out.iter_mut().for_each(results_first);
    Ok(out)
}

fn wire_role(role: Role) -> Option<&'static str> {
    match role {
        Role::System => None,
        Role::User | Role::Generic | Role::Tool | Role::Function => Some("user"),
        Role::Assistant => Some("assistant"),
    }
}

/// The blocks of one message; blank text is dropped (the API rejects it).
fn blocks(i: usize, m: &ChatMessage) -> Result<Vec<Block>, ProviderError> {
    let mut out = Vec::with_capacity(m.parts.len());
    for (j, part) in m.parts.iter().enumerate() {
        match part {
            Part::Text(t) if t.trim().is_empty() => {}
            Part::Text(t) => out.push(Block::Text { text: t.clone() }),
            Part::ToolCall(c) => out.push(tool_use(c, || format!("toolu_{i}_{j}"))?),
            Part::ToolResult(r) => out
                .push(Block::ToolResult { tool_use_id: r.id.clone(), content: r.content.clone() }),
        }
    }
    Ok(out)
}

fn tool_use(c: &ToolCall, fallback_id: impl FnOnce() -> String) -> Result<Block, ProviderError> {
    let id = c.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(fallback_id);
    Ok(Block::ToolUse { id, name: c.name.clone(), input: arguments(c)? })
}

/// Tool-call arguments are JSON text; Anthropic wants the object itself.
fn arguments(c: &ToolCall) -> Result<Value, ProviderError> {
    if c.arguments.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str(&c.arguments) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(ProviderError::permanent(
            FailureKind::InvalidRequest,
            format!("tool call {:?}: arguments must be a JSON object for Anthropic", c.name),
        )),
    }
}

/// Moves tool results to the front of a user turn (stable otherwise).
fn results_first(m: &mut WireMessage) {
    if m.role == "user" {
        m.content.sort_by_key(|b| !matches!(b, Block::ToolResult { .. }));
    }
}

fn tools<'a>(
    req: &'a ChatRequest,
    format: Option<&str>,
    cache: Option<CacheControl>,
) -> Vec<WireTool<'a>> {
    let mut out: Vec<WireTool<'a>> = req.tools.iter().map(tool).collect();
    if let (Some(f), Some(name)) = (&req.response_format, format) {
        out.push(WireTool {
            name: Cow::Owned(name.to_string()),
            description: Some(f.description.as_deref().unwrap_or(FORMAT_TOOL_DESCRIPTION)),
            input_schema: schema(&f.schema),
            cache_control: None,
        });
    }
    if let Some(last) = out.last_mut() {
        last.cache_control = cache;
    }
    out
}

/// What the structured-output tool tells the model when the schema has no description.
const FORMAT_TOOL_DESCRIPTION: &str = "Give the final answer by calling this tool.";

fn tool(t: &ToolDef) -> WireTool<'_> {
    WireTool {
        name: Cow::Borrowed(&t.name),
        description: t.description.as_deref(),
        input_schema: schema(&t.parameters),
        cache_control: None,
    }
}

/// Dapr's choice in Anthropic's object form; structured output forces its tool unless the
/// client asked for one of its own tools.
fn tool_choice(req: &ChatRequest, format: Option<String>) -> Option<WireToolChoice> {
    let user = if req.tools.is_empty() { None } else { req.tool_choice.as_ref() };
    match (user, format) {
        (Some(ToolChoice::Auto), _) => None,
        (Some(ToolChoice::Required), _) => Some(WireToolChoice::Any),
        (Some(ToolChoice::Named(name)), _) => Some(WireToolChoice::Tool { name: name.clone() }),
        (Some(ToolChoice::None) | None, Some(name)) => Some(WireToolChoice::Tool { name }),
        (Some(ToolChoice::None), None) => Some(WireToolChoice::None),
        (None, None) => None,
    }
}

/// Maps a reply; `model` is the component's resolved model, as Dapr reports it.
pub fn from_wire(
    cfg: &AnthropicConfig,
    req: &ChatRequest,
    reply: MessagesResponse,
) -> ChatResponse {
    let format = format_tool_name(req);
    let (mut content, mut structured, mut tool_calls) = (String::new(), None, Vec::new());
    for block in reply.content {
        match block {
            ReplyBlock::Text { text } => content.push_str(&text),
            ReplyBlock::ToolUse { name, input, .. } if format.as_ref() == Some(&name) => {
                structured = Some(input.to_string());
            }
            ReplyBlock::ToolUse { id, name, input } => {
                tool_calls.push(ToolCall { id: Some(id), name, arguments: input.to_string() });
            }
            ReplyBlock::Other => {}
        }
    }
    let mut finish_reason = reply.stop_reason.filter(|s| !s.is_empty()).unwrap_or("unknown".into());
    if let Some(doc) = structured {
        content = doc;
        if tool_calls.is_empty() && finish_reason == "tool_use" {
            finish_reason = "end_turn".into();
        }
    }
    let choice = Choice { index: 0, finish_reason, content, tool_calls };
    ChatResponse {
        choices: vec![choice],
        usage: reply.usage.map(usage),
        model: Some(cfg.model.clone()),
    }
}

fn usage(u: WireUsage) -> Usage {
    let read = u.cache_read_input_tokens.unwrap_or(0);
    let prompt = u.input_tokens + read + u.cache_creation_input_tokens.unwrap_or(0);
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
    use crate::anthropic::config::ApiType;
    use parlance_core::{GenerationParams, ResponseFormat, ToolResult};
    use serde_json::json;

    fn cfg() -> AnthropicConfig {
        AnthropicConfig {
            api_type: ApiType::Anthropic,
            model: "claude-sonnet-4-20250514".into(),
            url: "http://x/v1/messages".into(),
            key: "sk-ant-k".into(),
            default_max_tokens: 4096,
            timeout: Duration::from_secs(1),
        }
    }

    fn body(req: &ChatRequest) -> Value {
        let c = cfg();
        serde_json::to_value(to_wire(&c, req).unwrap()).unwrap()
    }

    fn msg(role: Role, parts: Vec<Part>) -> ChatMessage {
        ChatMessage { role, parts, scrub: false }
    }

    fn weather() -> ToolDef {
        let parameters = json!({"type": "object", "properties": {"city": {"type": "string"}}});
        ToolDef {
            name: "get_weather".into(),
            description: Some("Current weather".into()),
            parameters: parameters.as_object().cloned().unwrap(),
        }
    }

    #[test]
    fn system_goes_top_level_and_turns_merge_and_alternate() {
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::System, "be brief"),
                ChatMessage::text(Role::User, "hi"),
                ChatMessage::text(Role::User, "  "),
                ChatMessage::text(Role::User, "there"),
                ChatMessage::text(Role::System, "be kind"),
                ChatMessage::text(Role::Assistant, "hello"),
            ],
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(
            b["system"],
            json!([{"type": "text", "text": "be brief"}, {"type": "text", "text": "be kind"}])
        );
        assert_eq!(
            b["messages"],
            json!([
                {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": "there"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "hello"}]}
            ])
        );
        assert_eq!(b["max_tokens"], 4096);
        assert!(b.get("temperature").is_none() && b.get("tools").is_none());
    }

    #[test]
    fn a_conversation_must_open_with_the_user() {
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::System, "sys"),
                ChatMessage::text(Role::Assistant, "How can I help?"),
                ChatMessage::text(Role::User, "weather"),
            ],
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(
            b["messages"][0],
            json!({"role": "user", "content": [{"type": "text", "text": OPENING_TURN}]})
        );
        assert_eq!(b["messages"][1]["role"], "assistant");
        let only_system = ChatRequest {
            messages: vec![ChatMessage::text(Role::System, "s")],
            ..ChatRequest::default()
        };
        assert_eq!(body(&only_system)["messages"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn tool_calls_and_results_become_blocks() {
        let call = ToolCall {
            id: Some("toolu_01A".into()),
            name: "get_weather".into(),
            arguments: r#"{"city":"Paris"}"#.into(),
        };
        let result = ToolResult {
            id: "toolu_01A".into(),
            name: "get_weather".into(),
            content: "18C".into(),
        };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::User, "weather in Paris?"),
                msg(
                    Role::Assistant,
                    vec![Part::Text("Let me check.".into()), Part::ToolCall(call)],
                ),
                msg(Role::Tool, vec![Part::ToolResult(result)]),
                ChatMessage::text(Role::User, "and tomorrow?"),
            ],
            tools: vec![weather()],
            tool_choice: Some(ToolChoice::Auto),
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(
            b["messages"][1]["content"],
            json!([{"type": "text", "text": "Let me check."}, {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Paris"}}])
        );
        assert_eq!(
            b["messages"][2],
            json!({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "18C"},
                {"type": "text", "text": "and tomorrow?"}
            ]})
        );
        assert_eq!(
            b["tools"],
            json!([{"name": "get_weather", "description": "Current weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}])
        );
        assert!(b.get("tool_choice").is_none(), "auto is the default and is omitted");
    }

    #[test]
    fn tool_arguments_must_be_an_object() {
        let call = ToolCall { id: None, name: "f".into(), arguments: "location,name".into() };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::User, "x"),
                msg(Role::Assistant, vec![Part::ToolCall(call)]),
            ],
            ..ChatRequest::default()
        };
        let e = to_wire(&cfg(), &req).unwrap_err();
        assert_eq!(e.kind, FailureKind::InvalidRequest);
        let call = ToolCall { id: None, name: "f".into(), arguments: String::new() };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::User, "x"),
                msg(Role::Assistant, vec![Part::ToolCall(call)]),
            ],
            ..ChatRequest::default()
        };
        assert_eq!(
            body(&req)["messages"][1]["content"][0],
            json!({"type": "tool_use", "id": "toolu_1_0", "name": "f", "input": {}})
        );
    }

    #[test]
    fn tool_choice_object_forms() {
        let mut req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "x")],
            tools: vec![weather()],
            ..ChatRequest::default()
        };
        let cases = [
            (ToolChoice::Required, json!({"type": "any"})),
            (ToolChoice::None, json!({"type": "none"})),
            (
                ToolChoice::Named("get_weather".into()),
                json!({"type": "tool", "name": "get_weather"}),
            ),
        ];
        for (choice, want) in cases {
            req.tool_choice = Some(choice);
            assert_eq!(body(&req)["tool_choice"], want);
        }
        req.tools.clear();
        assert!(body(&req).get("tool_choice").is_none(), "no tools, no choice");
    }

    #[test]
    fn parameters_are_mapped() {
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "x")],
            temperature: Some(0.3),
            params: GenerationParams {
                max_tokens: Some(50),
                top_p: Some(0.9),
                stop: vec!["END".into()],
                seed: Some(1),
                ..Default::default()
            },
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(
            (b["max_tokens"].clone(), b["temperature"].clone(), b["top_p"].clone()),
            (json!(50), json!(0.3), json!(0.9))
        );
        assert_eq!(b["stop_sequences"], json!(["END"]));
        assert!(b.get("seed").is_none());
    }

    #[test]
    fn structured_output_is_a_forced_tool_and_comes_back_as_content() {
        let schema =
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]});
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "count")],
            response_format: Some(ResponseFormat {
                name: "response".into(),
                description: None,
                strict: true,
                schema: schema.as_object().cloned().unwrap(),
            }),
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(b["tools"][0]["name"], "response");
        assert_eq!(b["tools"][0]["input_schema"], schema);
        assert_eq!(b["tool_choice"], json!({"type": "tool", "name": "response"}));
        let reply: MessagesResponse = serde_json::from_value(json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
            "content": [{"type": "tool_use", "id": "toolu_01", "name": "response", "input": {"n": 3}}],
            "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5}
        }))
        .unwrap();
        let r = from_wire(&cfg(), &req, reply);
        let c = &r.choices[0];
        assert_eq!(
            (c.content.as_str(), c.finish_reason.as_str(), c.tool_calls.len()),
            (r#"{"n":3}"#, "end_turn", 0)
        );
    }

    #[test]
    fn retention_marks_system_and_last_tool() {
        let mut req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::System, "long instructions"),
                ChatMessage::text(Role::User, "x"),
            ],
            tools: vec![
                weather(),
                ToolDef { name: "other".into(), description: None, parameters: Map::new() },
            ],
            tool_choice: Some(ToolChoice::Auto),
            prompt_cache_retention: Some(Duration::from_secs(300)),
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(b["system"][0]["cache_control"], json!({"type": "ephemeral"}));
        assert!(b["tools"][0].get("cache_control").is_none());
        assert_eq!(b["tools"][1]["cache_control"], json!({"type": "ephemeral"}));
        assert_eq!(b["tools"][1]["input_schema"], json!({"type": "object"}));
        assert!(!wants_long_cache(&req));
        req.prompt_cache_retention = Some(Duration::from_secs(86_400));
        assert_eq!(
            body(&req)["system"][0]["cache_control"],
            json!({"type": "ephemeral", "ttl": "1h"})
        );
        assert!(wants_long_cache(&req));
        req.prompt_cache_retention = None;
        assert!(body(&req)["system"][0].get("cache_control").is_none());
    }

    #[test]
    fn reply_text_tool_calls_and_cached_usage() {
        let reply: MessagesResponse = serde_json::from_value(json!({
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-20250514",
            "content": [
                {"type": "thinking", "thinking": "...", "signature": "x"},
                {"type": "text", "text": "I'll check."},
                {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"city": "Paris"}}
            ],
            "stop_reason": "tool_use", "stop_sequence": null,
            "usage": {"input_tokens": 20, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 1000, "output_tokens": 30, "service_tier": "standard"}
        }))
        .unwrap();
        let r = from_wire(&cfg(), &ChatRequest::default(), reply);
        let c = &r.choices[0];
        assert_eq!((c.content.as_str(), c.finish_reason.as_str()), ("I'll check.", "tool_use"));
        assert_eq!(
            c.tool_calls,
            vec![ToolCall {
                id: Some("toolu_01A09q90qw90lq917835lq9".into()),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into()
            }]
        );
        let u = r.usage.unwrap();
        assert_eq!((u.prompt_tokens, u.completion_tokens, u.total_tokens), (1120, 30, 1150));
        assert_eq!(u.prompt_details.map(|d| d.cached_tokens), Some(1000));
        assert_eq!(r.model.as_deref(), Some("claude-sonnet-4-20250514"));
    }

    #[test]
    fn missing_stop_reason_is_unknown_and_missing_content_is_malformed() {
        let reply: MessagesResponse = serde_json::from_value(
            json!({"content": [], "usage": {"input_tokens": 1, "output_tokens": 0}}),
        )
        .unwrap();
        let r = from_wire(&cfg(), &ChatRequest::default(), reply);
        assert_eq!(r.choices[0].finish_reason, "unknown");
        assert!(r.usage.unwrap().prompt_details.is_none());
        assert!(serde_json::from_value::<MessagesResponse>(json!({"id": "msg_1"})).is_err());
    }
}
