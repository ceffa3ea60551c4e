//! Validation of a Bedrock Converse request body, producing the neutral [`Conversation`] and
//! the prompt segments (a `cachePoint` block ends a cacheable prefix).

use http::StatusCode;
use serde_json::{Map, Value};

use crate::cache::Segment;
use crate::reply::{Conversation, ToolChoice, ToolDef};
use crate::wire::WireError;

/// Members a Converse `ContentBlock` union may have.
const BLOCK_MEMBERS: [&str; 10] = [
    "text",
    "image",
    "document",
    "video",
    "toolUse",
    "toolResult",
    "guardContent",
    "cachePoint",
    "reasoningContent",
    "citationsContent",
];

/// A validated request.
#[derive(Debug)]
pub(super) struct Parsed {
    /// The neutral conversation.
    pub conv: Conversation,
    /// Prompt pieces in cache order: tools, system, messages.
    pub segments: Vec<Segment>,
    /// Whether Claude's thinking is on (the reply opens with a signed reasoning block).
    pub thinking: bool,
}

pub(super) fn invalid(message: impl Into<String>) -> WireError {
    WireError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

fn constraint(value: &str, at: &str, rule: &str) -> WireError {
    invalid(format!(
        "1 validation error detected: Value {value} at '{at}' failed to satisfy constraint: {rule}"
    ))
}

/// Validates the whole body of a call to `model`.
pub(super) fn parse(body: &Value, model: &str) -> Result<Parsed, WireError> {
    let Some(obj) = body.as_object() else {
        return Err(WireError::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "Start of structure or map found where not expected.",
        ));
    };
    let messages = messages(obj)?;
    let tools = tools(obj)?;
    let choice = tool_choice(obj, &tools)?;
    let uses_tools = messages
        .iter()
        .flat_map(blocks)
        .any(|b| b.get("toolUse").is_some() || b.get("toolResult").is_some());
    if uses_tools && obj.get("toolConfig").is_none() {
        return Err(invalid(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks.",
        ));
    }
    let (max_tokens, stop) = inference_config(obj)?;
    let thinking = super::claude::additional_fields(obj, model, max_tokens)?;
    let mut segments = Vec::new();
    let tool_list = obj.get("toolConfig").and_then(|t| t.get("tools")).and_then(Value::as_array);
    push_blocks(&mut segments, tool_list.into_iter().flatten());
    push_blocks(&mut segments, system(obj)?);
    push_blocks(&mut segments, messages.iter().flat_map(blocks));
    let (last_text, last_is_user_text) = last_text(messages);
    let conv = Conversation {
        last_text,
        last_is_user_text,
        prompt_tokens: segments.iter().map(|s| s.tokens).sum(),
        tools,
        choice,
        max_tokens,
        stop,
        format: Default::default(),
    };
    Ok(Parsed { conv, segments, thinking })
}

/// Appends one segment per block; a `cachePoint` marks the previous segment as a breakpoint.
fn push_blocks<'a>(segments: &mut Vec<Segment>, blocks: impl Iterator<Item = &'a Value>) {
    for b in blocks {
        if b.get("cachePoint").is_some() {
            if let Some(last) = segments.last_mut() {
                last.breakpoint = true;
            }
        } else {
            segments.push(Segment::of(b, false));
        }
    }
}

fn blocks(m: &Value) -> impl Iterator<Item = &Value> {
    m.get("content").and_then(Value::as_array).into_iter().flatten()
}

fn messages(obj: &Map<String, Value>) -> Result<&Vec<Value>, WireError> {
    let list = match obj.get("messages") {
        None | Some(Value::Null) => {
            return Err(constraint("null", "messages", "Member must not be null"));
        }
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(WireError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "Unexpected value type in payload: messages",
            ));
        }
    };
    let mut previous: Option<&str> = None;
    let mut open: Vec<String> = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
        if role != "user" && role != "assistant" {
            let shown = m
                .get("role")
                .map_or("null".to_owned(), |r| format!("'{}'", r.as_str().unwrap_or_default()));
            return Err(constraint(
                &shown,
                &format!("messages.{}.member.role", i + 1),
                "Member must satisfy enum value set: [user, assistant]",
            ));
        }
        match previous {
            None if role != "user" => return Err(must_start_with_user()),
            Some(p) if p == role => {
                return Err(invalid(
                    "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
                ));
            }
            _ => {}
        }
        open = check_content(i, role, m, &open)?;
        previous = Some(role);
    }
    if list.is_empty() {
        return Err(must_start_with_user());
    }
    Ok(list)
}

fn must_start_with_user() -> WireError {
    invalid(
        "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
    )
}

/// Checks one message's blocks; returns the ids of its `toolUse` blocks.
fn check_content(
    i: usize,
    role: &str,
    m: &Value,
    open: &[String],
) -> Result<Vec<String>, WireError> {
    let list = match m.get("content") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(invalid(format!(
                "The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again."
            )));
        }
        Some(_) => {
            return Err(WireError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "Unexpected value type in payload: content",
            ));
        }
    };
    let (mut uses, mut results) = (Vec::new(), Vec::new());
    for (j, b) in list.iter().enumerate() {
        let at = format!("messages.{i}.content.{j}");
        match block_member(&at, b)? {
            "text" if !b.get("text").is_some_and(Value::is_string) => {
                return Err(invalid(format!("{at}.text: expected a string")));
            }
            "toolUse" => uses.push(tool_use_id(&at, b.get("toolUse"), role, "assistant")?),
            "toolResult" => results.push(tool_use_id(&at, b.get("toolResult"), role, "user")?),
            "reasoningContent" => super::claude::check_reasoning(&at, role, b)?,
            _ => {}
        }
    }
    let missing: Vec<&str> =
        open.iter().filter(|u| !results.contains(u)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(invalid(format!(
            "Expected toolResult blocks at messages.{i}.content for the following Ids: {}",
            missing.join(", ")
        )));
    }
    if results.len() > open.len() {
        return Err(invalid(format!(
            "The number of toolResult blocks at messages.{i}.content exceeds the number of toolUse blocks of previous turn."
        )));
    }
    Ok(uses)
}

/// A content block is a union: exactly one known member.
fn block_member<'v>(at: &str, b: &'v Value) -> Result<&'v str, WireError> {
    let Some(obj) = b.as_object() else {
        return Err(invalid(format!("{at}: a ContentBlock must be an object")));
    };
    let mut keys = obj.keys();
    match (keys.next(), keys.next()) {
        (Some(k), None) if BLOCK_MEMBERS.contains(&k.as_str()) => Ok(k),
        (Some(k), None) => Err(invalid(format!("{at}: unknown ContentBlock member '{k}'"))),
        _ => Err(invalid(format!("{at}: a ContentBlock must set exactly one member"))),
    }
}

fn tool_use_id(
    at: &str,
    inner: Option<&Value>,
    role: &str,
    allowed: &str,
) -> Result<String, WireError> {
    if role != allowed {
        return Err(invalid(format!(
            "{at}: this block is not allowed in a message with role {role}"
        )));
    }
    let id = inner.and_then(|v| v.get("toolUseId")).and_then(Value::as_str);
    id.map(str::to_owned)
        .ok_or_else(|| constraint("null", &format!("{at}.toolUseId"), "Member must not be null"))
}

fn system(obj: &Map<String, Value>) -> Result<std::slice::Iter<'_, Value>, WireError> {
    match obj.get("system") {
        None | Some(Value::Null) => Ok([].iter()),
        Some(Value::Array(list)) => {
            for (i, b) in list.iter().enumerate() {
                let ok = b.get("text").is_some_and(Value::is_string)
                    || b.get("cachePoint").is_some()
                    || b.get("guardContent").is_some();
                if !ok {
                    return Err(invalid(format!(
                        "system.{i}: a SystemContentBlock must set text, cachePoint or guardContent"
                    )));
                }
            }
            Ok(list.iter())
        }
        Some(_) => Err(WireError::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "Unexpected value type in payload: system",
        )),
    }
}

fn inference_config(obj: &Map<String, Value>) -> Result<(Option<u64>, Vec<String>), WireError> {
    let Some(cfg) = obj.get("inferenceConfig").filter(|c| !c.is_null()) else {
        return Ok((None, Vec::new()));
    };
    let max_tokens = match cfg.get("maxTokens") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 1 => Some(n.unsigned_abs()),
            _ => {
                return Err(constraint(
                    &format!("'{v}'"),
                    "inferenceConfig.maxTokens",
                    "Member must have value greater than or equal to 1",
                ));
            }
        },
    };
    for key in ["temperature", "topP"] {
        let Some(v) = cfg.get(key).filter(|v| !v.is_null()) else { continue };
        match v.as_f64() {
            Some(x) if x < 0.0 => {
                return Err(constraint(
                    &format!("'{v}'"),
                    &format!("inferenceConfig.{key}"),
                    "Member must have value greater than or equal to 0",
                ));
            }
            Some(x) if x > 1.0 => {
                return Err(constraint(
                    &format!("'{v}'"),
                    &format!("inferenceConfig.{key}"),
                    "Member must have value less than or equal to 1",
                ));
            }
            Some(_) => {}
            None => {
                return Err(WireError::new(
                    StatusCode::BAD_REQUEST,
                    "SerializationException",
                    format!("Unexpected value type in payload: {key}"),
                ));
            }
        }
    }
    let stop = match cfg.get("stopSequences") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => {
            list.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        Some(_) => {
            return Err(WireError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "Unexpected value type in payload: stopSequences",
            ));
        }
    };
    Ok((max_tokens, stop))
}

fn tools(obj: &Map<String, Value>) -> Result<Vec<ToolDef>, WireError> {
    let Some(cfg) = obj.get("toolConfig").filter(|c| !c.is_null()) else {
        return Ok(Vec::new());
    };
    let list = match cfg.get("tools") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => {
            return Err(constraint(
                "'[]'",
                "toolConfig.tools",
                "Member must have length greater than or equal to 1",
            ));
        }
        _ => return Err(constraint("null", "toolConfig.tools", "Member must not be null")),
    };
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        if t.get("cachePoint").is_some() {
            continue;
        }
        let spec = t.get("toolSpec").ok_or_else(|| {
            invalid(format!("toolConfig.tools.{i}: a Tool must set toolSpec or cachePoint"))
        })?;
        let name = spec.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty()
            || name.len() > 64
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(constraint(
                &format!("'{name}'"),
                &format!("toolConfig.tools.{}.member.toolSpec.name", i + 1),
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
            ));
        }
        let schema =
            spec.pointer("/inputSchema/json").filter(|s| s.is_object()).ok_or_else(|| {
                constraint(
                    "null",
                    &format!("toolConfig.tools.{}.member.toolSpec.inputSchema", i + 1),
                    "Member must not be null",
                )
            })?;
        out.push(ToolDef { name: name.to_owned(), schema: schema.clone() });
    }
    Ok(out)
}

fn tool_choice(obj: &Map<String, Value>, tools: &[ToolDef]) -> Result<ToolChoice, WireError> {
    let Some(choice) =
        obj.get("toolConfig").and_then(|c| c.get("toolChoice")).filter(|c| !c.is_null())
    else {
        return Ok(ToolChoice::Auto);
    };
    let Some(map) = choice.as_object().filter(|m| m.len() == 1) else {
        return Err(invalid(
            "toolConfig.toolChoice: a ToolChoice must set exactly one of auto, any or tool",
        ));
    };
    if map.contains_key("auto") {
        return Ok(ToolChoice::Auto);
    }
    if map.contains_key("any") {
        return Ok(ToolChoice::Required);
    }
    let name = choice.pointer("/tool/name").and_then(Value::as_str).ok_or_else(|| {
        invalid("toolConfig.toolChoice: a ToolChoice must set exactly one of auto, any or tool (with a name)")
    })?;
    if !tools.iter().any(|t| t.name == name) {
        return Err(invalid(format!(
            "The tool {name} in toolChoice is not defined in toolConfig.tools."
        )));
    }
    Ok(ToolChoice::Named(name.to_owned()))
}

/// (text of the last message, whether it is user text rather than tool results).
fn last_text(messages: &[Value]) -> (String, bool) {
    let Some(last) = messages.last() else {
        return (String::new(), false);
    };
    let is_user = last.get("role").and_then(Value::as_str) == Some("user");
    let mut has_results = false;
    let mut texts = Vec::new();
    for b in blocks(last) {
        if let Some(t) = b.get("text").and_then(Value::as_str) {
            texts.push(t.to_owned());
        }
        if let Some(result) = b.get("toolResult") {
            has_results = true;
            let inner = result.get("content").and_then(Value::as_array).into_iter().flatten();
            texts.extend(inner.filter_map(|c| match (c.get("text"), c.get("json")) {
                (Some(Value::String(t)), _) => Some(t.clone()),
                (_, Some(j)) => Some(j.to_string()),
                _ => None,
            }));
        }
    }
    (texts.join(" "), is_user && !has_results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(text: &str) -> Value {
        json!({"role": "user", "content": [{"text": text}]})
    }

    fn parse(body: &Value) -> Result<Parsed, WireError> {
        super::parse(body, "amazon.nova-lite-v1:0")
    }

    fn err(body: Value) -> String {
        parse(&body).unwrap_err().message
    }

    #[test]
    fn accepts_a_minimal_request() {
        let p = parse(&json!({"messages": [user("hi you")], "inferenceConfig": {"maxTokens": 5}}))
            .unwrap();
        assert_eq!(
            (p.conv.last_text.as_str(), p.conv.max_tokens, p.conv.prompt_tokens),
            ("hi you", Some(5), 2)
        );
    }

    #[test]
    fn conversation_rules() {
        assert!(err(json!({})).contains("at 'messages'"));
        assert!(err(json!({"messages": []})).contains("must start with a user message"));
        assert!(
            err(json!({"messages": [{"role": "assistant", "content": [{"text": "x"}]}]}))
                .contains("must start with a user")
        );
        assert!(err(json!({"messages": [user("a"), user("b")]})).contains("alternate"));
        assert!(
            err(json!({"messages": [{"role": "bot", "content": [{"text": "x"}]}]}))
                .contains("messages.1.member.role")
        );
        assert!(
            err(json!({"messages": [{"role": "user", "content": []}]}))
                .contains("messages.0 is empty")
        );
        assert!(
            err(json!({"messages": [{"role": "user", "content": [{"sound": {}}]}]}))
                .contains("unknown ContentBlock member 'sound'")
        );
    }

    #[test]
    fn inference_config_bounds() {
        let e = err(json!({"messages": [user("x")], "inferenceConfig": {"maxTokens": 0}}));
        assert!(e.contains("inferenceConfig.maxTokens"), "{e}");
        let e = err(json!({"messages": [user("x")], "inferenceConfig": {"temperature": 1.5}}));
        assert!(e.contains("inferenceConfig.temperature"), "{e}");
    }

    #[test]
    fn tools_and_pairing() {
        let tools = json!({"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}]});
        let call = json!({"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {}}}]});
        let result = json!({"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "sunny"}]}}]});
        assert!(
            err(json!({"messages": [user("x"), call.clone(), result.clone()]}))
                .contains("toolConfig field must be defined")
        );
        assert!(
            err(json!({"messages": [user("x"), call.clone(), user("y")], "toolConfig": tools}))
                .contains("Expected toolResult blocks")
        );
        let p =
            parse(&json!({"messages": [user("x"), call, result], "toolConfig": tools})).unwrap();
        assert_eq!((p.conv.last_text.as_str(), p.conv.last_is_user_text), ("sunny", false));
        let bad = json!({"messages": [user("x")], "toolConfig": {"tools": [{"toolSpec": {"name": "w"}}]}});
        assert!(err(bad).contains("inputSchema"));
        let mut named = json!({"messages": [user("x")], "toolConfig": tools});
        named["toolConfig"]["toolChoice"] = json!({"tool": {"name": "get_weather"}});
        assert_eq!(parse(&named).unwrap().conv.choice, ToolChoice::Named("get_weather".into()));
        named["toolConfig"]["toolChoice"] = json!({"auto": {}, "any": {}});
        assert!(err(named).contains("exactly one"));
    }

    #[test]
    fn cache_points_mark_breakpoints() {
        let p = parse(&json!({"system": [{"text": "be brief"}, {"cachePoint": {"type": "default"}}], "messages": [user("x")]})).unwrap();
        assert_eq!(p.segments.len(), 2);
        assert!(p.segments[0].breakpoint && !p.segments[1].breakpoint);
    }
}
