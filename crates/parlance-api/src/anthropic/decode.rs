//! `POST /v1/messages` bodies → the [`ConverseRequest`] the service takes (the same shape the
//! alpha2 and OpenAI doors build, so one question is one cache entry whichever door asked it).
//! The rule per field, for a provider that is not Anthropic, is the README's table:
//! - mapped: `system` (string or text blocks), `messages` (`user` / `assistant`, and the
//!   `system` turns Claude Code puts inside `messages`) with `text`, `tool_use` and
//!   `tool_result` blocks (its `content` a string or text blocks), `tools` (`input_schema`),
//!   `tool_choice` (`auto` / `any` / `tool` / `none`), `max_tokens`, `temperature`, `top_p`,
//!   `stop_sequences`, `stream`;
//! - carried for Anthropic (`parlance_core::anthropic`: passed on unchanged to an Anthropic
//!   component, dropped and counted towards any other): `thinking` / `redacted_thinking`
//!   blocks of assistant turns (in their place), `cache_control` on system, text,
//!   `tool_use` and `tool_result` blocks (a nested block's on its `tool_result`) and on tools,
//!   the `thinking` option, and the `anthropic-beta` header (read by the door's `mod.rs`);
//! - dropped: `top_k`, `metadata.user_id`, `disable_parallel_tool_use`, server tools (a
//!   `type` other than `custom`), thinking blocks in user turns, and the Claude Code extras
//!   (`context_management`, `output_config`, …: unknown fields are ignored);
//! - 400: what has no counterpart and would change the answer's meaning if dropped — image,
//!   document and other content blocks — and every malformed field.

use std::collections::BTreeMap;

use parlance_core::request::{FunctionCallIn, FunctionIn, Input, Message, ToolCallIn, ToolIn};
use parlance_core::{AnthropicOptions, AnthropicPart, ConverseRequest, Role, ThinkingBlock};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::AnthropicError;
use crate::door::params;

type Obj = Map<String, Value>;

/// A decoded Messages request.
#[derive(Debug)]
pub struct Decoded {
    /// `model` as the client wrote it (the reply's `model`).
    pub model: String,
    /// The request for the service (without the route's model choice).
    pub request: ConverseRequest,
    /// `stream: true`.
    pub stream: bool,
    /// The fields present that were dropped (each named once), for
    /// `parlance_dropped_fields_total`.
    pub dropped: Vec<&'static str>,
    /// The fields present that only an Anthropic component takes (`thinking`,
    /// `cache_control`): dropped, and counted, towards any other.
    pub native: Vec<&'static str>,
}

/// The fields read; everything else is ignored.
#[derive(Deserialize)]
struct Body {
    model: Option<String>,
    max_tokens: Option<Value>,
    system: Option<Value>,
    messages: Option<Vec<Value>>,
    tools: Option<Vec<Value>>,
    tool_choice: Option<Value>,
    temperature: Option<Value>,
    top_p: Option<Value>,
    stop_sequences: Option<Value>,
    stream: Option<Value>,
    top_k: Option<Value>,
    metadata: Option<Value>,
    thinking: Option<Value>,
}

fn bad(message: impl Into<String>) -> AnthropicError {
    AnthropicError::invalid(message)
}

/// Decodes a `/v1/messages` body; `count_only` (for `count_tokens`) does not need
/// `max_tokens`.
pub fn request(
    body: &[u8],
    scrub: (bool, bool),
    count_only: bool,
) -> Result<Decoded, AnthropicError> {
    let b: Body =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid request body: {e}")))?;
    let (dropped, native) = dropped_fields(&b);
    let model = match b.model {
        Some(m) if !m.is_empty() => m,
        _ => return Err(bad("model: Field required")),
    };
    let mut parameters = BTreeMap::new();
    match (b.max_tokens, count_only) {
        (Some(Value::Number(n)), _) => {
            let n = n
                .as_i64()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad("max_tokens: must be a positive integer"))?;
            parameters.insert("max_tokens".to_string(), params::int64(n));
        }
        (None | Some(Value::Null), true) => {}
        (None | Some(Value::Null), false) => return Err(bad("max_tokens: Field required")),
        (Some(_), _) => return Err(bad("max_tokens: must be a positive integer")),
    }
    if let Some(p) = number(b.top_p, "top_p")? {
        parameters.insert("top_p".to_string(), params::double(p));
    }
    if let Some(stop) = stop_sequences(b.stop_sequences)? {
        parameters.insert("stop".to_string(), stop);
    }
    let thinking = match b.thinking {
        None | Some(Value::Null) => None,
        Some(t @ Value::Object(_)) => Some(t.to_string()),
        Some(_) => return Err(bad("thinking: must be an object")),
    };
    let tool_cache_control = tool_cache_control(b.tools.as_deref().unwrap_or_default());
    let mut messages = system(b.system)?;
    let raw = b.messages.ok_or_else(|| bad("messages: Field required"))?;
    let names = tool_names(&raw);
    for (i, m) in raw.into_iter().enumerate() {
        turn(i, m, &names, &mut messages)?;
    }
    let stream = match b.stream {
        None | Some(Value::Null) => false,
        Some(Value::Bool(s)) => s,
        Some(_) => return Err(bad("stream: must be a boolean")),
    };
    let request = ConverseRequest {
        inputs: vec![Input { messages, scrub_pii: scrub.0 }],
        parameters,
        scrub_pii: scrub.1,
        temperature: number(b.temperature, "temperature")?,
        tools: tools(b.tools.unwrap_or_default())?,
        tool_choice: b.tool_choice.map(tool_choice).transpose()?.flatten(),
        anthropic: AnthropicOptions { thinking, betas: Vec::new(), tool_cache_control },
        ..ConverseRequest::default()
    };
    Ok(Decoded { model, request, stream, dropped, native })
}

/// The dropped fields `b` has (`top_k`, `metadata.user_id`, `disable_parallel_tool_use`,
/// `is_error` and server tools), and those only Anthropic takes (`thinking` blocks and
/// option, `cache_control`).
fn dropped_fields(b: &Body) -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut out, mut native) = (Vec::new(), Vec::new());
    let present = |v: &Option<Value>| v.as_ref().is_some_and(|v| !v.is_null());
    if present(&b.top_k) {
        out.push("top_k");
    }
    if b.metadata.as_ref().is_some_and(|m| get(m, "user_id").is_some()) {
        out.push("metadata.user_id");
    }
    if b.tool_choice.as_ref().is_some_and(|c| get(c, "disable_parallel_tool_use").is_some()) {
        out.push("tool_choice.disable_parallel_tool_use");
    }
    let tools = b.tools.iter().flatten();
    if tools.clone().any(|t| get(t, "type").and_then(Value::as_str).is_some_and(|k| k != "custom"))
    {
        out.push("tools.server_tool");
    }
    let blocks = blocks(b);
    let typed = |k: &str| blocks.iter().any(|x| get(x, "type").and_then(Value::as_str) == Some(k));
    if typed("thinking") || typed("redacted_thinking") || present(&b.thinking) {
        native.push("thinking");
    }
    if blocks.iter().copied().chain(tools).any(|x| get(x, "cache_control").is_some()) {
        native.push("cache_control");
    }
    if blocks.iter().any(|x| get(x, "is_error").is_some_and(|e| e != &Value::Bool(false))) {
        out.push("tool_result.is_error");
    }
    (out, native)
}

/// `key` of an object (`None` for anything else), found by a scan: the objects of a request
/// are small, and a scan costs less than hashing the key (`serde_json`'s maps hash with
/// SipHash).
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    field(v.as_object()?, key)
}

/// `key` of `o`, found by a scan (see [`get`]).
fn field<'a>(o: &'a Obj, key: &str) -> Option<&'a Value> {
    o.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

/// The values of keys `a` and `b`, taken out of `o` without hashing.
fn take2(o: Obj, a: &str, b: &str) -> (Option<Value>, Option<Value>) {
    let (mut va, mut vb) = (None, None);
    for (k, v) in o {
        if k == a {
            va = Some(v);
        } else if k == b {
            vb = Some(v);
        }
    }
    (va, vb)
}

/// A block's `cache_control` as compact JSON, when it has one.
fn cache_mark(o: &Obj) -> Option<String> {
    field(o, "cache_control").filter(|c| !c.is_null()).map(Value::to_string)
}

/// The `cache_control` breakpoint of the block just pushed, as its own message.
fn mark(role: Role, cc: String) -> Message {
    Message::Anthropic { role, part: AnthropicPart::CacheControl(cc) }
}

/// Tools' `cache_control`, by name.
fn tool_cache_control(tools: &[Value]) -> Vec<(String, String)> {
    let named = tools.iter().filter_map(|t| {
        let o = t.as_object()?;
        Some((field(o, "name")?.as_str()?.to_string(), cache_mark(o)?))
    });
    named.collect()
}

/// A `thinking` (with `thinking` and `signature`) or `redacted_thinking` (with `data`)
/// block, as it came.
fn thinking_block(o: Obj) -> Result<ThinkingBlock, String> {
    serde_json::from_value(Value::Object(o))
        .map_err(|e| format!("a thinking block needs string fields ({e})"))
}

/// Every content block of `system` and `messages`, and those inside `tool_result`s.
fn blocks(b: &Body) -> Vec<&Value> {
    fn list(v: Option<&Value>) -> impl Iterator<Item = &Value> {
        v.and_then(Value::as_array).into_iter().flatten()
    }
    let top = list(b.system.as_ref())
        .chain(b.messages.iter().flatten().flat_map(|m| list(get(m, "content"))));
    let top: Vec<&Value> = top.collect();
    let inner = top.iter().flat_map(|x| list(get(x, "content")));
    inner.chain(top.iter().copied()).collect()
}

/// A number field (`null` is unset).
fn number(v: Option<Value>, field: &str) -> Result<Option<f64>, AnthropicError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(bad(format!("{field}: must be a number"))),
    }
}

fn stop_sequences(v: Option<Value>) -> Result<Option<prost_types::Any>, AnthropicError> {
    let err = || bad("stop_sequences: must be a list of strings");
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) if items.is_empty() => Ok(None),
        Some(Value::Array(items)) => {
            let list: Vec<String> = items
                .into_iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s),
                    _ => Err(err()),
                })
                .collect::<Result<_, _>>()?;
            Ok(Some(params::string_list(list)))
        }
        Some(_) => Err(err()),
    }
}

/// `system`: a string or a list of text blocks (each `cache_control` a breakpoint after
/// its block).
fn system(v: Option<Value>) -> Result<Vec<Message>, AnthropicError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![Message::System(vec![s])]),
        Some(Value::Array(blocks)) => {
            let (mut out, mut texts) = (Vec::new(), Vec::new());
            for b in blocks {
                let cc = b.as_object().and_then(cache_mark);
                texts.push(text_block(b).map_err(|e| bad(format!("system: {e}")))?);
                if let Some(cc) = cc {
                    out.push(Message::System(std::mem::take(&mut texts)));
                    out.push(mark(Role::System, cc));
                }
            }
            if !texts.is_empty() {
                out.push(Message::System(texts));
            }
            Ok(out)
        }
        Some(_) => Err(bad("system: must be a string or a list of text blocks")),
    }
}

/// A `{"type":"text","text":…}` block.
fn text_block(b: Value) -> Result<String, String> {
    let Value::Object(o) = b else { return Err("a content block must be an object".into()) };
    match take2(o, "type", "text") {
        (Some(Value::String(t)), Some(Value::String(text))) if t == "text" => Ok(text),
        (Some(Value::String(t)), _) if t == "text" => {
            Err("a text block needs a string 'text'".into())
        }
        (Some(Value::String(t)), _) => {
            Err(format!("content blocks of type {:?} are not supported here", bounded(&t)))
        }
        _ => Err("a content block needs a 'type'".into()),
    }
}

/// A client's string in a message, cut to 64 characters (reflected values stay bounded).
pub fn bounded(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Tool use id → tool name, from the history's assistant turns: a `tool_result` carries only
/// the id, the service's tool message carries the name too.
fn tool_names(raw: &[Value]) -> BTreeMap<String, String> {
    let blocks = raw.iter().filter_map(|m| get(m, "content")?.as_array()).flatten();
    blocks
        .filter(|b| get(b, "type").and_then(Value::as_str) == Some("tool_use"))
        .filter_map(|b| {
            Some((get(b, "id")?.as_str()?.to_string(), get(b, "name")?.as_str()?.to_string()))
        })
        .collect()
}

/// One entry of `messages`, appended to `out` as one or more messages.
fn turn(
    i: usize,
    m: Value,
    names: &BTreeMap<String, String>,
    out: &mut Vec<Message>,
) -> Result<(), AnthropicError> {
    let at = |e: String| bad(format!("messages.{i}: {e}"));
    let Value::Object(m) = m else { return Err(at("must be an object".into())) };
    let (role, content) = take2(m, "role", "content");
    let role = match role {
        Some(Value::String(r)) => r,
        _ => return Err(at("role: Field required".into())),
    };
    let blocks = match content {
        // A string is one text block: the message it makes, without building the block.
        Some(Value::String(s)) if matches!(role.as_str(), "user" | "assistant" | "system") => {
            out.push(match role.as_str() {
                "user" => Message::User(vec![s]),
                "assistant" => Message::Assistant { content: vec![s], tool_calls: Vec::new() },
                _ => Message::System(vec![s]),
            });
            return Ok(());
        }
        Some(Value::String(s)) => vec![Value::Object(text_obj(s))],
        Some(Value::Array(blocks)) => blocks,
        _ => return Err(at("content: must be a string or a list of content blocks".into())),
    };
    match role.as_str() {
        "user" => user(blocks, names, out).map_err(at),
        "assistant" => assistant(blocks, out).map_err(at),
        // Claude Code puts its environment notes in a `system` turn for models it does not
        // recognise as Claude.
        "system" => {
            let texts =
                blocks.into_iter().map(text_block).collect::<Result<Vec<_>, _>>().map_err(at)?;
            out.push(Message::System(texts));
            Ok(())
        }
        other => {
            Err(at(format!("role: must be \"user\" or \"assistant\", not {:?}", bounded(other))))
        }
    }
}

fn text_obj(s: String) -> Obj {
    let mut o = Obj::new();
    o.insert("type".into(), Value::String("text".into()));
    o.insert("text".into(), Value::String(s));
    o
}

/// A user turn: runs of text become user messages, each `tool_result` a tool message, in
/// order.
fn user(
    blocks: Vec<Value>,
    names: &BTreeMap<String, String>,
    out: &mut Vec<Message>,
) -> Result<(), String> {
    let mut texts = Vec::new();
    for b in blocks {
        let Value::Object(mut o) = b else {
            return Err("a content block must be an object".into());
        };
        let cc = cache_mark(&o);
        match field(&o, "type").and_then(Value::as_str) {
            Some("tool_result") => {
                if !texts.is_empty() {
                    out.push(Message::User(std::mem::take(&mut texts)));
                }
                let id = match o.remove("tool_use_id") {
                    Some(Value::String(id)) => id,
                    _ => return Err("tool_result: tool_use_id: Field required".into()),
                };
                let inner = o.get("content").and_then(Value::as_array);
                let inner =
                    inner.and_then(|c| c.iter().filter_map(Value::as_object).find_map(cache_mark));
                let content = tool_result_content(o.remove("content"))?;
                let name = names.get(&id).cloned().unwrap_or_default();
                out.push(Message::Tool { tool_id: Some(id), name, content });
                out.extend(cc.or(inner).map(|cc| mark(Role::Tool, cc)));
            }
            Some("thinking" | "redacted_thinking") => {}
            _ => {
                texts.push(text_block(Value::Object(o))?);
                if let Some(cc) = cc {
                    out.push(Message::User(std::mem::take(&mut texts)));
                    out.push(mark(Role::User, cc));
                }
            }
        }
    }
    if !texts.is_empty() {
        out.push(Message::User(texts));
    }
    Ok(())
}

/// A `tool_result`'s `content`: absent, a string or text blocks.
fn tool_result_content(v: Option<Value>) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(vec![String::new()]),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(blocks)) => {
            let texts: Vec<String> =
                blocks.into_iter().map(text_block).collect::<Result<_, _>>()?;
            Ok(if texts.is_empty() { vec![String::new()] } else { texts })
        }
        Some(_) => Err("tool_result: content must be a string or a list of text blocks".into()),
    }
}

/// An assistant turn: runs of text and tool calls, each thinking block and breakpoint in
/// its place between them (providers merge the run back into one turn).
fn assistant(blocks: Vec<Value>, out: &mut Vec<Message>) -> Result<(), String> {
    let (mut content, mut tool_calls) = (Vec::new(), Vec::new());
    let at_start = out.len();
    let flush = |content: &mut Vec<String>, calls: &mut Vec<ToolCallIn>, out: &mut Vec<Message>| {
        if !content.is_empty() || !calls.is_empty() {
            let (content, tool_calls) = (std::mem::take(content), std::mem::take(calls));
            out.push(Message::Assistant { content, tool_calls });
        }
    };
    for b in blocks {
        let Value::Object(mut o) = b else {
            return Err("a content block must be an object".into());
        };
        let cc = cache_mark(&o);
        let kind = field(&o, "type").and_then(Value::as_str);
        if matches!(kind, Some("thinking" | "redacted_thinking")) {
            flush(&mut content, &mut tool_calls, out);
            let part = AnthropicPart::Thinking(thinking_block(o)?);
            out.push(Message::Anthropic { role: Role::Assistant, part });
            continue;
        }
        match kind {
            Some("tool_use") => {
                let id = o.remove("id").and_then(|v| v.as_str().map(str::to_string));
                let name = match o.remove("name") {
                    Some(Value::String(n)) => n,
                    _ => return Err("tool_use: name: Field required".into()),
                };
                let input = match o.remove("input") {
                    Some(v @ Value::Object(_)) => v.to_string(),
                    None | Some(Value::Null) => "{}".to_string(),
                    Some(_) => return Err("tool_use: input must be an object".into()),
                };
                tool_calls.push(ToolCallIn {
                    id,
                    function: Some(FunctionCallIn { name, arguments: input }),
                });
            }
            _ => content.push(text_block(Value::Object(o))?),
        }
        if let Some(cc) = cc {
            flush(&mut content, &mut tool_calls, out);
            out.push(mark(Role::Assistant, cc));
        }
    }
    flush(&mut content, &mut tool_calls, out);
    if out.len() == at_start {
        out.push(Message::Assistant { content, tool_calls });
    }
    Ok(())
}

/// Custom tools (no `type`, or `custom`) become functions; server tools the upstream cannot
/// run (`web_search_…`, `bash_…`, …) are left out.
fn tools(defs: Vec<Value>) -> Result<Vec<ToolIn>, AnthropicError> {
    let mut out = Vec::new();
    for (i, t) in defs.into_iter().enumerate() {
        let Value::Object(mut t) = t else {
            return Err(bad(format!("tools.{i}: must be an object")));
        };
        match t.get("type") {
            None | Some(Value::Null) => {}
            Some(Value::String(k)) if k == "custom" => {}
            Some(Value::String(_)) => continue,
            Some(_) => return Err(bad(format!("tools.{i}: type must be a string"))),
        }
        let name = match t.remove("name") {
            Some(Value::String(n)) if !n.is_empty() => n,
            _ => return Err(bad(format!("tools.{i}: name: Field required"))),
        };
        let description = match t.remove("description") {
            Some(Value::String(d)) => Some(d),
            None | Some(Value::Null) => None,
            Some(_) => return Err(bad(format!("tools.{i}: description must be a string"))),
        };
        let parameters = match t.remove("input_schema") {
            Some(Value::Object(s)) => Some(s),
            _ => return Err(bad(format!("tools.{i}: input_schema: must be an object"))),
        };
        out.push(ToolIn { function: Some(FunctionIn { name, description, parameters }) });
    }
    Ok(out)
}

/// `{"type":"auto"|"any"|"tool"|"none", "name", "disable_parallel_tool_use"}` → the service's
/// string (`auto`, `required`, the tool's name, `none`); `disable_parallel_tool_use` is
/// dropped.
fn tool_choice(v: Value) -> Result<Option<String>, AnthropicError> {
    let err = || bad("tool_choice: must be {\"type\": \"auto\" | \"any\" | \"tool\" | \"none\"}");
    let Value::Object(o) = v else {
        return if v.is_null() { Ok(None) } else { Err(err()) };
    };
    match o.get("type").and_then(Value::as_str) {
        Some("auto") => Ok(Some("auto".into())),
        Some("any") => Ok(Some("required".into())),
        Some("none") => Ok(Some("none".into())),
        Some("tool") => match o.get("name") {
            Some(Value::String(n)) if !n.is_empty() => Ok(Some(n.clone())),
            _ => Err(bad("tool_choice: name: Field required")),
        },
        _ => Err(err()),
    }
}

#[cfg(test)]
mod tests;
