//! gRPC request messages → the shared [`ConverseRequest`]: the same structure the HTTP door
//! decodes into, so validation, errors and the pipeline are shared. Presence is kept where the
//! proto has it (`optional` fields, the message and tool-call oneofs), so the checks of
//! spec §1.5 ("message type cannot be nil", "tool types cannot be nil") fire the same way.

use std::time::Duration;

use parlance_core::request::{FunctionCallIn, FunctionIn, Input, Message, ToolCallIn, ToolIn};
use parlance_core::wkt::{duration_to_json, struct_to_json};
use parlance_core::{ApiError, ConverseRequest, ErrorCode, Role};
use parlance_proto::runtime as pb;
use pb::conversation_message::MessageTypes;

/// Decodes an alpha1 `ConversationRequest`.
pub fn alpha1(r: pb::ConversationRequest) -> ConverseRequest {
    ConverseRequest {
        context_id: r.context_id,
        inputs: r.inputs.into_iter().map(alpha1_input).collect(),
        parameters: r.parameters,
        metadata: r.metadata,
        scrub_pii: r.scrub_pii.unwrap_or(false),
        temperature: r.temperature,
        ..ConverseRequest::default()
    }
}

fn alpha1_input(i: pb::ConversationInput) -> Input {
    let role = Role::from_alpha1(i.role.as_deref().unwrap_or(""));
    let message = Message::Legacy { role, content: i.content };
    Input { messages: vec![message], scrub_pii: i.scrub_pii.unwrap_or(false) }
}

/// Decodes an alpha2 `ConversationRequestAlpha2`; only a negative `prompt_cache_retention`
/// is refused here (everything else is the service's to check).
pub fn alpha2(r: pb::ConversationRequestAlpha2) -> Result<ConverseRequest, ApiError> {
    let inputs = r
        .inputs
        .into_iter()
        .map(|i| Input {
            messages: i.messages.into_iter().map(message).collect(),
            scrub_pii: i.scrub_pii.unwrap_or(false),
        })
        .collect();
    Ok(ConverseRequest {
        context_id: r.context_id,
        inputs,
        parameters: parlance_core::request::with_max_tokens(r.parameters, r.max_tokens)?,
        metadata: r.metadata,
        scrub_pii: r.scrub_pii.unwrap_or(false),
        temperature: r.temperature,
        tools: r.tools.into_iter().map(tool).collect(),
        tool_choice: r.tool_choice,
        response_format: r.response_format.as_ref().map(struct_to_json),
        prompt_cache_retention: r.prompt_cache_retention.map(retention).transpose()?,
        anthropic: Default::default(),
    })
}

fn texts(content: Vec<pb::ConversationMessageContent>) -> Vec<String> {
    content.into_iter().map(|c| c.text).collect()
}

fn message(m: pb::ConversationMessage) -> Message {
    match m.message_types {
        None => Message::Unset,
        Some(MessageTypes::OfDeveloper(d)) => Message::Developer(texts(d.content)),
        Some(MessageTypes::OfSystem(s)) => Message::System(texts(s.content)),
        Some(MessageTypes::OfUser(u)) => Message::User(texts(u.content)),
        Some(MessageTypes::OfAssistant(a)) => Message::Assistant {
            content: texts(a.content),
            tool_calls: a.tool_calls.into_iter().map(tool_call).collect(),
        },
        Some(MessageTypes::OfTool(t)) => {
            Message::Tool { tool_id: t.tool_id, name: t.name, content: texts(t.content) }
        }
    }
}

fn tool_call(c: pb::ConversationToolCalls) -> ToolCallIn {
    use pb::conversation_tool_calls::ToolTypes;
    let function = c
        .tool_types
        .map(|ToolTypes::Function(f)| FunctionCallIn { name: f.name, arguments: f.arguments });
    ToolCallIn { id: c.id, function }
}

fn tool(t: pb::ConversationTools) -> ToolIn {
    use pb::conversation_tools::ToolTypes;
    let function = t.tool_types.map(|ToolTypes::Function(f)| FunctionIn {
        name: f.name,
        description: f.description,
        parameters: f.parameters.as_ref().map(struct_to_json),
    });
    ToolIn { function }
}

fn retention(d: prost_types::Duration) -> Result<Duration, ApiError> {
    match (u64::try_from(d.seconds), u32::try_from(d.nanos)) {
        (Ok(s), Ok(n)) => Ok(Duration::new(s, n)),
        _ => Err(ApiError::new(
            ErrorCode::MalformedRequest,
            format!("prompt_cache_retention must not be negative: {}", duration_to_json(&d)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> pb::ConversationMessage {
        let content = vec![pb::ConversationMessageContent { text: text.into() }];
        let of_user = pb::ConversationMessageOfUser { name: None, content };
        pb::ConversationMessage { message_types: Some(MessageTypes::OfUser(of_user)) }
    }

    #[test]
    fn oneofs_keep_their_absence() {
        let tool_call = pb::ConversationToolCalls { id: Some("c".into()), tool_types: None };
        let assistant = pb::ConversationMessageOfAssistant {
            tool_calls: vec![tool_call],
            ..Default::default()
        };
        let messages = vec![
            user("hi"),
            pb::ConversationMessage { message_types: None },
            pb::ConversationMessage { message_types: Some(MessageTypes::OfAssistant(assistant)) },
        ];
        let input = pb::ConversationInputAlpha2 { messages, scrub_pii: Some(true) };
        let r = alpha2(pb::ConversationRequestAlpha2 { inputs: vec![input], ..Default::default() })
            .unwrap();
        let m = &r.inputs[0].messages;
        assert_eq!(m[0], Message::User(vec!["hi".into()]));
        assert_eq!(m[1], Message::Unset);
        assert!(
            matches!(&m[2], Message::Assistant { tool_calls, .. } if tool_calls[0].function.is_none())
        );
        assert!(r.inputs[0].scrub_pii);
    }

    #[test]
    fn negative_retention_is_refused() {
        let d = prost_types::Duration { seconds: -1, nanos: 0 };
        let r =
            pb::ConversationRequestAlpha2 { prompt_cache_retention: Some(d), ..Default::default() };
        assert_eq!(alpha2(r).unwrap_err().code, ErrorCode::MalformedRequest);
        let d = prost_types::Duration { seconds: 86_400, nanos: 0 };
        let r =
            pb::ConversationRequestAlpha2 { prompt_cache_retention: Some(d), ..Default::default() };
        assert_eq!(alpha2(r).unwrap().prompt_cache_retention, Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn alpha1_roles_map_like_http() {
        let input =
            pb::ConversationInput { content: "x".into(), role: Some("ai".into()), scrub_pii: None };
        let r = alpha1(pb::ConversationRequest { inputs: vec![input], ..Default::default() });
        assert_eq!(
            r.inputs[0].messages[0],
            Message::Legacy { role: Role::Assistant, content: "x".into() }
        );
    }
}
