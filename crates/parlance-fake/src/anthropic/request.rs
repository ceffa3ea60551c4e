//! Validation of an Anthropic Messages request body, producing the neutral [`Conversation`]
//! and the prompt segments for the caching simulation (breakpoints at `cache_control`).
//! Messages follow the real API's `path: problem` wording.

use http::StatusCode;
use serde_json::{Map, Value};

use crate::cache::Segment;
use crate::reply::{Conversation, ToolChoice, ToolDef};
use crate::wire::WireError;

/// The most `cache_control` breakpoints a request may carry.
const MAX_BREAKPOINTS: usize = 4;

/// A validated request.
#[derive(Debug)]
pub(super) struct Parsed {
    /// The neutral conversation.
    pub conv: Conversation,
    /// Requested model.
    pub model: String,
    /// Prompt pieces in cache order: tools, system, messages.
    pub segments: Vec<Segment>,
    /// Whether the request streams (`"stream": true`).
    pub stream: bool,
    /// Whether the `thinking` option is on (the reply opens with a signed thinking block).
    pub thinking: bool,
}

pub(crate) fn invalid(message: impl Into<String>) -> WireError {
    WireError::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

fn required(path: &str) -> WireError {
    invalid(format!("{path}: Field required"))
}

/// Validates the whole body of `POST …/messages`.
pub(super) fn parse(body: &Value) -> Result<Parsed, WireError> {
    parse_as(body, false)
}

/// Validates a body: `count` is `POST …/messages/count_tokens`, where `max_tokens` is not
/// needed.
pub(super) fn parse_as(body: &Value, count: bool) -> Result<Parsed, WireError> {
    let Some(obj) = body.as_object() else {
        return Err(invalid("Input should be a valid dictionary or object to extract fields from"));
    };
    let model = match obj.get("model") {
        Some(Value::String(m)) => m.clone(),
        None => return Err(required("model")),
        Some(_) => return Err(invalid("model: Input should be a valid string")),
    };
    let max_tokens = match obj.get("max_tokens") {
        None if count => i64::MAX,
        None => return Err(required("max_tokens")),
        Some(v) => {
            v.as_i64().ok_or_else(|| invalid("max_tokens: Input should be a valid integer"))?
        }
    };
    if max_tokens < 1 {
        return Err(invalid("max_tokens: Input should be greater than or equal to 1"));
    }
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("stream: Input should be a valid boolean")),
    };
    let thinking = super::thinking::enabled(obj, max_tokens)?;
    let messages = messages(obj)?;
    let tools = tools(obj)?;
    let choice = tool_choice(obj, &tools)?;
    check_sampling(obj)?;
    let mut segments = Vec::new();
    segments.extend(
        obj.get("tools").and_then(Value::as_array).into_iter().flatten().map(cached_segment),
    );
    segments.extend(system(obj)?);
    for m in messages {
        segments.extend(content_segments(m.get("content")));
    }
    let breakpoints = segments.iter().filter(|s| s.breakpoint).count();
    if breakpoints > MAX_BREAKPOINTS {
        return Err(invalid(format!(
            "A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {breakpoints}."
        )));
    }
    let (last_text, last_is_user_text) = last_text(messages);
    let conv = Conversation {
        last_text,
        last_is_user_text,
        prompt_tokens: segments.iter().map(|s| s.tokens).sum(),
        tools,
        choice,
        max_tokens: Some(max_tokens.unsigned_abs()),
        stop: stop_sequences(obj)?,
        format: Default::default(),
    };
    Ok(Parsed { conv, model, segments, stream, thinking })
}

fn cached_segment(block: &Value) -> Segment {
    Segment::of(block, block.get("cache_control").is_some_and(|c| !c.is_null()))
}

fn content_segments(content: Option<&Value>) -> Vec<Segment> {
    match content {
        Some(Value::Array(blocks)) => blocks.iter().map(cached_segment).collect(),
        Some(other) => vec![Segment::of(other, false)],
        None => Vec::new(),
    }
}

fn system(obj: &Map<String, Value>) -> Result<Vec<Segment>, WireError> {
    match obj.get("system") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(s @ Value::String(_)) => Ok(vec![Segment::of(s, false)]),
        Some(Value::Array(blocks)) => {
            for (i, b) in blocks.iter().enumerate() {
                if b.get("type").and_then(Value::as_str) != Some("text") {
                    return Err(invalid(format!("system.{i}.type: Input should be 'text'")));
                }
                text_of(&format!("system.{i}"), b)?;
                check_cache_control(&format!("system.{i}"), b)?;
            }
            Ok(blocks.iter().map(cached_segment).collect())
        }
        Some(_) => Err(invalid("system: Input should be a valid string or a valid list")),
    }
}

fn messages(obj: &Map<String, Value>) -> Result<&Vec<Value>, WireError> {
    let list = match obj.get("messages") {
        None => return Err(required("messages")),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("messages: Input should be a valid list")),
    };
    if list.is_empty() {
        return Err(invalid("messages: at least one message is required"));
    }
    let mut previous: Option<&str> = None;
    let mut open_tool_uses: Vec<String> = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let role = role(i, m)?;
        match (previous, role) {
            (None, "assistant") => {
                return Err(invalid("messages: first message must use the \"user\" role"));
            }
            (Some(p), r) if p == r => {
                return Err(invalid(format!(
                    "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"{r}\" roles in a row"
                )));
            }
            _ => {}
        }
        open_tool_uses = check_content(i, role, m.get("content"), &open_tool_uses)?;
        previous = Some(role);
    }
    Ok(list)
}

fn role(i: usize, m: &Value) -> Result<&str, WireError> {
    match m.get("role") {
        Some(Value::String(r)) if r == "user" || r == "assistant" => Ok(r),
        Some(Value::String(r)) if r == "system" => Err(invalid(
            "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.",
        )),
        None => Err(required(&format!("messages.{i}.role"))),
        Some(_) => {
            Err(invalid(format!("messages.{i}.role: Input should be 'user' or 'assistant'")))
        }
    }
}

/// Checks one message's content; returns the ids of its `tool_use` blocks.
fn check_content(
    i: usize,
    role: &str,
    content: Option<&Value>,
    open: &[String],
) -> Result<Vec<String>, WireError> {
    let blocks = match content {
        None => return Err(required(&format!("messages.{i}.content"))),
        Some(Value::String(s)) if s.is_empty() && role == "user" => {
            return Err(invalid("messages: text content blocks must be non-empty"));
        }
        Some(Value::String(_)) => &Vec::new(),
        Some(Value::Array(blocks)) => blocks,
        Some(_) => {
            return Err(invalid(format!(
                "messages.{i}.content: Input should be a valid string or a valid list"
            )));
        }
    };
    let mut results = Vec::new();
    let mut uses = Vec::new();
    for (j, b) in blocks.iter().enumerate() {
        let at = format!("messages.{i}.content.{j}");
        check_cache_control(&at, b)?;
        match block_type(&at, b)? {
            "text" => non_empty_text(&at, b)?,
            "tool_use" => uses.push(tool_use(&at, role, b)?),
            "tool_result" => results.push(tool_result(&at, role, b)?),
            kind @ ("thinking" | "redacted_thinking") => {
                super::thinking::check_block(&at, role, kind, b)?
            }
            _ => {}
        }
    }
    check_pairing(i, role, open, &results)?;
    Ok(uses)
}

fn block_type<'v>(at: &str, b: &'v Value) -> Result<&'v str, WireError> {
    const KNOWN: [&str; 7] =
        ["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"];
    match b.get("type") {
        Some(Value::String(t)) if KNOWN.contains(&t.as_str()) => Ok(t),
        Some(Value::String(t)) => Err(invalid(format!(
            "{at}.type: Input tag '{t}' found using 'type' does not match any of the expected tags: 'text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'"
        ))),
        None => Err(required(&format!("{at}.type"))),
        Some(_) => Err(invalid(format!("{at}.type: Input should be a valid string"))),
    }
}

fn non_empty_text(at: &str, b: &Value) -> Result<(), WireError> {
    match text_of(at, b)? {
        "" => Err(invalid("messages: text content blocks must be non-empty")),
        _ => Ok(()),
    }
}

fn text_of<'v>(at: &str, b: &'v Value) -> Result<&'v str, WireError> {
    match b.get("text") {
        Some(Value::String(t)) => Ok(t),
        None => Err(required(&format!("{at}.text"))),
        Some(_) => Err(invalid(format!("{at}.text: Input should be a valid string"))),
    }
}

fn tool_use(at: &str, role: &str, b: &Value) -> Result<String, WireError> {
    if role != "assistant" {
        return Err(invalid(format!(
            "{at}: tool_use blocks can only appear in assistant messages"
        )));
    }
    for key in ["id", "name"] {
        if b.get(key).and_then(Value::as_str).is_none() {
            return Err(required(&format!("{at}.{key}")));
        }
    }
    if !b.get("input").is_some_and(Value::is_object) {
        return Err(invalid(format!("{at}.input: Input should be a valid dictionary")));
    }
    Ok(b.get("id").and_then(Value::as_str).unwrap_or_default().to_owned())
}

fn tool_result(at: &str, role: &str, b: &Value) -> Result<String, WireError> {
    if role != "user" {
        return Err(invalid(format!("{at}: tool_result blocks can only appear in user messages")));
    }
    let id = b
        .get("tool_use_id")
        .and_then(Value::as_str)
        .ok_or_else(|| required(&format!("{at}.tool_use_id")))?;
    match b.get("content") {
        None | Some(Value::Null | Value::String(_) | Value::Array(_)) => Ok(id.to_owned()),
        Some(_) => {
            Err(invalid(format!("{at}.content: Input should be a valid string or a valid list")))
        }
    }
}

/// Every `tool_use` of the previous assistant message needs a `tool_result` here, and back.
fn check_pairing(
    i: usize,
    role: &str,
    open: &[String],
    results: &[String],
) -> Result<(), WireError> {
    if let Some(stray) = results.iter().find(|r| !open.contains(r)) {
        return Err(invalid(format!(
            "messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: {stray}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
        )));
    }
    let missing: Vec<&str> =
        open.iter().filter(|u| !results.contains(u)).map(String::as_str).collect();
    if role == "user" && !missing.is_empty() {
        return Err(invalid(format!(
            "messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
            missing.join(", ")
        )));
    }
    Ok(())
}

fn check_cache_control(at: &str, b: &Value) -> Result<(), WireError> {
    match b.get("cache_control") {
        None | Some(Value::Null) => Ok(()),
        Some(cc) if cc.get("type").and_then(Value::as_str) == Some("ephemeral") => Ok(()),
        Some(_) => Err(invalid(format!("{at}.cache_control.type: Input should be 'ephemeral'"))),
    }
}

fn tools(obj: &Map<String, Value>) -> Result<Vec<ToolDef>, WireError> {
    let list = match obj.get("tools") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("tools: Input should be a valid list")),
    };
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let kind = t.get("type").and_then(Value::as_str).unwrap_or("custom");
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| required(&format!("tools.{i}.name")))?;
        if kind != "custom" {
            continue; // server tools (web search, …) carry no input schema
        }
        if name.is_empty()
            || name.len() > 128
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(format!(
                "tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
            )));
        }
        let schema = match t.get("input_schema") {
            Some(s @ Value::Object(_)) => s.clone(),
            None => return Err(required(&format!("tools.{i}.custom.input_schema"))),
            Some(_) => {
                return Err(invalid(format!(
                    "tools.{i}.custom.input_schema: Input should be a valid dictionary"
                )));
            }
        };
        check_cache_control(&format!("tools.{i}"), t)?;
        out.push(ToolDef { name: name.to_owned(), schema });
    }
    Ok(out)
}

fn tool_choice(obj: &Map<String, Value>, tools: &[ToolDef]) -> Result<ToolChoice, WireError> {
    let choice = match obj.get("tool_choice") {
        None | Some(Value::Null) => return Ok(ToolChoice::Auto),
        Some(c @ Value::Object(_)) => c,
        Some(_) => {
            return Err(invalid(
                "tool_choice: Input should be a valid dictionary or object to extract fields from",
            ));
        }
    };
    let choice = match choice.get("type").and_then(Value::as_str) {
        Some("auto") => ToolChoice::Auto,
        Some("none") => ToolChoice::None,
        Some("any") => ToolChoice::Required,
        Some("tool") => {
            let name = choice
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| required("tool_choice.tool.name"))?;
            ToolChoice::Named(name.to_owned())
        }
        Some(t) => {
            return Err(invalid(format!(
                "tool_choice.type: Input tag '{t}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'"
            )));
        }
        None => return Err(required("tool_choice.type")),
    };
    match &choice {
        ToolChoice::Required | ToolChoice::Named(_) if tools.is_empty() => {
            Err(invalid("tool_choice: tool_choice may only be specified while providing tools"))
        }
        ToolChoice::Named(name) if !tools.iter().any(|t| &t.name == name) => {
            Err(invalid(format!("tool_choice: Tool '{name}' not found in provided tools")))
        }
        _ => Ok(choice),
    }
}

fn stop_sequences(obj: &Map<String, Value>) -> Result<Vec<String>, WireError> {
    match obj.get("stop_sequences") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_str().map(str::to_owned).ok_or_else(|| {
                    invalid(format!("stop_sequences.{i}: Input should be a valid string"))
                })
            })
            .collect(),
        Some(_) => Err(invalid("stop_sequences: Input should be a valid list")),
    }
}

fn check_sampling(obj: &Map<String, Value>) -> Result<(), WireError> {
    for key in ["temperature", "top_p"] {
        let Some(v) = obj.get(key).filter(|v| !v.is_null()) else { continue };
        let x =
            v.as_f64().ok_or_else(|| invalid(format!("{key}: Input should be a valid number")))?;
        if x < 0.0 {
            return Err(invalid(format!("{key}: Input should be greater than or equal to 0")));
        }
        if x > 1.0 {
            return Err(invalid(format!("{key}: Input should be less than or equal to 1")));
        }
    }
    Ok(())
}

/// (text of the last message, whether it is user text rather than tool results).
fn last_text(messages: &[Value]) -> (String, bool) {
    let Some(last) = messages.last() else {
        return (String::new(), false);
    };
    let is_user = last.get("role").and_then(Value::as_str) == Some("user");
    match last.get("content") {
        Some(Value::String(s)) => (s.clone(), is_user),
        Some(Value::Array(blocks)) => {
            let has_results =
                blocks.iter().any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"));
            let texts: Vec<String> = blocks.iter().filter_map(block_text).collect();
            (texts.join(" "), is_user && !has_results)
        }
        _ => (String::new(), false),
    }
}

/// The text of a text block or of a tool result's content.
fn block_text(b: &Value) -> Option<String> {
    match b.get("type").and_then(Value::as_str) {
        Some("text") => b.get("text").and_then(Value::as_str).map(str::to_owned),
        Some("tool_result") => match b.get("content") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(inner)) => {
                Some(inner.iter().filter_map(block_text).collect::<Vec<_>>().join(" "))
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(messages: Value) -> Value {
        json!({"model": "claude-sonnet-4-20250514", "max_tokens": 100, "messages": messages})
    }

    fn err(b: Value) -> String {
        parse(&b).unwrap_err().message
    }

    #[test]
    fn accepts_a_minimal_request() {
        let p = parse(&body(json!([{"role": "user", "content": "hello world"}]))).unwrap();
        assert_eq!(p.conv.last_text, "hello world");
        assert_eq!((p.conv.prompt_tokens, p.conv.max_tokens), (2, Some(100)));
    }

    #[test]
    fn required_fields() {
        assert_eq!(
            err(json!({"model": "m", "messages": [{"role": "user", "content": "x"}]})),
            "max_tokens: Field required"
        );
        assert_eq!(err(json!({"model": "m", "max_tokens": 5})), "messages: Field required");
        assert_eq!(err(json!({"max_tokens": 5, "messages": []})), "model: Field required");
        assert_eq!(err(body(json!([]))), "messages: at least one message is required");
        assert_eq!(
            err(json!({"model": "m", "max_tokens": "a", "messages": []})),
            "max_tokens: Input should be a valid integer"
        );
    }

    #[test]
    fn roles_alternate_from_user() {
        assert!(
            err(body(json!([{"role": "assistant", "content": "x"}]))).contains("first message")
        );
        assert!(
            err(body(json!([{"role": "user", "content": "x"}, {"role": "user", "content": "y"}])))
                .contains("alternate")
        );
        assert!(
            err(body(json!([{"role": "system", "content": "x"}]))).contains("top-level `system`")
        );
        assert_eq!(
            err(body(json!([{"role": "bot", "content": "x"}]))),
            "messages.0.role: Input should be 'user' or 'assistant'"
        );
    }

    #[test]
    fn blocks_are_checked() {
        assert!(
            err(body(json!([{"role": "user", "content": [{"type": "video"}]}])))
                .starts_with("messages.0.content.0.type: Input tag 'video'")
        );
        assert_eq!(
            err(body(json!([{"role": "user", "content": [{"type": "text"}]}]))),
            "messages.0.content.0.text: Field required"
        );
        let uses = json!([
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "w", "input": {}}]},
            {"role": "user", "content": "no result"}
        ]);
        assert!(err(body(uses)).contains("toolu_1"));
        let stray = json!([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}]}]);
        assert!(err(body(stray)).contains("toolu_9"));
        let ok = json!([
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "w", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "sunny"}]}]}
        ]);
        let p = parse(&body(ok)).unwrap();
        assert_eq!((p.conv.last_text.as_str(), p.conv.last_is_user_text), ("sunny", false));
    }

    #[test]
    fn tools_and_choice() {
        let mut b = body(json!([{"role": "user", "content": "x"}]));
        b["tools"] = json!([{"name": "w"}]);
        assert_eq!(err(b.clone()), "tools.0.custom.input_schema: Field required");
        b["tools"] = json!([{"name": "w", "input_schema": {"type": "object"}}]);
        b["tool_choice"] = json!("auto");
        assert_eq!(
            err(b.clone()),
            "tool_choice: Input should be a valid dictionary or object to extract fields from"
        );
        b["tool_choice"] = json!({"type": "tool", "name": "w"});
        assert_eq!(parse(&b).unwrap().conv.choice, ToolChoice::Named("w".into()));
        b["tool_choice"] = json!({"type": "tool", "name": "nope"});
        assert!(err(b).contains("nope"));
    }

    #[test]
    fn system_and_cache_breakpoints() {
        let mut b = body(
            json!([{"role": "user", "content": [{"type": "text", "text": "q", "cache_control": {"type": "ephemeral"}}]}]),
        );
        b["system"] =
            json!([{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}]);
        let p = parse(&b).unwrap();
        assert_eq!(p.segments.iter().filter(|s| s.breakpoint).count(), 2);
        assert_eq!(p.conv.prompt_tokens, 3);
        b["system"] = json!([{"type": "text", "text": "x", "cache_control": {"type": "forever"}}]);
        assert_eq!(err(b.clone()), "system.0.cache_control.type: Input should be 'ephemeral'");
        let five: Vec<Value> = (0..5).map(|i| json!({"type": "text", "text": format!("t{i}"), "cache_control": {"type": "ephemeral"}})).collect();
        b["system"] = Value::Array(five);
        assert!(err(b).starts_with("A maximum of 4 blocks"));
    }
}
