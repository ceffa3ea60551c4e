//! Validation of a Responses API request body (`POST …/responses`), producing the neutral
//! [`Conversation`] plus what the encoder needs. Messages and codes mimic the real API's.
//!
//! Strict where the real API is: an unknown top-level parameter (a Chat Completions field
//! such as `messages`, `max_tokens` or `stop` sent here by mistake) is a 400; so are an
//! assistant message with `input_text` parts, a `function_call_output` whose `call_id` no
//! earlier `function_call` has, `max_output_tokens` under 16, and a `reasoning` item whose
//! `encrypted_content` this fake did not issue (or, with `store: false`, one without it).

use serde_json::{Map, Value};

use super::reasoning;
use crate::cache::Segment;
use crate::openai::request::{invalid, wrong_type};
use crate::reply::{Conversation, OutputFormat, ToolChoice, ToolDef, words_in};
use crate::wire::WireError;

/// The top-level parameters the Responses API knows.
const KNOWN: [&str; 29] = [
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "max_output_tokens",
    "max_tool_calls",
    "temperature",
    "top_p",
    "top_logprobs",
    "text",
    "stream",
    "stream_options",
    "store",
    "include",
    "reasoning",
    "metadata",
    "prompt_cache_key",
    "prompt_cache_retention",
    "previous_response_id",
    "truncation",
    "user",
    "service_tier",
    "safety_identifier",
    "background",
    "conversation",
    "prompt",
    "client_metadata",
];

/// A validated request.
#[derive(Debug)]
pub(super) struct Parsed {
    /// The neutral conversation.
    pub conv: Conversation,
    /// Requested model.
    pub model: String,
    /// `stream: true`.
    pub stream: bool,
    /// `store` (default true).
    pub store: bool,
    /// Whether `include` asks for `reasoning.encrypted_content`.
    pub encrypted: bool,
    /// Prompt pieces, for the caching simulation.
    pub segments: Vec<Segment>,
    /// Whether prompt caching was asked for.
    pub cache: bool,
    /// What the reply repeats: `instructions`, `tools`, `tool_choice`, `text`, …
    pub echo: Map<String, Value>,
}

fn bad_value(param: &str, got: &str, supported: &str) -> WireError {
    invalid(format!("Invalid value: '{got}'. Supported values are: {supported}."))
        .param(param)
        .code("invalid_value")
}

fn missing(param: &str) -> WireError {
    invalid(format!("Missing required parameter: '{param}'."))
        .param(param)
        .code("missing_required_parameter")
}

/// Validates the whole body.
pub(super) fn parse(body: &Value) -> Result<Parsed, WireError> {
    let Some(obj) = body.as_object() else {
        return Err(invalid("Invalid request body: expected a JSON object."));
    };
    if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(invalid(format!("Unknown parameter: '{k}'."))
            .param(k)
            .code("unknown_parameter"));
    }
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        None | Some(Value::Null) => return Err(missing("model")),
        Some(other) => return Err(wrong_type("model", "a string", other)),
    };
    let stream = flag(obj, "stream")?.unwrap_or(false);
    if obj.get("stream_options").is_some_and(|v| !v.is_null()) && !stream {
        let m = "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
        return Err(invalid(m).param("stream_options"));
    }
    let store = flag(obj, "store")?.unwrap_or(true);
    let encrypted = include(obj)?;
    let instructions = match obj.get("instructions") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(wrong_type("instructions", "a string", other)),
    };
    let items = input(obj)?;
    check_items(&items, store)?;
    let tools = tools(obj)?;
    let choice = tool_choice(obj, &tools)?;
    let format = format(obj)?;
    let max_tokens = max_output_tokens(obj)?;
    check_sampling(obj)?;
    let mut segments = Vec::new();
    if let Some(i) = &instructions {
        segments.push(Segment::of(&Value::String(i.clone()), true));
    }
    if let Some(t) = obj.get("tools") {
        segments.push(Segment::of(t, true));
    }
    segments.extend(items.iter().map(|m| Segment::of(m, true)));
    let (last_text, last_is_user_text) = last_text(&items);
    let prompt_tokens = words_in(&Value::Array(items.clone()))
        + instructions.as_deref().map_or(0, crate::reply::count_words);
    let conv = Conversation {
        last_text,
        last_is_user_text,
        prompt_tokens,
        tools,
        choice,
        max_tokens,
        stop: Vec::new(),
        format,
    };
    let mut echo = Map::new();
    for k in [
        "instructions",
        "tools",
        "tool_choice",
        "text",
        "max_output_tokens",
        "temperature",
        "top_p",
        "metadata",
    ] {
        echo.insert(k.to_string(), obj.get(k).cloned().unwrap_or(Value::Null));
    }
    let cache = obj.get("prompt_cache_retention").is_some_and(|v| !v.is_null());
    Ok(Parsed { conv, model, stream, store, encrypted, segments, cache, echo })
}

fn flag(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, WireError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong_type(key, "a boolean", other)),
    }
}

/// `include`: a list of known strings; whether it asks for encrypted reasoning.
fn include(obj: &Map<String, Value>) -> Result<bool, WireError> {
    const VALUES: [&str; 6] = [
        "reasoning.encrypted_content",
        "message.output_text.logprobs",
        "web_search_call.action.sources",
        "file_search_call.results",
        "code_interpreter_call.outputs",
        "message.input_image.image_url",
    ];
    let list = match obj.get("include") {
        None | Some(Value::Null) => return Ok(false),
        Some(Value::Array(l)) => l,
        Some(other) => return Err(wrong_type("include", "an array of strings", other)),
    };
    for v in list {
        match v.as_str() {
            Some(s) if VALUES.contains(&s) => {}
            Some(s) => return Err(bad_value("include", s, &VALUES.join(", "))),
            None => return Err(wrong_type("include", "an array of strings", v)),
        }
    }
    Ok(list.iter().any(|v| v == "reasoning.encrypted_content"))
}

/// `input`: a string (one user message) or a non-empty list of items.
fn input(obj: &Map<String, Value>) -> Result<Vec<Value>, WireError> {
    match obj.get("input") {
        None | Some(Value::Null) => Err(missing("input")),
        Some(Value::String(s)) => {
            Ok(vec![serde_json::json!({"type": "message", "role": "user", "content": s})])
        }
        Some(Value::Array(items)) if items.is_empty() => Err(invalid(
            "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        )
        .param("input")
        .code("empty_array")),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(other) => Err(wrong_type("input", "a string or an array of input items", other)),
    }
}

/// Every item's shape; function call outputs must answer an earlier call; reasoning items
/// must carry this fake's encrypted content.
fn check_items(items: &[Value], store: bool) -> Result<(), WireError> {
    let mut calls: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("input[{i}]");
        let Some(o) = item.as_object() else { return Err(wrong_type(&at, "an object", item)) };
        match o.get("type").and_then(Value::as_str).unwrap_or("message") {
            "message" => check_message(&at, o)?,
            "function_call" => {
                let call_id = string(o, &at, "call_id")?;
                string(o, &at, "name")?;
                string(o, &at, "arguments")?;
                calls.push(call_id);
            }
            "function_call_output" => {
                let call_id = string(o, &at, "call_id")?;
                string(o, &at, "output")?;
                if !calls.contains(&call_id) {
                    return Err(invalid(format!(
                        "No tool call found for function call output with call_id {call_id}."
                    ))
                    .param("input"));
                }
            }
            "reasoning" => {
                reasoning::verify(&at, o, store)?;
            }
            other => {
                return Err(bad_value(
                    &format!("{at}.type"),
                    other,
                    "'message', 'function_call', 'function_call_output' and 'reasoning'",
                ));
            }
        }
    }
    Ok(())
}

fn string(o: &Map<String, Value>, at: &str, key: &str) -> Result<String, WireError> {
    match o.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(missing(&format!("{at}.{key}"))),
        Some(other) => Err(wrong_type(&format!("{at}.{key}"), "a string", other)),
    }
}

fn check_message(at: &str, o: &Map<String, Value>) -> Result<(), WireError> {
    let role = string(o, at, "role")?;
    let allowed: &[&str] = match role.as_str() {
        "user" | "system" | "developer" => &["input_text"],
        "assistant" => &["output_text", "refusal"],
        other => {
            return Err(bad_value(
                &format!("{at}.role"),
                other,
                "'assistant', 'system', 'developer', and 'user'",
            ));
        }
    };
    let parts = match o.get("content") {
        Some(Value::String(_)) => return Ok(()),
        Some(Value::Array(parts)) => parts,
        None | Some(Value::Null) => return Err(missing(&format!("{at}.content"))),
        Some(other) => {
            return Err(wrong_type(&format!("{at}.content"), "a string or an array", other));
        }
    };
    for (k, p) in parts.iter().enumerate() {
        let pat = format!("{at}.content[{k}]");
        let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
        if !allowed.contains(&kind) {
            let supported =
                allowed.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" and ");
            return Err(bad_value(&format!("{pat}.type"), kind, &supported));
        }
        let field = if kind == "refusal" { "refusal" } else { "text" };
        if !p.get(field).is_some_and(Value::is_string) {
            return Err(missing(&format!("{pat}.{field}")));
        }
    }
    Ok(())
}

/// The text the answer echoes: the last message's text or the last call output; whether the
/// last item is user text.
fn last_text(items: &[Value]) -> (String, bool) {
    let Some(last) =
        items.iter().rev().find(|i| i.get("type").and_then(Value::as_str) != Some("reasoning"))
    else {
        return (String::new(), false);
    };
    match last.get("type").and_then(Value::as_str).unwrap_or("message") {
        "function_call_output" => {
            (last.get("output").and_then(Value::as_str).unwrap_or_default().to_string(), false)
        }
        "message" => {
            let user = last.get("role").and_then(Value::as_str) == Some("user");
            (message_text(last), user)
        }
        _ => (String::new(), false),
    }
}

fn message_text(m: &Value) -> String {
    match m.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn tools(obj: &Map<String, Value>) -> Result<Vec<ToolDef>, WireError> {
    let list = match obj.get("tools") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(l)) => l,
        Some(other) => return Err(wrong_type("tools", "an array", other)),
    };
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let at = format!("tools[{i}]");
        let Some(o) = t.as_object() else { return Err(wrong_type(&at, "an object", t)) };
        match o.get("type").and_then(Value::as_str) {
            Some("function") => {}
            Some(_) => continue, // hosted tools: the fake never calls them
            None => return Err(missing(&format!("{at}.type"))),
        }
        if o.contains_key("function") {
            // The Chat Completions shape: the Responses API wants the fields flat.
            return Err(missing(&format!("{at}.name")));
        }
        let name = string(o, &at, "name")?;
        let schema = match o.get("parameters") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(p @ Value::Object(_)) => p.clone(),
            Some(other) => return Err(wrong_type(&format!("{at}.parameters"), "an object", other)),
        };
        out.push(ToolDef { name, schema });
    }
    Ok(out)
}

fn tool_choice(obj: &Map<String, Value>, tools: &[ToolDef]) -> Result<ToolChoice, WireError> {
    match obj.get("tool_choice") {
        None | Some(Value::Null) => Ok(ToolChoice::Auto),
        Some(Value::String(s)) => match s.as_str() {
            "auto" => Ok(ToolChoice::Auto),
            "none" => Ok(ToolChoice::None),
            "required" => Ok(ToolChoice::Required),
            other => Err(bad_value("tool_choice", other, "'none', 'auto', and 'required'")),
        },
        Some(Value::Object(o)) if o.get("type").and_then(Value::as_str) == Some("function") => {
            let name = string(o, "tool_choice", "name")?;
            if !tools.iter().any(|t| t.name == name) {
                return Err(invalid(format!(
                    "Tool choice '{name}' not found in 'tools' parameter."
                ))
                .param("tool_choice"));
            }
            Ok(ToolChoice::Named(name))
        }
        Some(other) => Err(wrong_type("tool_choice", "a string or a function tool choice", other)),
    }
}

fn format(obj: &Map<String, Value>) -> Result<OutputFormat, WireError> {
    let Some(text) = obj.get("text").filter(|v| !v.is_null()) else {
        return Ok(OutputFormat::Text);
    };
    let Some(f) = text.get("format").filter(|v| !v.is_null()) else {
        return Ok(OutputFormat::Text);
    };
    match f.get("type").and_then(Value::as_str) {
        Some("text") => Ok(OutputFormat::Text),
        Some("json_object") => Ok(OutputFormat::JsonObject),
        Some("json_schema") => {
            if !f.get("name").is_some_and(Value::is_string) {
                return Err(missing("text.format.name"));
            }
            match f.get("schema") {
                Some(s @ Value::Object(_)) => Ok(OutputFormat::JsonSchema(s.clone())),
                _ => Err(missing("text.format.schema")),
            }
        }
        other => Err(bad_value(
            "text.format.type",
            other.unwrap_or_default(),
            "'text', 'json_schema', and 'json_object'",
        )),
    }
}

fn max_output_tokens(obj: &Map<String, Value>) -> Result<Option<u64>, WireError> {
    let Some(v) = obj.get("max_output_tokens").filter(|v| !v.is_null()) else { return Ok(None) };
    let Some(n) = v.as_i64() else { return Err(wrong_type("max_output_tokens", "an integer", v)) };
    if n < 16 {
        return Err(invalid(format!("Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got {n} instead."))
            .param("max_output_tokens")
            .code("integer_below_min_value"));
    }
    Ok(Some(n.unsigned_abs()))
}

fn check_sampling(obj: &Map<String, Value>) -> Result<(), WireError> {
    for (key, max) in [("temperature", 2.0), ("top_p", 1.0)] {
        let Some(v) = obj.get(key).filter(|v| !v.is_null()) else { continue };
        let Some(x) = v.as_f64() else { return Err(wrong_type(key, "a number", v)) };
        if !(0.0..=max).contains(&x) {
            return Err(invalid(format!(
                "Invalid '{key}': expected a value between 0 and {max}, but got {x} instead."
            ))
            .param(key)
            .code("invalid_value"));
        }
    }
    Ok(())
}
