//! Validation of an OpenAI Chat Completions request body, producing the neutral
//! [`Conversation`] plus what the encoder needs. Messages mimic the real API's wording.

use http::StatusCode;
use serde_json::{Map, Value};

use crate::cache::Segment;
use crate::reply::{Conversation, OutputFormat, ToolChoice, ToolDef};
use crate::wire::{WireError, type_name};

use super::stream::StreamRequest;

/// A validated request.
#[derive(Debug)]
pub(super) struct Parsed {
    /// The neutral conversation.
    pub conv: Conversation,
    /// Requested model (may be empty on Azure, where the deployment names it).
    pub model: String,
    /// Number of choices.
    pub n: u64,
    /// Prompt pieces, for the caching simulation.
    pub segments: Vec<Segment>,
    /// Whether prompt caching was asked for (`prompt_cache_retention`).
    pub cache: bool,
    /// `Some` when the request streams (`"stream": true`).
    pub stream: Option<StreamRequest>,
}

pub(crate) fn invalid(message: impl Into<String>) -> WireError {
    WireError::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

fn missing(param: &str) -> WireError {
    invalid(format!("Missing required parameter: '{param}'."))
        .param(param)
        .code("missing_required_parameter")
}

pub(crate) fn wrong_type(param: &str, expected: &str, got: &Value) -> WireError {
    invalid(format!(
        "Invalid type for '{param}': expected {expected}, but got {} instead.",
        type_name(got)
    ))
    .param(param)
    .code("invalid_type")
}

fn bad_value(param: &str, got: &str, supported: &str) -> WireError {
    invalid(format!("Invalid value: '{got}'. Supported values are: {supported}."))
        .param(param)
        .code("invalid_value")
}

/// Validates the whole body.
pub(super) fn parse(body: &Value, azure: bool) -> Result<Parsed, WireError> {
    let Some(obj) = body.as_object() else {
        return Err(invalid("Invalid request body: expected a JSON object."));
    };
    let model = match obj.get("model") {
        Some(Value::String(m)) => m.clone(),
        None if azure => String::new(),
        None => return Err(invalid("you must provide a model parameter")),
        Some(other) => return Err(wrong_type("model", "a string", other)),
    };
    let stream = super::stream::fields(obj)?;
    let messages = messages(obj)?;
    let tools = tools(obj)?;
    let choice = tool_choice(obj, &tools)?;
    let format = response_format(obj, messages)?;
    let mut segments: Vec<Segment> = Vec::new();
    if let Some(t) = obj.get("tools") {
        segments.push(Segment::of(t, true));
    }
    segments.extend(messages.iter().map(|m| Segment::of(m, true)));
    let last = last_text(messages);
    let conv = Conversation {
        last_text: last.0,
        last_is_user_text: last.1,
        prompt_tokens: segments.iter().map(|s| s.tokens).sum(),
        tools,
        choice,
        max_tokens: max_tokens(obj)?,
        stop: stop(obj)?,
        format,
    };
    check_sampling(obj)?;
    Ok(Parsed { conv, model, n: choices(obj)?, segments, cache: cache_requested(obj)?, stream })
}

fn messages(obj: &Map<String, Value>) -> Result<&Vec<Value>, WireError> {
    let list = match obj.get("messages") {
        None => return Err(missing("messages")),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(wrong_type("messages", "an array of objects", other)),
    };
    if list.is_empty() {
        return Err(invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
            .param("messages")
            .code("empty_array"));
    }
    let mut pending: Option<Vec<String>> = None; // tool_call ids still awaiting a tool message
    for (i, m) in list.iter().enumerate() {
        check_message(i, m, &mut pending)?;
    }
    match pending {
        Some(ids) if !ids.is_empty() => Err(unanswered(list.len() - 1, &ids)),
        _ => Ok(list),
    }
}

fn unanswered(i: usize, ids: &[String]) -> WireError {
    invalid(format!(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {}",
        ids.join(", ")
    ))
    .param(format!("messages.[{i}].role"))
}

fn check_message(i: usize, m: &Value, pending: &mut Option<Vec<String>>) -> Result<(), WireError> {
    let at = format!("messages[{i}]");
    let Some(obj) = m.as_object() else {
        return Err(wrong_type(&at, "an object", m));
    };
    let role = match obj.get("role") {
        None => return Err(missing(&format!("{at}.role"))),
        Some(Value::String(r)) => r.as_str(),
        Some(other) => return Err(wrong_type(&format!("{at}.role"), "a string", other)),
    };
    if role != "tool" {
        if let Some(ids) = pending.take().filter(|ids| !ids.is_empty()) {
            return Err(unanswered(i, &ids));
        }
    }
    match role {
        "system" | "developer" | "user" => content_text(&at, obj.get("content"), false).map(drop),
        "assistant" => check_assistant(&at, obj, pending),
        "tool" => check_tool(i, obj, pending),
        "function" => content_text(&at, obj.get("content"), true).map(drop),
        other => Err(bad_value(
            &format!("{at}.role"),
            other,
            "'system', 'assistant', 'user', 'function', 'tool', and 'developer'",
        )),
    }
}

fn check_assistant(
    at: &str,
    obj: &Map<String, Value>,
    pending: &mut Option<Vec<String>>,
) -> Result<(), WireError> {
    let calls = match obj.get("tool_calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(calls)) => calls
            .iter()
            .enumerate()
            .map(|(j, c)| tool_call_id(at, j, c))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(wrong_type(&format!("{at}.tool_calls"), "an array of objects", other));
        }
    };
    content_text(at, obj.get("content"), true)?;
    *pending = (!calls.is_empty()).then_some(calls);
    Ok(())
}

fn tool_call_id(at: &str, j: usize, call: &Value) -> Result<String, WireError> {
    let at = format!("{at}.tool_calls[{j}]");
    let id = call.get("id").and_then(Value::as_str).ok_or_else(|| missing(&format!("{at}.id")))?;
    let function = call.get("function").ok_or_else(|| missing(&format!("{at}.function")))?;
    function
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| missing(&format!("{at}.function.name")))?;
    match function.get("arguments") {
        Some(Value::String(_)) => Ok(id.to_owned()),
        None => Err(missing(&format!("{at}.function.arguments"))),
        Some(other) => Err(wrong_type(&format!("{at}.function.arguments"), "a string", other)),
    }
}

fn check_tool(
    i: usize,
    obj: &Map<String, Value>,
    pending: &mut Option<Vec<String>>,
) -> Result<(), WireError> {
    let Some(ids) = pending.as_mut() else {
        return Err(invalid("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.")
            .param(format!("messages.[{i}].role")));
    };
    let id = match obj.get("tool_call_id") {
        None => return Err(missing(&format!("messages[{i}].tool_call_id"))),
        Some(Value::String(id)) => id,
        Some(other) => {
            return Err(wrong_type(&format!("messages[{i}].tool_call_id"), "a string", other));
        }
    };
    let Some(pos) = ids.iter().position(|x| x == id) else {
        return Err(invalid(format!("Invalid parameter: 'tool_call_id' of '{id}' not found in 'tool_calls' of previous message."))
            .param(format!("messages.[{i}].tool_call_id")));
    };
    ids.remove(pos);
    content_text(&format!("messages[{i}]"), obj.get("content"), false).map(drop)
}

/// The text of a message's `content` (a string or an array of parts).
fn content_text(at: &str, content: Option<&Value>, optional: bool) -> Result<String, WireError> {
    let param = format!("{at}.content");
    match content {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) if optional => Ok(String::new()),
        None => Err(missing(&param)),
        Some(Value::Array(parts)) => {
            let texts = parts
                .iter()
                .enumerate()
                .map(|(k, p)| part_text(&param, k, p))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(texts.into_iter().flatten().collect::<Vec<_>>().join(" "))
        }
        Some(other) => Err(wrong_type(&param, "one of a string or array of objects", other)),
    }
}

fn part_text(param: &str, k: usize, part: &Value) -> Result<Option<String>, WireError> {
    let at = format!("{param}[{k}]");
    let kind = match part.get("type") {
        Some(Value::String(t)) => t.as_str(),
        None => return Err(missing(&format!("{at}.type"))),
        Some(other) => return Err(wrong_type(&format!("{at}.type"), "a string", other)),
    };
    match kind {
        "text" | "refusal" => {
            let key = if kind == "text" { "text" } else { "refusal" };
            match part.get(key) {
                Some(Value::String(t)) => Ok(Some(t.clone())),
                None => Err(missing(&format!("{at}.{key}"))),
                Some(other) => Err(wrong_type(&format!("{at}.{key}"), "a string", other)),
            }
        }
        "image_url" | "input_audio" | "file" | "audio" => Ok(None),
        other => Err(bad_value(
            &format!("{at}.type"),
            other,
            "'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'",
        )),
    }
}

/// (text of the last message, whether it is user text).
/// The text the model answers: the last turn that is not an instruction. A `system` or
/// `developer` message after the turns (Claude Code's environment text, translated by a
/// gateway) is context, not what is answered.
fn last_text(messages: &[Value]) -> (String, bool) {
    let instruction =
        |m: &&Value| matches!(m.get("role").and_then(Value::as_str), Some("system" | "developer"));
    let turn = messages.iter().rev().find(|m| !instruction(m));
    let Some(last) = turn.or(messages.last()) else {
        return (String::new(), false);
    };
    let text = content_text("", last.get("content"), true).unwrap_or_default();
    (text, last.get("role").and_then(Value::as_str) == Some("user"))
}

fn tools(obj: &Map<String, Value>) -> Result<Vec<ToolDef>, WireError> {
    let list = match obj.get("tools") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(wrong_type("tools", "an array of objects", other)),
    };
    if list.is_empty() {
        return Err(invalid("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.")
            .param("tools")
            .code("empty_array"));
    }
    list.iter().enumerate().map(|(i, t)| tool(i, t)).collect()
}

fn tool(i: usize, t: &Value) -> Result<ToolDef, WireError> {
    let at = format!("tools[{i}]");
    match t.get("type") {
        Some(Value::String(k)) if k == "function" => {}
        Some(Value::String(k)) => {
            return Err(bad_value(&format!("{at}.type"), k, "'function' and 'custom'"));
        }
        None => return Err(missing(&format!("{at}.type"))),
        Some(other) => return Err(wrong_type(&format!("{at}.type"), "a string", other)),
    }
    let function = t.get("function").ok_or_else(|| missing(&format!("{at}.function")))?;
    let name = match function.get("name") {
        Some(Value::String(n)) => n.clone(),
        None => return Err(missing(&format!("{at}.function.name"))),
        Some(other) => return Err(wrong_type(&format!("{at}.function.name"), "a string", other)),
    };
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(invalid(format!("Invalid '{at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."))
            .param(format!("{at}.function.name"))
            .code("invalid_value"));
    }
    let schema = match function.get("parameters") {
        None => serde_json::json!({"type": "object", "properties": {}}),
        Some(p @ Value::Object(_)) => p.clone(),
        Some(other) => {
            return Err(wrong_type(&format!("{at}.function.parameters"), "an object", other));
        }
    };
    Ok(ToolDef { name, schema })
}

fn tool_choice(obj: &Map<String, Value>, tools: &[ToolDef]) -> Result<ToolChoice, WireError> {
    let Some(choice) = obj.get("tool_choice").filter(|c| !c.is_null()) else {
        return Ok(ToolChoice::Auto);
    };
    if tools.is_empty() {
        return Err(invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.")
            .param("tool_choice"));
    }
    match choice {
        Value::String(s) => match s.as_str() {
            "none" => Ok(ToolChoice::None),
            "auto" => Ok(ToolChoice::Auto),
            "required" => Ok(ToolChoice::Required),
            other => Err(bad_value("tool_choice", other, "'none', 'auto', and 'required'")),
        },
        Value::Object(_) => {
            let name = choice
                .pointer("/function/name")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("tool_choice.function.name"))?;
            if !tools.iter().any(|t| t.name == name) {
                return Err(invalid(format!(
                    "Invalid value for 'tool_choice': function '{name}' is not one of the 'tools'."
                ))
                .param("tool_choice")
                .code("invalid_value"));
            }
            Ok(ToolChoice::Named(name.to_owned()))
        }
        other => Err(wrong_type("tool_choice", "one of a string or object", other)),
    }
}

fn response_format(
    obj: &Map<String, Value>,
    messages: &[Value],
) -> Result<OutputFormat, WireError> {
    let Some(rf) = obj.get("response_format").filter(|v| !v.is_null()) else {
        return Ok(OutputFormat::Text);
    };
    let kind = match rf.get("type") {
        Some(Value::String(k)) => k.as_str(),
        None => return Err(missing("response_format.type")),
        Some(other) => return Err(wrong_type("response_format.type", "a string", other)),
    };
    match kind {
        "text" => Ok(OutputFormat::Text),
        "json_object" => {
            if !Value::Array(messages.to_vec()).to_string().to_lowercase().contains("json") {
                return Err(invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.")
                    .param("messages"));
            }
            Ok(OutputFormat::JsonObject)
        }
        "json_schema" => {
            let js = rf.get("json_schema").ok_or_else(|| missing("response_format.json_schema"))?;
            js.get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("response_format.json_schema.name"))?;
            let schema =
                js.get("schema").cloned().unwrap_or_else(|| serde_json::json!({"type": "object"}));
            Ok(OutputFormat::JsonSchema(schema))
        }
        other => Err(bad_value(
            "response_format.type",
            other,
            "'json_object', 'json_schema', and 'text'",
        )),
    }
}

fn max_tokens(obj: &Map<String, Value>) -> Result<Option<u64>, WireError> {
    for key in ["max_completion_tokens", "max_tokens"] {
        match obj.get(key) {
            None | Some(Value::Null) => continue,
            Some(v) => return int_at_least(key, v, 1).map(Some),
        }
    }
    Ok(None)
}

fn int_at_least(key: &str, v: &Value, min: i64) -> Result<u64, WireError> {
    let Some(n) = v.as_i64() else {
        return Err(wrong_type(key, "an integer", v));
    };
    if n < min {
        return Err(invalid(format!("Invalid '{key}': integer below minimum value. Expected a value >= {min}, but got {n} instead."))
            .param(key)
            .code("integer_below_min_value"));
    }
    Ok(n.unsigned_abs())
}

fn choices(obj: &Map<String, Value>) -> Result<u64, WireError> {
    match obj.get("n") {
        None | Some(Value::Null) => Ok(1),
        Some(v) => {
            let n = int_at_least("n", v, 1)?;
            if n > 128 {
                return Err(invalid(format!("Invalid 'n': integer above maximum value. Expected a value <= 128, but got {n} instead."))
                    .param("n")
                    .code("integer_above_max_value"));
            }
            Ok(n)
        }
    }
}

fn stop(obj: &Map<String, Value>) -> Result<Vec<String>, WireError> {
    match obj.get("stop") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(list)) if list.len() <= 4 => list
            .iter()
            .map(|s| s.as_str().map(str::to_owned).ok_or_else(|| wrong_type("stop", "one of a string or array of strings", s)))
            .collect(),
        Some(Value::Array(list)) => Err(invalid(format!("Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length {} instead.", list.len()))
            .param("stop")
            .code("array_above_max_length")),
        Some(other) => Err(wrong_type("stop", "one of a string or array of strings", other)),
    }
}

fn check_sampling(obj: &Map<String, Value>) -> Result<(), WireError> {
    for (key, max) in [("temperature", 2.0), ("top_p", 1.0)] {
        let Some(v) = obj.get(key).filter(|v| !v.is_null()) else { continue };
        let Some(x) = v.as_f64() else {
            return Err(wrong_type(key, "a number", v));
        };
        if x < 0.0 {
            return Err(invalid(format!("Invalid '{key}': decimal below minimum value. Expected a value >= 0, but got {x} instead."))
                .param(key)
                .code("decimal_below_min_value"));
        }
        if x > max {
            return Err(invalid(format!("Invalid '{key}': decimal above maximum value. Expected a value <= {max}, but got {x} instead."))
                .param(key)
                .code("decimal_above_max_value"));
        }
    }
    Ok(())
}

/// Caching is simulated when `prompt_cache_retention` is set top-level (the real parameter,
/// whose documented values are `in_memory` and `24h`) or in `metadata` (where Dapr puts it).
fn cache_requested(obj: &Map<String, Value>) -> Result<bool, WireError> {
    match obj.get("prompt_cache_retention") {
        Some(Value::String(s)) if s == "in_memory" || s == "24h" => return Ok(true),
        Some(Value::String(s)) => {
            return Err(bad_value("prompt_cache_retention", s, "'in_memory' and '24h'"));
        }
        Some(Value::Null) | None => {}
        Some(other) => return Err(wrong_type("prompt_cache_retention", "a string", other)),
    }
    Ok(obj.get("metadata").and_then(|m| m.get("prompt_cache_retention")).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(body: Value) -> WireError {
        parse(&body, false).unwrap_err()
    }

    fn user(text: &str) -> Value {
        json!({"role": "user", "content": text})
    }

    #[test]
    fn a_system_message_after_the_turns_is_not_what_is_answered() {
        let body = json!({"model": "gpt-4o", "messages": [
            user("run it"), {"role": "system", "content": "environment text"}]});
        let p = parse(&body, false).unwrap();
        assert_eq!((p.conv.last_text.as_str(), p.conv.last_is_user_text), ("run it", true));
        let only =
            json!({"model": "gpt-4o", "messages": [{"role": "system", "content": "be brief"}]});
        assert_eq!(parse(&only, false).unwrap().conv.last_text, "be brief");
    }

    #[test]
    fn accepts_a_minimal_request() {
        let p = parse(&json!({"model": "gpt-4o", "messages": [user("hi there")]}), false).unwrap();
        assert_eq!((p.model.as_str(), p.n, p.cache), ("gpt-4o", 1, false));
        assert_eq!(p.conv.last_text, "hi there");
        assert!(p.conv.last_is_user_text);
        assert_eq!(p.conv.prompt_tokens, 2);
    }

    #[test]
    fn requires_model_and_messages() {
        assert_eq!(
            err(json!({"messages": [user("x")]})).message,
            "you must provide a model parameter"
        );
        let e = err(json!({"model": "m"}));
        assert_eq!(
            (e.param.as_deref(), e.code.as_deref()),
            (Some("messages"), Some("missing_required_parameter"))
        );
        assert_eq!(err(json!({"model": "m", "messages": []})).code.as_deref(), Some("empty_array"));
        assert_eq!(
            err(json!({"model": "m", "messages": "x"})).code.as_deref(),
            Some("invalid_type")
        );
        assert!(
            parse(&json!({"messages": [user("x")]}), true).is_ok(),
            "azure takes the deployment"
        );
    }

    #[test]
    fn checks_roles_and_content() {
        let e = err(json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}));
        assert_eq!(
            (e.param.as_deref(), e.code.as_deref()),
            (Some("messages[0].role"), Some("invalid_value"))
        );
        let e = err(json!({"model": "m", "messages": [{"role": "user", "content": 5}]}));
        assert_eq!(
            e.message,
            "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead."
        );
        let e = err(json!({"model": "m", "messages": [{"role": "user"}]}));
        assert_eq!(e.param.as_deref(), Some("messages[0].content"));
        let e = err(
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "video"}]}]}),
        );
        assert_eq!(e.param.as_deref(), Some("messages[0].content[0].type"));
        let ok = json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a b"}, {"type": "image_url", "image_url": {"url": "x"}}]}]});
        assert_eq!(parse(&ok, false).unwrap().conv.last_text, "a b");
    }

    #[test]
    fn tool_messages_must_answer_tool_calls() {
        let call = json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]});
        let e = err(
            json!({"model": "m", "messages": [user("x"), {"role": "tool", "tool_call_id": "call_1", "content": "r"}]}),
        );
        assert_eq!(e.param.as_deref(), Some("messages.[1].role"));
        let e = err(json!({"model": "m", "messages": [user("x"), call.clone(), user("y")]}));
        assert!(e.message.contains("call_1"), "{}", e.message);
        let e = err(
            json!({"model": "m", "messages": [user("x"), call.clone(), {"role": "tool", "tool_call_id": "nope", "content": "r"}]}),
        );
        assert_eq!(e.param.as_deref(), Some("messages.[2].tool_call_id"));
        let ok = json!({"model": "m", "messages": [user("x"), call, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]});
        let p = parse(&ok, false).unwrap();
        assert_eq!((p.conv.last_text.as_str(), p.conv.last_is_user_text), ("sunny", false));
    }

    #[test]
    fn validates_tools_and_choice() {
        let tool = json!({"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}});
        let e = err(json!({"model": "m", "messages": [user("x")], "tool_choice": "auto"}));
        assert_eq!(e.param.as_deref(), Some("tool_choice"));
        let e = err(
            json!({"model": "m", "messages": [user("x")], "tools": [tool], "tool_choice": "always"}),
        );
        assert_eq!(e.code.as_deref(), Some("invalid_value"));
        let e = err(
            json!({"model": "m", "messages": [user("x")], "tools": [{"type": "function", "function": {}}]}),
        );
        assert_eq!(e.param.as_deref(), Some("tools[0].function.name"));
        let e = err(
            json!({"model": "m", "messages": [user("x")], "tools": [{"type": "function", "function": {"name": "bad name"}}]}),
        );
        assert_eq!(e.param.as_deref(), Some("tools[0].function.name"));
        let p = parse(
            &json!({"model": "m", "messages": [user("x")], "tools": [tool],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}),
            false,
        )
        .unwrap();
        assert_eq!(p.conv.choice, ToolChoice::Named("get_weather".into()));
    }

    #[test]
    fn validates_numbers_and_formats() {
        let base = |k: &str, v: Value| {
            let mut b = json!({"model": "m", "messages": [user("x")]});
            b[k] = v;
            b
        };
        assert_eq!(
            err(base("max_tokens", json!(0))).code.as_deref(),
            Some("integer_below_min_value")
        );
        assert_eq!(
            err(base("temperature", json!(3))).code.as_deref(),
            Some("decimal_above_max_value")
        );
        assert_eq!(err(base("n", json!(500))).code.as_deref(), Some("integer_above_max_value"));
        assert_eq!(
            err(base("stop", json!(["a", "b", "c", "d", "e"]))).param.as_deref(),
            Some("stop")
        );
        assert_eq!(
            err(base("response_format", json!({"type": "json_object"}))).param.as_deref(),
            Some("messages")
        );
        let e = err(base(
            "response_format",
            json!({"type": "json_schema", "json_schema": {"schema": {}}}),
        ));
        assert_eq!(e.param.as_deref(), Some("response_format.json_schema.name"));
        assert_eq!(
            err(base("prompt_cache_retention", json!("forever"))).code.as_deref(),
            Some("invalid_value")
        );
        assert!(parse(&base("prompt_cache_retention", json!("in_memory")), false).unwrap().cache);
        assert!(
            err(base("prompt_cache_retention", json!("in-memory"))).message.contains("in_memory")
        );
        assert!(
            parse(&base("metadata", json!({"prompt_cache_retention": "24h0m0s"})), false)
                .unwrap()
                .cache
        );
        assert_eq!(err(base("stream", json!("true"))).param.as_deref(), Some("stream"));
        assert!(parse(&base("stream", json!(true)), false).unwrap().stream.is_some());
    }
}
