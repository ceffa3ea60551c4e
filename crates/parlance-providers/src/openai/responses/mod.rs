//! The OpenAI Responses API as an upstream wire (`wireApi: responses`): domain → request
//! body, reply → domain. Its stream is in [`stream`].
//!
//! Request: leading system messages are `instructions` (joined by a blank line), later ones
//! `system` message items; user turns are `message` items of `input_text`, assistant turns
//! `output_text`; history tool calls are `function_call` items (`call_id`, `name`,
//! `arguments`), tool results `function_call_output` items; a [`Opaque`] item of this wire
//! (a `reasoning` item with its `encrypted_content`) goes back exactly as it came. Function
//! `tools` (flat: `name`, `description`, `parameters`), `tool_choice`, `text.format`
//! (`json_schema`), `max_output_tokens` (the request's, else the component's `maxTokens`),
//! `temperature` (> 0, as on the chat wire), `top_p`, `reasoning` (`effort`, `summary`, from
//! [`parlance_core::GenerationParams`]), `prompt_cache_retention`, `store: false`
//! (parlance keeps no upstream state) and `include: ["reasoning.encrypted_content"]` (so
//! reasoning survives without it). Chat-only parameters the Responses API has no field for
//! (`stop`, `seed`, `frequency_penalty`, `presence_penalty`) and the request `metadata` are
//! not sent.
//!
//! Reply: `message` items' `output_text` (and `refusal`) parts are the content, `function_call`
//! items the tool calls (`call_id` as their id), `reasoning` items [`Choice::opaque`]; the
//! finish reason is `tool_calls` when a call was made, `length` / `content_filter` for an
//! `incomplete` response of that reason, else `stop`; usage with cached and reasoning tokens.

pub(crate) mod stream;

use parlance_core::{
    ChatMessage, ChatRequest, ChatResponse, Choice, CompletionDetails, Opaque, Part, PromptDetails,
    Role, ToolCall, ToolChoice, Usage,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::config::OpenAiConfig;

/// Builds the request body of one call (`stream` for a streamed one).
pub(crate) fn to_wire(cfg: &OpenAiConfig, req: &ChatRequest, stream: bool) -> Value {
    let (instructions, input) = input(&req.messages);
    let mut body = Map::new();
    body.insert("model".into(), json!(req.model_or(&cfg.model)));
    if let Some(i) = instructions {
        body.insert("instructions".into(), json!(i));
    }
    body.insert("input".into(), Value::Array(input));
    if !req.tools.is_empty() {
        body.insert("tools".into(), Value::Array(req.tools.iter().map(tool).collect()));
        if let Some(choice) = &req.tool_choice {
            body.insert("tool_choice".into(), tool_choice(choice));
        }
    }
    if let Some(f) = &req.response_format {
        let mut format =
            json!({"type": "json_schema", "name": f.name, "strict": f.strict, "schema": f.schema});
        if let (Some(d), Some(o)) = (&f.description, format.as_object_mut()) {
            o.insert("description".into(), json!(d));
        }
        body.insert("text".into(), json!({ "format": format }));
    }
    if let Some(max) = req.params.max_tokens.or(cfg.default_max_tokens) {
        body.insert("max_output_tokens".into(), json!(max));
    }
    if let Some(t) = req.temperature.filter(|t| *t > 0.0) {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.params.top_p {
        body.insert("top_p".into(), json!(p));
    }
    let effort = req.params.reasoning_effort.as_ref().map(|e| ("effort", e));
    let summary = req.params.reasoning_summary.as_ref().map(|s| ("summary", s));
    let reasoning: Map<String, Value> =
        effort.into_iter().chain(summary).map(|(k, v)| (k.to_string(), json!(v))).collect();
    if !reasoning.is_empty() {
        body.insert("reasoning".into(), Value::Object(reasoning));
    }
    if let Some(d) = req.prompt_cache_retention {
        let r = if d.as_secs() > 3600 { "24h" } else { "in_memory" };
        body.insert("prompt_cache_retention".into(), json!(r));
    }
    body.insert("store".into(), json!(false));
    body.insert("include".into(), json!(["reasoning.encrypted_content"]));
    if stream {
        body.insert("stream".into(), json!(true));
    }
    Value::Object(body)
}

/// `instructions` (the leading system messages) and the `input` items of the rest.
fn input(messages: &[ChatMessage]) -> (Option<String>, Vec<Value>) {
    let lead = messages.iter().take_while(|m| m.role == Role::System).count();
    let texts: Vec<String> =
        messages[..lead].iter().map(ChatMessage::joined_text).filter(|t| !t.is_empty()).collect();
    let instructions = (!texts.is_empty()).then(|| texts.join("\n\n"));
    let mut items = Vec::new();
    for m in &messages[lead..] {
        items_of(m, &mut items);
    }
    (instructions, items)
}

/// One message's items, in the order of its parts: its text as one message item, then its
/// tool calls, results and provider items.
fn items_of(m: &ChatMessage, out: &mut Vec<Value>) {
    let text = m.joined_text();
    let (role, part) = match m.role {
        Role::System => ("system", "input_text"),
        Role::Assistant => ("assistant", "output_text"),
        Role::User | Role::Generic | Role::Tool | Role::Function => ("user", "input_text"),
    };
    if !text.is_empty() {
        out.push(
            json!({"type": "message", "role": role, "content": [{"type": part, "text": text}]}),
        );
    }
    for p in &m.parts {
        match p {
            Part::Text(_) => {}
            Part::ToolCall(c) => out.push(json!({
                "type": "function_call",
                "call_id": c.id.as_deref().unwrap_or_default(),
                "name": c.name,
                "arguments": c.arguments,
            })),
            Part::ToolResult(r) => out.push(json!({
                "type": "function_call_output",
                "call_id": r.id,
                "output": r.content,
            })),
            Part::Opaque(o) if o.wire == Opaque::RESPONSES => {
                // Kept whole; an item that is not JSON (it never left this wire) is skipped.
                if let Ok(item) = serde_json::from_str::<Value>(&o.json) {
                    out.push(item);
                }
            }
            // Another wire's items, and Anthropic's thinking blocks and cache breakpoints,
            // have no counterpart here.
            Part::Opaque(_) | Part::Anthropic(_) => {}
        }
    }
}

fn tool(t: &parlance_core::ToolDef) -> Value {
    let mut v = json!({"type": "function", "name": t.name, "parameters": t.parameters});
    if let (Some(d), Some(o)) = (&t.description, v.as_object_mut()) {
        o.insert("description".into(), json!(d));
    }
    v
}

fn tool_choice(c: &ToolChoice) -> Value {
    match c {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Named(name) => json!({"type": "function", "name": name}),
    }
}

/// A Response object, as far as it is read.
#[derive(Debug, Deserialize)]
pub(crate) struct Response {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub incomplete_details: Option<Incomplete>,
    #[serde(default)]
    pub output: Vec<Value>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
    #[serde(default)]
    pub error: Option<WireError>,
}

/// `incomplete_details`.
#[derive(Debug, Deserialize)]
pub(crate) struct Incomplete {
    #[serde(default)]
    pub reason: Option<String>,
}

/// An error inside a `response.failed` Response or an `error` event.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct WireError {
    #[serde(default)]
    pub code: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
}

/// The Responses API's usage.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
    #[serde(default)]
    pub input_tokens_details: Option<TokenDetails>,
    #[serde(default)]
    pub output_tokens_details: Option<TokenDetails>,
}

/// `input_tokens_details` / `output_tokens_details`.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct TokenDetails {
    #[serde(default)]
    pub cached_tokens: Option<u64>,
    #[serde(default)]
    pub reasoning_tokens: Option<u64>,
}

/// Maps a reply; `model` is the resolved model of the call.
pub(crate) fn from_wire(model: &str, mut reply: Response) -> ChatResponse {
    let mut choice = Choice { index: 0, ..Choice::default() };
    for item in std::mem::take(&mut reply.output) {
        output_item(item, &mut choice);
    }
    choice.finish_reason = finish_reason(&reply, !choice.tool_calls.is_empty());
    ChatResponse {
        choices: vec![choice],
        usage: reply.usage.map(usage),
        model: Some(model.to_string()),
    }
}

/// One output item into the choice: text, a tool call or a reasoning item; other items
/// (hosted tools' calls, which parlance never offers) are skipped.
pub(crate) fn output_item(item: Value, choice: &mut Choice) {
    match item.get("type").and_then(Value::as_str) {
        Some("message") => choice.content.push_str(&message_text(&item)),
        Some("function_call") => choice.tool_calls.push(function_call(&item)),
        Some("reasoning") => choice.opaque.push(Opaque::responses(item.to_string())),
        _ => {}
    }
}

/// The text of a `message` item: its `output_text` and `refusal` parts, joined.
fn message_text(item: &Value) -> String {
    let parts = item.get("content").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    parts
        .iter()
        .filter_map(|p| match p.get("type").and_then(Value::as_str) {
            Some("output_text") => p.get("text").and_then(Value::as_str),
            Some("refusal") => p.get("refusal").and_then(Value::as_str),
            _ => None,
        })
        .collect()
}

/// A `function_call` item as a tool call (its `call_id` is the id tool results answer).
pub(crate) fn function_call(item: &Value) -> ToolCall {
    let s = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let id = Some(s("call_id")).filter(|id| !id.is_empty());
    ToolCall { id, name: s("name"), arguments: s("arguments") }
}

/// The finish reason of a finished Response.
pub(crate) fn finish_reason(reply: &Response, called: bool) -> String {
    let reason = reply.incomplete_details.as_ref().and_then(|d| d.reason.as_deref());
    match (reply.status.as_deref(), reason) {
        (Some("incomplete"), Some("max_output_tokens")) => "length",
        (Some("incomplete"), Some("content_filter")) => "content_filter",
        _ if called => "tool_calls",
        _ => "stop",
    }
    .to_string()
}

/// The Responses API's usage in Dapr's shape (details only when non-zero).
pub(crate) fn usage(u: WireUsage) -> Usage {
    let input = u.input_tokens_details.unwrap_or_default();
    let output = u.output_tokens_details.unwrap_or_default();
    Usage {
        completion_tokens: u.output_tokens,
        prompt_tokens: u.input_tokens,
        total_tokens: u.total_tokens,
        prompt_details: PromptDetails {
            cached_tokens: input.cached_tokens.unwrap_or(0),
            ..PromptDetails::default()
        }
        .non_zero(),
        completion_details: CompletionDetails {
            reasoning_tokens: output.reasoning_tokens.unwrap_or(0),
            ..CompletionDetails::default()
        }
        .non_zero(),
    }
}

#[cfg(test)]
mod tests;
