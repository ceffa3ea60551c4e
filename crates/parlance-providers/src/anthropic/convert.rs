//! Domain ↔ Anthropic Messages: the JSON of the system prompt, turns, tool blocks, tool
//! choice, structured output (a forced tool), prompt-cache breakpoints, usage and stop reasons.
//!
//! The decisions Anthropic shares with Bedrock (system prompt, merged and alternating turns
//! opened by [`OPENING_TURN`], tool choice, the structured-output tool whose input comes back
//! as the content, usage arithmetic) live in `crate::turns`. Structured output as a forced tool
//! works on every Claude model, which Anthropic's native structured output does not. What is
//! Anthropic's own:
//! - `promptCacheRetention` puts `cache_control` on the last system block and the last tool:
//!   the default five-minute cache up to 5 minutes, the one-hour cache beyond.
//! - What the Anthropic door carries through (`parlance_core::anthropic`) goes out as the
//!   client sent it: thinking blocks in their place, the client's `cache_control` on its
//!   blocks, system blocks and tools (a `promptCacheRetention` breakpoint only where the
//!   client put none), the `thinking` option. Each system text is its own block.
//! - Usage: `input_tokens` excludes cached tokens, which come as `cache_read_input_tokens` and
//!   `cache_creation_input_tokens`.

use std::borrow::Cow;
use std::time::Duration;

use parlance_core::{
    AnthropicPart, ChatMessage, ChatRequest, ChatResponse, Part, ProviderError, Role,
    ThinkingBlock, ToolDef,
};
use serde_json::Value;

use super::config::AnthropicConfig;
use super::wire::{
    CacheControl, MessagesRequest, MessagesResponse, ReplyBlock, SystemBlock, WireTool,
    WireToolChoice, WireUsage,
};
use crate::turns::forced_tool::{format_tool_name, schema};
use crate::turns::reply::ReplyFold;
use crate::turns::{self, Dialect, FORMAT_TOOL_DESCRIPTION, Forced};

pub use crate::turns::OPENING_TURN;

/// How this API is named in errors and prefixes the ids parlance makes up.
const DIALECT: Dialect = Dialect { name: "Anthropic", id_prefix: "toolu" };

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
        model: req.model_or(&cfg.model),
        max_tokens: req.params.max_tokens.unwrap_or(cfg.default_max_tokens),
        system: system(&req.messages, cache),
        messages: turns::turns(&req.messages, &DIALECT)?,
        temperature: req.temperature.filter(|t| *t > 0.0),
        top_p: req.params.top_p,
        stop_sequences: &req.params.stop,
        tools: tools(req, format.as_deref(), cache),
        tool_choice: turns::tool_choice(req, format).map(|f| match f {
            Forced::Any => WireToolChoice::Any,
            Forced::None => WireToolChoice::None,
            Forced::Tool(name) => WireToolChoice::Tool { name },
        }),
        thinking: req.anthropic.thinking.as_deref().and_then(|t| serde_json::from_str(t).ok()),
        stream: false,
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

/// The client's `cache_control` (compact JSON) as the value to send.
fn client_cache(json: &str) -> Option<Value> {
    serde_json::from_str(json).ok()
}

fn ours(cache: Option<CacheControl>) -> Option<Value> {
    cache.and_then(|c| serde_json::to_value(c).ok())
}

/// One block per system text (blank ones dropped), each client breakpoint on the block
/// before it, the retention's breakpoint on the last block when the client put none there.
fn system(messages: &[ChatMessage], cache: Option<CacheControl>) -> Vec<SystemBlock> {
    let mut blocks: Vec<SystemBlock> = Vec::new();
    for part in messages.iter().filter(|m| m.role == Role::System).flat_map(|m| &m.parts) {
        match part {
            Part::Text(t) if !t.trim().is_empty() => {
                blocks.push(SystemBlock { kind: "text", text: t.clone(), cache_control: None })
            }
            Part::Anthropic(AnthropicPart::CacheControl(cc)) => {
                if let Some(last) = blocks.last_mut() {
                    last.cache_control = client_cache(cc);
                }
            }
            _ => {}
        }
    }
    if let Some(last) = blocks.last_mut().filter(|b| b.cache_control.is_none()) {
        last.cache_control = ours(cache);
    }
    blocks
}

fn tools<'a>(
    req: &'a ChatRequest,
    format: Option<&str>,
    cache: Option<CacheControl>,
) -> Vec<WireTool<'a>> {
    let mut out: Vec<WireTool<'a>> = req.tools.iter().map(tool).collect();
    for (t, (_, cc)) in out.iter_mut().filter_map(|t| {
        let cc = req.anthropic.tool_cache_control.iter().find(|(n, _)| *n == t.name)?;
        Some((t, cc))
    }) {
        t.cache_control = client_cache(cc);
    }
    if let (Some(f), Some(name)) = (&req.response_format, format) {
        out.push(WireTool {
            name: Cow::Owned(name.to_string()),
            description: Some(f.description.as_deref().unwrap_or(FORMAT_TOOL_DESCRIPTION)),
            input_schema: schema(&f.schema),
            cache_control: None,
        });
    }
    if let Some(last) = out.last_mut().filter(|t| t.cache_control.is_none()) {
        last.cache_control = ours(cache);
    }
    out
}

fn tool(t: &ToolDef) -> WireTool<'_> {
    WireTool {
        name: Cow::Borrowed(&t.name),
        description: t.description.as_deref(),
        input_schema: schema(&t.parameters),
        cache_control: None,
    }
}

/// Maps a reply; `model` is the call's resolved model (the request's own, else the
/// component's), as Dapr reports the component's.
pub fn from_wire(
    cfg: &AnthropicConfig,
    req: &ChatRequest,
    reply: MessagesResponse,
) -> ChatResponse {
    let mut fold = ReplyFold::new(req);
    for block in reply.content {
        match block {
            ReplyBlock::Text { text } => fold.text(&text),
            ReplyBlock::ToolUse { id, name, input } => fold.tool_use(id, name, &input),
            ReplyBlock::Thinking { thinking, signature } => {
                fold.thinking(ThinkingBlock::Thinking { thinking, signature })
            }
            ReplyBlock::RedactedThinking { data } => {
                fold.thinking(ThinkingBlock::RedactedThinking { data })
            }
            ReplyBlock::Other => {}
        }
    }
    ChatResponse {
        choices: vec![fold.finish(reply.stop_reason)],
        usage: reply.usage.map(usage),
        model: Some(req.model_or(&cfg.model).to_string()),
    }
}

/// Anthropic's usage in Dapr's shape.
pub(crate) fn usage(u: WireUsage) -> parlance_core::Usage {
    turns::usage(
        u.input_tokens,
        u.output_tokens,
        u.cache_read_input_tokens,
        u.cache_creation_input_tokens,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anthropic::config::ApiType;
    use parlance_core::{
        FailureKind, GenerationParams, Part, ResponseFormat, Role, ToolCall, ToolChoice, ToolResult,
    };
    use serde_json::{Map, Value, json};

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
    fn what_the_anthropic_door_carries_goes_out_unchanged() {
        use parlance_core::{AnthropicOptions, AnthropicPart, ThinkingBlock};
        let cc = |s: &str| Part::Anthropic(AnthropicPart::CacheControl(s.into()));
        let thinking = ThinkingBlock::Thinking { thinking: "hm".into(), signature: "sig".into() };
        let req = ChatRequest {
            messages: vec![
                msg(Role::System, vec![Part::Text("a".into()), cc(r#"{"type":"ephemeral"}"#)]),
                ChatMessage::text(Role::System, "b"),
                ChatMessage::text(Role::User, "q"),
                msg(Role::User, vec![cc(r#"{"type":"ephemeral","ttl":"1h"}"#)]),
                msg(Role::Assistant, vec![Part::Anthropic(AnthropicPart::Thinking(thinking))]),
                ChatMessage::text(Role::Assistant, "four"),
            ],
            tools: vec![weather()],
            anthropic: AnthropicOptions {
                thinking: Some(r#"{"type":"enabled","budget_tokens":1024}"#.into()),
                betas: vec!["b1".into()],
                tool_cache_control: vec![("get_weather".into(), r#"{"type":"ephemeral"}"#.into())],
            },
            prompt_cache_retention: Some(Duration::from_secs(60)),
            ..ChatRequest::default()
        };
        let b = body(&req);
        assert_eq!(
            b["system"],
            json!([{"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "b", "cache_control": {"type": "ephemeral"}}])
        );
        assert_eq!(
            b["messages"],
            json!([
                {"role": "user", "content": [{"type": "text", "text": "q", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hm", "signature": "sig"},
                    {"type": "text", "text": "four"}]}
            ])
        );
        assert_eq!(b["thinking"], json!({"type": "enabled", "budget_tokens": 1024}));
        assert_eq!(b["tools"][0]["cache_control"], json!({"type": "ephemeral"}));
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
    fn a_request_model_is_sent_and_reported() {
        let req =
            ChatRequest { model: Some("claude-3-5-haiku-latest".into()), ..Default::default() };
        assert_eq!(body(&req)["model"], "claude-3-5-haiku-latest");
        assert_eq!(body(&ChatRequest::default())["model"], "claude-sonnet-4-20250514");
        let reply: MessagesResponse = serde_json::from_value(json!({
            "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn"
        }))
        .unwrap();
        let r = from_wire(&cfg(), &req, reply);
        assert_eq!(r.model.as_deref(), Some("claude-3-5-haiku-latest"));
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
