//! Domain ↔ OpenAI wire: roles, tools, tool choice, structured output, parameters, usage and
//! finish reasons.

use parlance_core::{
    ChatRequest, ChatResponse, Choice, CompletionDetails, Part, PromptDetails, ResponseFormat,
    Role, ToolCall, ToolChoice, Usage,
};
use serde_json::{Value, json};

use super::config::{Flavor, OpenAiConfig};
use super::wire::{
    ChatCompletion, ChatCompletionRequest, StreamOptions, WireFunctionDef, WireFunctionOut,
    WireMessage, WireTool, WireToolCallOut, WireUsage,
};

/// Builds the request body for one call.
pub fn to_wire<'a>(cfg: &'a OpenAiConfig, req: &'a ChatRequest) -> ChatCompletionRequest<'a> {
    let flavor = cfg.flavor;
    let max = req.params.max_tokens.or(cfg.default_max_tokens);
    let (max_tokens, max_completion_tokens) =
        if flavor.uses_max_completion_tokens() { (None, max) } else { (max, None) };
    let (seed, random_seed) =
        if flavor == Flavor::Mistral { (None, req.params.seed) } else { (req.params.seed, None) };
    ChatCompletionRequest {
        model: req.model_or(&cfg.model),
        messages: req.messages.iter().flat_map(|m| messages(flavor, m)).collect(),
        temperature: req.temperature.filter(|t| *t > 0.0),
        tools: req.tools.iter().map(tool).collect(),
        tool_choice: tool_choice(req),
        response_format: req.response_format.as_ref().map(response_format),
        max_tokens,
        max_completion_tokens,
        top_p: req.params.top_p,
        stop: &req.params.stop,
        seed,
        random_seed,
        frequency_penalty: req.params.frequency_penalty,
        presence_penalty: req.params.presence_penalty,
        metadata: (flavor.accepts_metadata() && !req.metadata.is_empty()).then_some(&req.metadata),
        prompt_cache_retention: prompt_cache_retention(flavor, req),
        reasoning_effort: req
            .params
            .reasoning_effort
            .as_deref()
            .filter(|_| flavor.accepts_reasoning_effort()),
        stream: false,
        stream_options: None,
    }
}

/// The request body of a streamed call: the plain one with `stream: true`, and
/// `stream_options.include_usage` where the flavour accepts it
/// ([`Flavor::accepts_stream_options`]).
pub fn to_wire_stream<'a>(
    cfg: &'a OpenAiConfig,
    req: &'a ChatRequest,
) -> ChatCompletionRequest<'a> {
    let include_usage = cfg.flavor.accepts_stream_options();
    ChatCompletionRequest {
        stream: true,
        stream_options: include_usage.then_some(StreamOptions { include_usage: true }),
        ..to_wire(cfg, req)
    }
}

/// One domain message becomes one wire message, except tool results: one each. A message of
/// nothing but parts of another wire (Anthropic's thinking blocks and cache breakpoints,
/// Responses reasoning items) has no counterpart here: none.
fn messages(flavor: Flavor, m: &parlance_core::ChatMessage) -> Vec<WireMessage<'_>> {
    let foreign = |p: &Part| matches!(p, Part::Anthropic(_) | Part::Opaque(_));
    if !m.parts.is_empty() && m.parts.iter().all(foreign) {
        return Vec::new();
    }
    let results: Vec<WireMessage<'_>> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolResult(r) => Some(WireMessage {
                role: "tool",
                content: Some(r.content.clone()),
                name: (flavor == Flavor::Mistral).then_some(r.name.as_str()),
                tool_calls: Vec::new(),
                tool_call_id: Some(r.id.as_str()),
            }),
            _ => None,
        })
        .collect();
    let text = m.joined_text();
    let calls: Vec<WireToolCallOut<'_>> = m.parts.iter().filter_map(history_call).collect();
    if !results.is_empty() && text.is_empty() && calls.is_empty() {
        return results;
    }
    let role = role(m.role);
    let content = if text.is_empty() && !calls.is_empty() { None } else { Some(text) };
    let tool_call_id = (role == "tool").then_some("");
    let mut out = vec![WireMessage { role, content, name: None, tool_calls: calls, tool_call_id }];
    out.extend(results);
    out
}

fn role(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User | Role::Generic => "user",
        Role::Assistant => "assistant",
        Role::Tool | Role::Function => "tool",
    }
}

fn history_call(p: &Part) -> Option<WireToolCallOut<'_>> {
    match p {
        Part::ToolCall(c) => Some(WireToolCallOut {
            id: c.id.as_deref().unwrap_or(""),
            kind: "function",
            function: WireFunctionOut { name: &c.name, arguments: &c.arguments },
        }),
        _ => None,
    }
}

fn tool(t: &parlance_core::ToolDef) -> WireTool<'_> {
    WireTool {
        kind: "function",
        function: WireFunctionDef {
            name: &t.name,
            description: t.description.as_deref(),
            parameters: &t.parameters,
        },
    }
}

/// A named tool goes out in OpenAI's object form (Dapr sends a bare string, which OpenAI
/// rejects). With no tools there is nothing to choose from, so no choice is sent.
fn tool_choice(req: &ChatRequest) -> Option<Value> {
    if req.tools.is_empty() {
        return None;
    }
    Some(match req.tool_choice.as_ref()? {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Named(name) => json!({"type": "function", "function": {"name": name}}),
    })
}

fn response_format(f: &ResponseFormat) -> Value {
    let mut schema = json!({"name": f.name, "strict": f.strict, "schema": f.schema});
    if let (Some(d), Some(obj)) = (&f.description, schema.as_object_mut()) {
        obj.insert("description".into(), json!(d));
    }
    json!({"type": "json_schema", "json_schema": schema})
}

/// OpenAI documents two retention policies: `in_memory` (default, minutes) and `24h`.
/// Anything longer than an hour asks for the extended one.
fn prompt_cache_retention(flavor: Flavor, req: &ChatRequest) -> Option<&'static str> {
    let d = req.prompt_cache_retention?;
    if !flavor.accepts_prompt_cache_retention() {
        return None;
    }
    Some(if d.as_secs() > 3600 { "24h" } else { "in_memory" })
}

/// Maps a reply; `model` is the resolved model of the call (the request's own, else the
/// component's), as Dapr reports the component's.
pub fn from_wire(model: &str, reply: ChatCompletion) -> ChatResponse {
    let choices = reply.choices.into_iter().map(choice).collect();
    let usage = reply.usage.map(usage);
    ChatResponse { choices, usage, model: Some(model.to_string()) }
}

fn choice(c: super::wire::WireChoice) -> Choice {
    let tool_calls = c
        .message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .map(|t| ToolCall {
            id: t.id.filter(|id| !id.is_empty()),
            name: t.function.name,
            arguments: t.function.arguments,
        })
        .collect();
    let finish_reason =
        c.finish_reason.filter(|f| !f.is_empty()).unwrap_or_else(|| "unknown".into());
    Choice {
        index: c.index,
        finish_reason,
        content: c.message.content.unwrap_or_default(),
        tool_calls,
        thinking: Vec::new(),
        opaque: Vec::new(),
    }
}

/// OpenAI's usage in Dapr's shape (details only when non-zero).
pub(crate) fn usage(u: WireUsage) -> Usage {
    let p = u.prompt_tokens_details.unwrap_or_default();
    let c = u.completion_tokens_details.unwrap_or_default();
    Usage {
        completion_tokens: u.completion_tokens,
        prompt_tokens: u.prompt_tokens,
        total_tokens: u.total_tokens,
        prompt_details: PromptDetails {
            audio_tokens: p.audio_tokens.unwrap_or(0),
            cached_tokens: p.cached_tokens.unwrap_or(0),
            cache_write_tokens: 0,
        }
        .non_zero(),
        completion_details: CompletionDetails {
            accepted_prediction_tokens: c.accepted_prediction_tokens.unwrap_or(0),
            audio_tokens: c.audio_tokens.unwrap_or(0),
            reasoning_tokens: c.reasoning_tokens.unwrap_or(0),
            rejected_prediction_tokens: c.rejected_prediction_tokens.unwrap_or(0),
        }
        .non_zero(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::config::Auth;
    use parlance_core::{ChatMessage, GenerationParams, ToolDef, ToolResult};
    use std::time::Duration;

    fn cfg(flavor: Flavor) -> OpenAiConfig {
        OpenAiConfig {
            flavor,
            model: "m".into(),
            url: "http://x/chat/completions".into(),
            wire: crate::openai::config::WireApi::Chat,
            url_template: None,
            auth: Auth::Bearer("k".into()),
            default_max_tokens: None,
            timeout: Duration::from_secs(1),
        }
    }

    fn body(flavor: Flavor, req: &ChatRequest) -> Value {
        let c = cfg(flavor);
        serde_json::to_value(to_wire(&c, req)).unwrap()
    }

    #[test]
    fn history_with_tool_calls_and_results() {
        let call = ToolCall { id: Some("c1".into()), name: "f".into(), arguments: "{}".into() };
        let result = ToolResult { id: "c1".into(), name: "f".into(), content: "42".into() };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::System, "be brief"),
                ChatMessage::text(Role::User, "hi"),
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
            ..ChatRequest::default()
        };
        let b = body(Flavor::OpenAi, &req);
        assert_eq!(
            b["messages"],
            json!([
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                {"role": "tool", "content": "42", "tool_call_id": "c1"}
            ])
        );
        assert!(b.get("temperature").is_none());
    }

    #[test]
    fn a_message_of_other_wires_parts_is_left_out() {
        use parlance_core::{AnthropicPart, Opaque, ThinkingBlock};
        let thinking = ThinkingBlock::RedactedThinking { data: "x".into() };
        let foreign = vec![
            Part::Anthropic(AnthropicPart::Thinking(thinking)),
            Part::Opaque(Opaque::responses("{}".into())),
        ];
        let cc = Part::Anthropic(AnthropicPart::CacheControl("{}".into()));
        let req = ChatRequest {
            messages: vec![
                ChatMessage {
                    role: Role::User,
                    parts: vec![Part::Text("hi".into()), cc],
                    scrub: false,
                },
                ChatMessage { role: Role::Assistant, parts: foreign, scrub: false },
                ChatMessage::text(Role::Assistant, "yes"),
            ],
            ..ChatRequest::default()
        };
        assert_eq!(
            body(Flavor::OpenAi, &req)["messages"],
            json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yes"}])
        );
    }

    #[test]
    fn named_tool_choice_is_an_object_and_params_are_forwarded() {
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "x")],
            tools: vec![ToolDef {
                name: "get".into(),
                description: Some("d".into()),
                parameters: Default::default(),
            }],
            tool_choice: Some(ToolChoice::Named("get".into())),
            temperature: Some(0.5),
            params: GenerationParams {
                max_tokens: Some(10),
                top_p: Some(0.9),
                stop: vec!["END".into()],
                seed: Some(7),
                reasoning_effort: Some("low".into()),
                reasoning_summary: Some("auto".into()),
                ..Default::default()
            },
            ..ChatRequest::default()
        };
        let b = body(Flavor::OpenAi, &req);
        assert_eq!(b["reasoning_effort"], "low", "no summary on this wire: {b}");
        assert!(b.get("reasoning").is_none() && b.get("reasoning_summary").is_none());
        assert_eq!(b["tool_choice"], json!({"type": "function", "function": {"name": "get"}}));
        assert_eq!(b["max_completion_tokens"], json!(10));
        assert_eq!(
            (b["top_p"].clone(), b["stop"].clone(), b["seed"].clone()),
            (json!(0.9), json!(["END"]), json!(7))
        );
        let b = body(Flavor::Mistral, &req);
        assert_eq!((b["max_tokens"].clone(), b["random_seed"].clone()), (json!(10), json!(7)));
        assert!(b.get("reasoning_effort").is_none(), "only OpenAI and Azure take it");
    }

    #[test]
    fn a_request_model_replaces_the_component_model_in_the_body() {
        let req = ChatRequest { model: Some("gpt-4o-mini".into()), ..ChatRequest::default() };
        assert_eq!(body(Flavor::OpenAi, &req)["model"], "gpt-4o-mini");
        let c = cfg(Flavor::Ollama);
        let streamed = serde_json::to_value(to_wire_stream(&c, &req)).unwrap();
        assert_eq!(streamed["model"], "gpt-4o-mini");
        assert_eq!(body(Flavor::OpenAi, &ChatRequest::default())["model"], "m");
    }

    #[test]
    fn usage_details_only_when_non_zero() {
        let reply: ChatCompletion = serde_json::from_value(json!({
            "choices": [{"index": 0, "finish_reason": null, "message": {"content": "hi"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 3}}
        }))
        .unwrap();
        let r = from_wire("m", reply);
        let u = r.usage.unwrap();
        assert!(u.prompt_details.is_none());
        assert_eq!(u.completion_details.unwrap().reasoning_tokens, 3);
        assert_eq!(r.choices[0].finish_reason, "unknown");
        assert_eq!(r.model.as_deref(), Some("m"));
    }
}
