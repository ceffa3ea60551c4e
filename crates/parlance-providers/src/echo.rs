//! `conversation.echo`: Dapr's test component, reproduced byte for byte (spec §3.3).
//!
//! It answers with the texts it was sent, offers one tool call per tool (arguments: the sorted
//! property names of the tool's schema), replays history tool calls, and counts words as usage.

use async_trait::async_trait;
use parlance_core::{
    CallContext, ChatRequest, ChatResponse, Choice, FailureKind, Part, Provider, ProviderError,
    ToolCall, ToolDef, Usage,
};
use serde_json::Value;

/// The echo provider. It has no configuration.
#[derive(Debug, Default, Clone, Copy)]
pub struct Echo;

#[async_trait]
impl Provider for Echo {
    async fn converse(
        &self,
        request: &ChatRequest,
        _ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError> {
        echo(request)
    }

    fn model(&self) -> Option<&str> {
        None
    }
}

/// The echo reply to a request; pure, so tests and benchmarks can call it directly.
pub fn echo(request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
    let mut tool_calls = tool_offers(&request.tools)?;
    let mut texts: Vec<String> = Vec::new();
    for part in request.messages.iter().flat_map(|m| &m.parts) {
        match part {
            Part::Text(t) => texts.push(t.clone()),
            Part::ToolCall(call) => tool_calls.push(call.clone()),
            Part::ToolResult(r) => texts.push(format!(
                "Tool Response for tool ID '{}' with name '{}': {}",
                r.id, r.name, r.content
            )),
        }
    }
    let content = texts.join("\n");
    let words = content.split_whitespace().count() as u64;
    let finish_reason = if tool_calls.is_empty() { "stop" } else { "tool_calls" };
    let choice = Choice { index: 0, finish_reason: finish_reason.into(), content, tool_calls };
    let usage = Usage {
        completion_tokens: words,
        prompt_tokens: words,
        total_tokens: 2 * words,
        ..Usage::default()
    };
    Ok(ChatResponse { choices: vec![choice], usage: Some(usage), model: None })
}

/// One tool call per tool: id = position, arguments = sorted property names joined by `,`.
fn tool_offers(tools: &[ToolDef]) -> Result<Vec<ToolCall>, ProviderError> {
    tools.iter().enumerate().map(|(i, tool)| offer(i, tool)).collect()
}

fn offer(index: usize, tool: &ToolDef) -> Result<ToolCall, ProviderError> {
    let names = match tool.parameters.get("properties") {
        None => Vec::new(),
        Some(Value::Object(props)) => {
            let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
            names.sort_unstable();
            names
        }
        Some(_) => {
            return Err(ProviderError::permanent(
                FailureKind::InvalidRequest,
                format!("tool {:?}: parameters.properties is not an object", tool.name),
            ));
        }
    };
    Ok(ToolCall {
        id: Some(index.to_string()),
        name: tool.name.clone(),
        arguments: names.join(","),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::{ChatMessage, Role, ToolResult};
    use serde_json::json;

    fn tool(name: &str, params: Value) -> ToolDef {
        let parameters = params.as_object().cloned().unwrap_or_default();
        ToolDef { name: name.into(), description: None, parameters }
    }

    #[test]
    fn joins_texts_and_counts_words() {
        let req = ChatRequest {
            messages: vec![
                ChatMessage {
                    role: Role::User,
                    parts: vec![
                        Part::Text("first message".into()),
                        Part::Text("second message".into()),
                    ],
                    scrub: false,
                },
                ChatMessage::text(Role::User, "third message"),
            ],
            ..ChatRequest::default()
        };
        let resp = echo(&req).unwrap();
        assert_eq!(resp.choices[0].content, "first message\nsecond message\nthird message");
        assert_eq!(resp.choices[0].finish_reason, "stop");
        assert_eq!(resp.usage.unwrap().total_tokens, 12);
    }

    #[test]
    fn offers_tools_with_sorted_argument_names() {
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, "hello echo")],
            tools: vec![tool(
                "myfunc",
                json!({"properties": {"unit": {}, "name": {}, "location": {}}}),
            )],
            ..ChatRequest::default()
        };
        let resp = echo(&req).unwrap();
        let call = &resp.choices[0].tool_calls[0];
        assert_eq!(
            (call.id.as_deref(), call.name.as_str(), call.arguments.as_str()),
            (Some("0"), "myfunc", "location,name,unit")
        );
        assert_eq!(resp.choices[0].finish_reason, "tool_calls");
    }

    #[test]
    fn tool_results_become_text() {
        let result =
            ToolResult { id: "myid".into(), name: "myfunc".into(), content: "Dapr".into() };
        let req = ChatRequest {
            messages: vec![
                ChatMessage::text(Role::User, "hello echo"),
                ChatMessage {
                    role: Role::Tool,
                    parts: vec![Part::ToolResult(result)],
                    scrub: false,
                },
            ],
            ..ChatRequest::default()
        };
        let resp = echo(&req).unwrap();
        assert_eq!(
            resp.choices[0].content,
            "hello echo\nTool Response for tool ID 'myid' with name 'myfunc': Dapr"
        );
        assert!(resp.choices[0].tool_calls.is_empty());
    }

    #[test]
    fn properties_that_are_not_an_object_fail() {
        let req = ChatRequest {
            tools: vec![tool("f", json!({"properties": [1]}))],
            ..ChatRequest::default()
        };
        assert_eq!(echo(&req).unwrap_err().kind, FailureKind::InvalidRequest);
    }
}
