//! A decoded request → a [`ChatRequest`], with daprd's checks in daprd's order (spec §1.5):
//! messages (`message type cannot be nil`, `tool types cannot be nil`), then the tool choice.

use parlance_core::request::{FunctionIn, Message};
use parlance_core::{
    ApiError, ChatMessage, ChatRequest, ConverseRequest, Part, ResponseFormat, Role, ToolCall,
    ToolChoice, ToolDef, ToolResult,
};
use serde_json::{Map, Value};

use crate::params;

const CHOICE_NEEDS_TOOLS: &str = "tool choice must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used";
const CHOICE_NOT_FOUND: &str = "tool choice selected was not found. Must be 'auto', 'none', 'required', or a specific tool name matching the tools available to be used";

/// Validates and flattens a request for `component`. `inputs` must already be non-empty.
pub fn to_chat(component: &str, req: &mut ConverseRequest) -> Result<ChatRequest, ApiError> {
    let invalid = |detail: &str| ApiError::invalid_params(component, detail);
    let messages = flatten(req).map_err(invalid)?;
    let tools: Vec<ToolDef> =
        req.tools.iter().filter_map(|t| t.function.as_ref()).map(tool_def).collect();
    let tool_choice = tool_choice(req.tool_choice.as_deref(), &tools).map_err(invalid)?;
    let params = params::generation(&req.parameters).map_err(|e| invalid(&e))?;
    Ok(ChatRequest {
        messages,
        tools,
        tool_choice,
        temperature: req.temperature.filter(|t| *t > 0.0),
        response_format: req.response_format.take().and_then(response_format),
        params,
        metadata: std::mem::take(&mut req.metadata),
        prompt_cache_retention: req.prompt_cache_retention,
        anthropic: std::mem::take(&mut req.anthropic),
        // Chosen by the service from `metadata.model` against the component's allow-list.
        model: None,
    })
}

fn flatten(req: &mut ConverseRequest) -> Result<Vec<ChatMessage>, &'static str> {
    let mut out = Vec::new();
    for input in &mut req.inputs {
        for message in input.messages.drain(..) {
            let mut m = message_to_chat(message)?;
            m.scrub = input.scrub_pii;
            out.push(m);
        }
    }
    Ok(out)
}

fn texts(content: Vec<String>) -> Vec<Part> {
    content.into_iter().map(Part::Text).collect()
}

fn message_to_chat(message: Message) -> Result<ChatMessage, &'static str> {
    let (role, parts) = match message {
        Message::Developer(c) | Message::User(c) => (Role::User, texts(c)),
        Message::System(c) => (Role::System, texts(c)),
        Message::Assistant { content, tool_calls } => {
            let mut parts = texts(content);
            for call in tool_calls {
                let f = call.function.ok_or("tool types cannot be nil")?;
                parts.push(Part::ToolCall(ToolCall {
                    id: call.id,
                    name: f.name,
                    arguments: f.arguments,
                }));
            }
            (Role::Assistant, parts)
        }
        Message::Tool { tool_id, name, content } => {
            let id = tool_id.unwrap_or_default();
            let result =
                |c| Part::ToolResult(ToolResult { id: id.clone(), name: name.clone(), content: c });
            (Role::Tool, content.into_iter().map(result).collect())
        }
        Message::Legacy { role, content } => (role, vec![Part::Text(content)]),
        Message::Anthropic { role, part } => (role, vec![Part::Anthropic(part)]),
        Message::Opaque(item) => (Role::Assistant, vec![Part::Opaque(item)]),
        Message::Unset => return Err("message type cannot be nil"),
    };
    Ok(ChatMessage { role, parts, scrub: false })
}

fn tool_def(f: &FunctionIn) -> ToolDef {
    ToolDef {
        name: f.name.clone(),
        description: f.description.clone(),
        parameters: f.parameters.clone().unwrap_or_default(),
    }
}

/// daprd's tool-choice rules; `any` is a tool name like any other, as in daprd.
fn tool_choice(
    choice: Option<&str>,
    tools: &[ToolDef],
) -> Result<Option<ToolChoice>, &'static str> {
    let has_tools = !tools.is_empty();
    match choice.unwrap_or("") {
        "" => Ok(has_tools.then_some(ToolChoice::Auto)),
        "auto" => Ok(Some(ToolChoice::Auto)),
        "none" => Ok(Some(ToolChoice::None)),
        "required" if has_tools => Ok(Some(ToolChoice::Required)),
        "required" => Err(CHOICE_NEEDS_TOOLS),
        name if has_tools && !tools.iter().any(|t| t.name == name) => Err(CHOICE_NOT_FOUND),
        name => Ok(Some(ToolChoice::Named(name.to_string()))),
    }
}

/// `responseFormat` is the JSON Schema itself; without a string `type` Dapr logs and goes on
/// without structured output, and so do we.
fn response_format(mut schema: Map<String, Value>) -> Option<ResponseFormat> {
    if !matches!(schema.get("type"), Some(Value::String(_))) {
        tracing::warn!("responseFormat has no string \"type\"; structured output ignored");
        return None;
    }
    let name = match schema.remove("name") {
        Some(Value::String(n)) if !n.is_empty() => n,
        _ => "response".to_string(),
    };
    let strict = matches!(schema.remove("strict"), Some(Value::Bool(true)));
    let description = schema.get("description").and_then(Value::as_str).map(str::to_string);
    Some(ResponseFormat { name, description, strict, schema })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::ErrorCode;
    use parlance_core::request::{FunctionCallIn, Input, ToolCallIn, ToolIn};
    use serde_json::json;

    fn req(messages: Vec<Message>) -> ConverseRequest {
        ConverseRequest { inputs: vec![Input { messages, scrub_pii: true }], ..Default::default() }
    }

    fn tool(name: &str) -> ToolIn {
        ToolIn { function: Some(FunctionIn { name: name.into(), ..Default::default() }) }
    }

    #[test]
    fn unset_message_is_invalid_params() {
        let e = to_chat("echo", &mut req(vec![Message::Unset])).unwrap_err();
        assert_eq!(e.code, ErrorCode::ConversationInvalidParams);
        assert!(e.message.ends_with("invalid params: message type cannot be nil"));
    }

    #[test]
    fn tool_call_without_function_is_invalid_params() {
        let m = Message::Assistant {
            content: vec![],
            tool_calls: vec![ToolCallIn { id: Some("call_123".into()), function: None }],
        };
        let e = to_chat("echo", &mut req(vec![m])).unwrap_err();
        assert!(e.message.contains("tool types cannot be nil"));
    }

    #[test]
    fn tool_choice_rules() {
        let mut r = req(vec![Message::User(vec!["hello".into()])]);
        r.tool_choice = Some("required".into());
        assert!(
            to_chat("echo", &mut r.clone()).unwrap_err().message.contains("tool choice must be")
        );
        r.tools = vec![tool("other_tool")];
        r.tool_choice = Some("missing_tool".into());
        assert!(
            to_chat("echo", &mut r.clone())
                .unwrap_err()
                .message
                .contains("tool choice selected was not found")
        );
        r.tool_choice = None;
        assert_eq!(to_chat("echo", &mut r.clone()).unwrap().tool_choice, Some(ToolChoice::Auto));
        r.tools.clear();
        r.tool_choice = Some("named".into());
        assert_eq!(
            to_chat("echo", &mut r).unwrap().tool_choice,
            Some(ToolChoice::Named("named".into()))
        );
    }

    #[test]
    fn flattening_keeps_order_roles_and_scrub_flags() {
        let tool_msg = Message::Tool {
            tool_id: Some("t1".into()),
            name: "f".into(),
            content: vec!["a".into(), "b".into()],
        };
        let asst = Message::Assistant {
            content: vec!["x".into()],
            tool_calls: vec![ToolCallIn {
                id: None,
                function: Some(FunctionCallIn { name: "f".into(), arguments: "{}".into() }),
            }],
        };
        let chat =
            to_chat("echo", &mut req(vec![Message::Developer(vec!["d".into()]), asst, tool_msg]))
                .unwrap();
        assert_eq!(chat.messages[0].role, Role::User);
        assert_eq!(chat.messages[1].parts.len(), 2);
        assert_eq!(chat.messages[2].parts.len(), 2);
        assert!(chat.messages.iter().all(|m| m.scrub));
    }

    #[test]
    fn response_format_needs_a_type() {
        assert!(response_format(json!({"properties": {}}).as_object().cloned().unwrap()).is_none());
        let f = response_format(
            json!({"type": "object", "name": "calc", "strict": true}).as_object().cloned().unwrap(),
        )
        .unwrap();
        assert_eq!((f.name.as_str(), f.strict), ("calc", true));
        assert!(!f.schema.contains_key("name"));
    }

    #[test]
    fn temperature_zero_is_not_sent() {
        let mut r = req(vec![Message::User(vec!["x".into()])]);
        r.temperature = Some(0.0);
        assert_eq!(to_chat("e", &mut r).unwrap().temperature, None);
    }
}
