//! `POST /v1/responses` bodies → the messages and [`ConverseRequest`] the service takes (the
//! same shape the alpha2, OpenAI and Anthropic doors build, so one question is one cache
//! entry whichever door asked it). The rule per field is the README's table:
//! - mapped: `instructions` (a system message first), `input` (a string, or items: `message`
//!   with `input_text` / `output_text` / `refusal` parts — `developer` turns are instructions,
//!   so they go as system messages —, `function_call`, `function_call_output`), function
//!   `tools`, `tool_choice` (`auto` / `none` / `required` / a function; `allowed_tools` by its
//!   `mode`), `text.format` (`json_schema`, `json_object`), `max_output_tokens`,
//!   `temperature`, `top_p`, `stream`, `store`, `previous_response_id`, the `reasoning`
//!   parameter (`effort`, `summary`: to the providers that take them — the door counts the
//!   part a component leaves out as dropped, `reasoning` when it takes neither);
//! - passed through: `reasoning` items, whole, as [`parlance_core::Opaque`] items in an
//!   assistant turn of their own (a component on the Responses wire sends them upstream
//!   unchanged; to any other they are dropped, and counted by the door as `input.reasoning`);
//! - dropped (counted): `web_search_call`
//!   items, built-in and hosted tools (`web_search`, `namespace`, `local_shell`, `custom`, …),
//!   `parallel_tool_calls: false`, `allowed_tools`' list, `text.verbosity`, `user`;
//! - kept only in the reply: `metadata`, `user`, `parallel_tool_calls`;
//! - ignored: Codex's hints (`include`, `prompt_cache_key`, `service_tier`, `client_metadata`,
//!   `truncation`, `safety_identifier`, `prompt_cache_retention`, `stream_options`, …) and
//!   unknown fields;
//! - 400: what has no counterpart and would change the answer if dropped (image, file and
//!   audio parts, other item types, `background`, `conversation`, `prompt`, a hosted
//!   `tool_choice`) and every malformed field.

use std::collections::BTreeMap;

use parlance_core::request::{FunctionCallIn, FunctionIn, Input, Message, ToolCallIn, ToolIn};
use parlance_core::{ConverseRequest, Opaque};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::ResponsesError;
use crate::door::params;

type Obj = Map<String, Value>;

/// A decoded Responses request.
#[derive(Debug)]
pub struct Decoded {
    /// `model` as the client wrote it (the reply's `model`).
    pub model: String,
    /// `instructions` as a system message (not carried to a follow-up, as OpenAI does).
    pub instructions: Vec<Message>,
    /// The new turn's messages (without instructions or stored history).
    pub input: Vec<Message>,
    /// The request for the service, without messages (see [`Decoded::into_request`]).
    pub request: ConverseRequest,
    /// `stream: true`.
    pub stream: bool,
    /// `store` (`true` unless the client said otherwise, as OpenAI does).
    pub store: bool,
    /// `previous_response_id`.
    pub previous: Option<String>,
    /// What the reply repeats of the request.
    pub echo: Echo,
    /// The fields present that were dropped, for `parlance_dropped_fields_total`.
    pub dropped: Vec<&'static str>,
    /// Which parts of the `reasoning` parameter were given (`[effort, summary]`).
    pub reasoning: [bool; 2],
    /// How many `reasoning` items `input` carried (passed on; dropped by components that
    /// do not speak the Responses wire).
    pub reasoning_items: usize,
}

/// The request's settings a Response object repeats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Echo {
    /// `instructions`.
    pub instructions: Option<String>,
    /// `max_output_tokens`.
    pub max_output_tokens: Option<i64>,
    /// `temperature`.
    pub temperature: Option<f64>,
    /// `top_p`.
    pub top_p: Option<f64>,
    /// `parallel_tool_calls` (default `true`).
    pub parallel_tool_calls: bool,
    /// `tool_choice` as sent (default `"auto"`).
    pub tool_choice: Value,
    /// The function tools as sent (the ones that went upstream).
    pub tools: Vec<Value>,
    /// `text` as sent; `None` when the client sent none (the reply then shows the default,
    /// `{"format":{"type":"text"}}`).
    pub text: Option<Value>,
    /// `metadata` (default `{}`).
    pub metadata: Obj,
    /// `user`.
    pub user: Option<String>,
    /// `reasoning.effort`.
    pub reasoning_effort: Option<String>,
    /// `reasoning.summary`.
    pub reasoning_summary: Option<String>,
}

impl Decoded {
    /// The service's request for `history` (a stored conversation, or nothing) followed by
    /// this turn: instructions first, tool results named after the calls they answer.
    pub fn into_request(self, history: &[Message]) -> (ConverseRequest, Vec<Message>) {
        let input = self.input.clone();
        (self.into_unkept_request(history), input)
    }

    /// [`Decoded::into_request`] when the turn is not kept (`store: false`): its messages
    /// move into the request, not copied.
    pub fn into_unkept_request(mut self, history: &[Message]) -> ConverseRequest {
        let mut messages = std::mem::take(&mut self.instructions);
        messages.extend(history.iter().cloned());
        messages.append(&mut self.input);
        name_tool_results(&mut messages);
        let scrub = self.request.inputs.first().is_some_and(|i| i.scrub_pii);
        self.request.inputs = vec![Input { messages, scrub_pii: scrub }];
        self.request
    }
}

/// The fields read; everything else is ignored.
#[derive(Deserialize)]
struct Body {
    model: Option<Value>,
    input: Option<Value>,
    instructions: Option<Value>,
    tools: Option<Value>,
    tool_choice: Option<Value>,
    parallel_tool_calls: Option<Value>,
    text: Option<Value>,
    max_output_tokens: Option<Value>,
    temperature: Option<Value>,
    top_p: Option<Value>,
    store: Option<Value>,
    stream: Option<Value>,
    metadata: Option<Value>,
    user: Option<Value>,
    previous_response_id: Option<Value>,
    reasoning: Option<Value>,
    background: Option<Value>,
    conversation: Option<Value>,
    prompt: Option<Value>,
}

fn bad(message: impl Into<String>, param: &str) -> ResponsesError {
    ResponsesError::invalid(message, Some(param))
}

fn set(v: &Option<Value>) -> Option<&Value> {
    v.as_ref().filter(|v| !v.is_null())
}

/// Decodes a `/v1/responses` body; `scrub` is (scrub inputs, scrub outputs).
pub fn request(body: &[u8], scrub: (bool, bool)) -> Result<Decoded, ResponsesError> {
    let b: Body = serde_json::from_slice(body)
        .map_err(|e| ResponsesError::invalid(format!("invalid request body: {e}"), None))?;
    refuse_unsupported(&b)?;
    let mut dropped = Vec::new();
    let model = match set(&b.model) {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        _ => return Err(bad("missing required parameter: 'model'", "model")),
    };
    let instructions = optional_string(&b.instructions, "instructions")?;
    let input = input(b.input, &mut dropped)?;
    let reasoning_items = input.iter().filter(|m| matches!(m, Message::Opaque(_))).count();
    let (tools, tools_echo) = tools(b.tools, &mut dropped)?;
    let tool_choice = tool_choice(set(&b.tool_choice), &mut dropped)?;
    let parallel = optional_bool(&b.parallel_tool_calls, "parallel_tool_calls")?.unwrap_or(true);
    if !parallel {
        dropped.push("parallel_tool_calls");
    }
    let (response_format, text) = text(set(&b.text), &mut dropped)?;
    let max_output_tokens = max_tokens(set(&b.max_output_tokens))?;
    let temperature = number(&b.temperature, "temperature")?;
    let top_p = number(&b.top_p, "top_p")?;
    let store = optional_bool(&b.store, "store")?.unwrap_or(true);
    let stream = optional_bool(&b.stream, "stream")?.unwrap_or(false);
    let previous = match set(&b.previous_response_id) {
        None => None,
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        Some(_) => {
            return Err(bad("previous_response_id must be a string", "previous_response_id"));
        }
    };
    let metadata = metadata(set(&b.metadata))?;
    let user = optional_string(&b.user, "user")?;
    if user.is_some() {
        dropped.push("user");
    }
    let (effort, summary) = reasoning(set(&b.reasoning))?;
    let mut parameters = BTreeMap::new();
    if let Some(e) = &effort {
        parameters.insert("reasoning_effort".to_string(), params::string(e.clone()));
    }
    if let Some(s) = &summary {
        parameters.insert("reasoning_summary".to_string(), params::string(s.clone()));
    }
    if let Some(n) = max_output_tokens {
        parameters.insert("max_tokens".to_string(), params::int64(n));
    }
    if let Some(p) = top_p {
        parameters.insert("top_p".to_string(), params::double(p));
    }
    let request = ConverseRequest {
        inputs: vec![Input { messages: Vec::new(), scrub_pii: scrub.0 }],
        parameters,
        scrub_pii: scrub.1,
        temperature,
        tools,
        tool_choice: tool_choice.0,
        response_format,
        ..ConverseRequest::default()
    };
    let echo = Echo {
        instructions: instructions.clone(),
        max_output_tokens,
        temperature,
        top_p,
        parallel_tool_calls: parallel,
        tool_choice: tool_choice.1,
        tools: tools_echo,
        text,
        metadata,
        user,
        reasoning_effort: effort.clone(),
        reasoning_summary: summary.clone(),
    };
    let instructions = instructions
        .filter(|s| !s.is_empty())
        .map(|s| vec![Message::System(vec![s])])
        .unwrap_or_default();
    Ok(Decoded {
        model,
        instructions,
        input,
        request,
        stream,
        store,
        previous,
        echo,
        dropped,
        reasoning: [effort.is_some(), summary.is_some()],
        reasoning_items,
    })
}

/// The `reasoning` parameter: `effort` and `summary` (or its older name
/// `generate_summary`), each a string or null; the values go upstream as given.
fn reasoning(v: Option<&Value>) -> Result<(Option<String>, Option<String>), ResponsesError> {
    let Some(v) = v else { return Ok((None, None)) };
    let Value::Object(o) = v else {
        return Err(bad("reasoning must be an object", "reasoning"));
    };
    let part = |key: &str| match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 32 => Ok(Some(s.clone())),
        Some(_) => {
            Err(bad(format!("reasoning.{key} must be a short string"), &format!("reasoning.{key}")))
        }
    };
    let effort = part("effort")?;
    let summary = match part("summary")? {
        Some(s) => Some(s),
        None => part("generate_summary")?,
    };
    Ok((effort, summary))
}

/// Features of the Responses API that parlance does not serve, refused rather than ignored.
fn refuse_unsupported(b: &Body) -> Result<(), ResponsesError> {
    if set(&b.background).is_some_and(|v| v != &Value::Bool(false)) {
        return Err(bad("background responses are not supported", "background"));
    }
    if set(&b.conversation).is_some() {
        let m = "conversations are not supported; use previous_response_id";
        return Err(bad(m, "conversation"));
    }
    if set(&b.prompt).is_some() {
        return Err(bad("prompt templates are not supported", "prompt"));
    }
    Ok(())
}

fn optional_string(v: &Option<Value>, field: &str) -> Result<Option<String>, ResponsesError> {
    match set(v) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{field} must be a string"), field)),
    }
}

fn optional_bool(v: &Option<Value>, field: &str) -> Result<Option<bool>, ResponsesError> {
    match set(v) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("{field} must be a boolean"), field)),
    }
}

fn number(v: &Option<Value>, field: &str) -> Result<Option<f64>, ResponsesError> {
    match set(v) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(bad(format!("{field} must be a number"), field)),
    }
}

fn max_tokens(v: Option<&Value>) -> Result<Option<i64>, ResponsesError> {
    let err = || bad("max_output_tokens must be a positive integer", "max_output_tokens");
    match v {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().filter(|n| *n >= 1).map(Some).ok_or_else(err),
        Some(_) => Err(err()),
    }
}

/// `metadata`: at most 16 string values, keys up to 64 and values up to 512 characters (as
/// OpenAI bounds it; it is stored with the response and repeated in it).
fn metadata(v: Option<&Value>) -> Result<Obj, ResponsesError> {
    let err = || {
        bad(
            "metadata must be an object of at most 16 strings (keys ≤ 64, values ≤ 512 characters)",
            "metadata",
        )
    };
    match v {
        None => Ok(Obj::new()),
        Some(Value::Object(o)) if o.len() <= 16 => {
            let ok = o.iter().all(|(k, v)| {
                k.chars().count() <= 64 && v.as_str().is_some_and(|s| s.chars().count() <= 512)
            });
            if ok { Ok(o.clone()) } else { Err(err()) }
        }
        Some(_) => Err(err()),
    }
}

/// `input`: a string (one user message) or a list of items.
fn input(
    v: Option<Value>,
    dropped: &mut Vec<&'static str>,
) -> Result<Vec<Message>, ResponsesError> {
    match v {
        None | Some(Value::Null) => Err(bad("missing required parameter: 'input'", "input")),
        Some(Value::String(s)) => Ok(vec![Message::User(vec![s])]),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.into_iter().enumerate() {
                let param = format!("input[{i}]");
                input_item(item, &mut out, dropped)
                    .map_err(|e| bad(format!("{param}: {e}"), &param))?;
            }
            Ok(out)
        }
        Some(_) => Err(bad("input must be a string or a list of items", "input")),
    }
}

/// One input item, appended to `out`.
fn input_item(
    item: Value,
    out: &mut Vec<Message>,
    dropped: &mut Vec<&'static str>,
) -> Result<(), String> {
    let Value::Object(mut o) = item else { return Err("an item must be an object".into()) };
    let kind = match o.remove("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k),
        Some(_) => return Err("type must be a string".into()),
    };
    match kind.as_deref() {
        None | Some("message") => message(o, out),
        Some("function_call") => function_call(o, out),
        Some("function_call_output") => function_call_output(o, out),
        Some("reasoning") => {
            o.insert("type".into(), Value::String("reasoning".into()));
            out.push(Message::Opaque(Opaque::responses(Value::Object(o).to_string())));
            Ok(())
        }
        Some("web_search_call") => {
            push_once(dropped, "input.web_search_call");
            Ok(())
        }
        Some("item_reference") => {
            Err("item references are not supported; send the item, or use previous_response_id"
                .into())
        }
        Some(other) => Err(format!("input items of type {:?} are not supported", short(other))),
    }
}

fn push_once(dropped: &mut Vec<&'static str>, field: &'static str) {
    if !dropped.contains(&field) {
        dropped.push(field);
    }
}

/// A client's string quoted in a message, cut to 64 characters.
fn short(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// A `message` item: `role` and `content` (a string or text parts).
fn message(mut o: Obj, out: &mut Vec<Message>) -> Result<(), String> {
    let role = match o.remove("role") {
        Some(Value::String(r)) => r,
        _ => return Err("role: missing or not a string".into()),
    };
    let texts = content(o.remove("content"))?;
    let m = match role.as_str() {
        "user" => Message::User(texts),
        // Instructions by another name: sent as system messages, not as the user.
        "system" | "developer" => Message::System(texts),
        "assistant" => Message::Assistant { content: texts, tool_calls: Vec::new() },
        other => {
            return Err(format!(
                "role {:?} is not one of user, assistant, system or developer",
                short(other)
            ));
        }
    };
    out.push(m);
    Ok(())
}

/// A message's `content`: a string or a list of text parts.
fn content(v: Option<Value>) -> Result<Vec<String>, String> {
    match v {
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(parts)) => parts.into_iter().map(text_part).collect(),
        _ => Err("content: must be a string or a list of content parts".into()),
    }
}

/// `input_text`, `output_text` (or `text`) and `refusal` parts; others are refused.
fn text_part(part: Value) -> Result<String, String> {
    let Value::Object(mut p) = part else { return Err("a content part must be an object".into()) };
    let kind = match p.remove("type") {
        Some(Value::String(k)) => k,
        _ => return Err("a content part needs a string 'type'".into()),
    };
    let field = match kind.as_str() {
        "input_text" | "output_text" | "text" => "text",
        "refusal" => "refusal",
        other => {
            return Err(format!(
                "content parts of type {:?} are not supported (only input_text and output_text)",
                short(other)
            ));
        }
    };
    match p.remove(field) {
        Some(Value::String(t)) => Ok(t),
        _ => Err(format!("a {kind} part needs a string '{field}'")),
    }
}

/// A `function_call` item from an earlier reply: joins the assistant turn it follows.
fn function_call(mut o: Obj, out: &mut Vec<Message>) -> Result<(), String> {
    let call_id = required_string(&mut o, "call_id")?;
    let name = required_string(&mut o, "name")?;
    let arguments = match o.remove("arguments") {
        Some(Value::String(a)) => a,
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err("arguments: must be a string".into()),
    };
    let call = ToolCallIn { id: Some(call_id), function: Some(FunctionCallIn { name, arguments }) };
    match out.last_mut() {
        Some(Message::Assistant { tool_calls, .. }) => tool_calls.push(call),
        _ => out.push(Message::Assistant { content: Vec::new(), tool_calls: vec![call] }),
    }
    Ok(())
}

/// A `function_call_output` item: the result of a call, as a tool message (named later,
/// from the call it answers).
fn function_call_output(mut o: Obj, out: &mut Vec<Message>) -> Result<(), String> {
    let call_id = required_string(&mut o, "call_id")?;
    let content = match o.remove("output") {
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(parts)) => {
            let texts = parts.into_iter().map(text_part).collect::<Result<Vec<_>, _>>()?;
            if texts.is_empty() { vec![String::new()] } else { texts }
        }
        _ => return Err("output: must be a string or a list of input_text parts".into()),
    };
    out.push(Message::Tool { tool_id: Some(call_id), name: String::new(), content });
    Ok(())
}

fn required_string(o: &mut Obj, field: &str) -> Result<String, String> {
    match o.remove(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        _ => Err(format!("{field}: missing or not a string")),
    }
}

/// Names each tool result after the call it answers (the service's tool messages carry the
/// function's name; a `function_call_output` carries only the call id).
pub fn name_tool_results(messages: &mut [Message]) {
    let mut names = BTreeMap::new();
    for m in messages.iter() {
        if let Message::Assistant { tool_calls, .. } = m {
            for c in tool_calls {
                if let (Some(id), Some(f)) = (&c.id, &c.function) {
                    names.insert(id.clone(), f.name.clone());
                }
            }
        }
    }
    for m in messages.iter_mut() {
        if let Message::Tool { tool_id: Some(id), name, .. } = m
            && name.is_empty()
        {
            *name = names.get(id).cloned().unwrap_or_default();
        }
    }
}

/// The dropped-fields label of a tool type the upstream cannot run (a fixed set, so the
/// metric's labels stay few).
fn hosted_label(kind: &str) -> &'static str {
    match kind {
        "web_search"
        | "web_search_preview"
        | "web_search_2025_08_26"
        | "web_search_preview_2025_03_11" => "tools.web_search",
        "namespace" => "tools.namespace",
        "local_shell" | "shell" => "tools.local_shell",
        "custom" => "tools.custom",
        "file_search" => "tools.file_search",
        "mcp" => "tools.mcp",
        _ => "tools.hosted",
    }
}

/// Function tools go upstream (and are repeated in the reply); every other tool type is left
/// out and counted.
fn tools(
    v: Option<Value>,
    dropped: &mut Vec<&'static str>,
) -> Result<(Vec<ToolIn>, Vec<Value>), ResponsesError> {
    let defs = match v {
        None | Some(Value::Null) => return Ok((Vec::new(), Vec::new())),
        Some(Value::Array(defs)) => defs,
        Some(_) => return Err(bad("tools must be a list", "tools")),
    };
    let (mut out, mut echo) = (Vec::new(), Vec::new());
    for (i, t) in defs.into_iter().enumerate() {
        let param = format!("tools[{i}]");
        let Value::Object(o) = &t else {
            return Err(bad(format!("{param} must be an object"), &param));
        };
        match o.get("type") {
            Some(Value::String(k)) if k == "function" => {}
            Some(Value::String(k)) => {
                push_once(dropped, hosted_label(k));
                continue;
            }
            _ => return Err(bad(format!("{param}.type: missing or not a string"), &param)),
        }
        let name = match o.get("name") {
            Some(Value::String(n)) if !n.is_empty() => n.clone(),
            _ => return Err(bad(format!("{param}.name: missing or not a string"), &param)),
        };
        let description = match o.get("description") {
            Some(Value::String(d)) => Some(d.clone()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(bad(format!("{param}.description must be a string"), &param)),
        };
        let parameters = match o.get("parameters") {
            Some(Value::Object(s)) => Some(s.clone()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(bad(format!("{param}.parameters must be an object"), &param)),
        };
        out.push(ToolIn { function: Some(FunctionIn { name, description, parameters }) });
        echo.push(t);
    }
    Ok((out, echo))
}

/// `tool_choice` → the service's string and the value the reply repeats.
fn tool_choice(
    v: Option<&Value>,
    dropped: &mut Vec<&'static str>,
) -> Result<(Option<String>, Value), ResponsesError> {
    let err = || {
        bad(
            "tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\": …}",
            "tool_choice",
        )
    };
    let Some(v) = v else { return Ok((None, Value::String("auto".into()))) };
    match v {
        Value::String(s) if matches!(s.as_str(), "auto" | "none" | "required") => {
            Ok((Some(s.clone()), v.clone()))
        }
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("function") => match o.get("name") {
                Some(Value::String(n)) if !n.is_empty() => Ok((Some(n.clone()), v.clone())),
                _ => Err(bad("tool_choice.name: missing or not a string", "tool_choice")),
            },
            Some("allowed_tools") => match o.get("mode").and_then(Value::as_str) {
                Some(m @ ("auto" | "required")) => {
                    dropped.push("tool_choice.allowed_tools");
                    Ok((Some(m.to_string()), v.clone()))
                }
                _ => Err(bad("tool_choice.mode must be \"auto\" or \"required\"", "tool_choice")),
            },
            _ => Err(err()),
        },
        _ => Err(err()),
    }
}

/// `text`: its `format` → the service's JSON Schema (`json_schema` with its `name` and
/// `strict`; `json_object` as an object schema; `text` none); and the value the reply
/// repeats.
fn text(
    v: Option<&Value>,
    dropped: &mut Vec<&'static str>,
) -> Result<(Option<Obj>, Option<Value>), ResponsesError> {
    let Some(v) = v else { return Ok((None, None)) };
    let Value::Object(o) = v else { return Err(bad("text must be an object", "text")) };
    if o.get("verbosity").is_some_and(|v| !v.is_null()) {
        dropped.push("text.verbosity");
    }
    let format = match o.get("format") {
        None | Some(Value::Null) => return Ok((None, None)),
        Some(Value::Object(f)) => f,
        Some(_) => return Err(bad("text.format must be an object", "text.format")),
    };
    let schema = match format.get("type").and_then(Value::as_str) {
        Some("text") => None,
        Some("json_object") => {
            let mut schema = Obj::new();
            schema.insert("type".into(), Value::String("object".into()));
            Some(schema)
        }
        Some("json_schema") => Some(json_schema(format)?),
        _ => {
            let m = "text.format.type must be \"text\", \"json_schema\" or \"json_object\"";
            return Err(bad(m, "text.format.type"));
        }
    };
    Ok((schema, Some(v.clone())))
}

fn json_schema(format: &Obj) -> Result<Obj, ResponsesError> {
    let mut schema = match format.get("schema") {
        Some(Value::Object(s)) => s.clone(),
        _ => return Err(bad("text.format.schema must be an object", "text.format.schema")),
    };
    match format.get("name") {
        Some(Value::String(n)) if !n.is_empty() => {
            schema.insert("name".into(), Value::String(n.clone()));
        }
        None | Some(Value::Null) => {}
        Some(_) => return Err(bad("text.format.name must be a string", "text.format.name")),
    }
    if format.get("strict") == Some(&Value::Bool(true)) {
        schema.insert("strict".into(), Value::Bool(true));
    }
    Ok(schema)
}

#[cfg(test)]
mod tests;
