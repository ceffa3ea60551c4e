//! The service's answer → gRPC response messages, with the semantics of the HTTP encoder:
//! each choice becomes one output holding exactly that choice, model and usage are copied onto
//! every output, the context id is echoed when non-empty, and alpha1 echoes the parameters.
//! The reply is consumed: its strings move into the messages rather than being copied.

use std::collections::BTreeMap;

use parlance_core::{ChatResponse, Choice, ToolCall, Usage};
use parlance_proto::runtime as pb;

/// Alpha1 `ConversationResponse`.
pub fn alpha1(
    context_id: Option<String>,
    chat: ChatResponse,
    parameters: &BTreeMap<String, prost_types::Any>,
) -> pb::ConversationResponse {
    let outputs = chat
        .choices
        .into_iter()
        .map(|c| pb::ConversationResult { result: c.content, parameters: parameters.clone() })
        .collect();
    pb::ConversationResponse { context_id, outputs }
}

/// Alpha2 `ConversationResponseAlpha2`.
pub fn alpha2(context_id: Option<String>, chat: ChatResponse) -> pb::ConversationResponseAlpha2 {
    let model = chat.model.filter(|m| !m.is_empty());
    let usage = chat.usage.as_ref().map(usage);
    let outputs = chat
        .choices
        .into_iter()
        .map(|c| pb::ConversationResultAlpha2 {
            choices: vec![choice(c)],
            model: model.clone(),
            usage,
        })
        .collect();
    pb::ConversationResponseAlpha2 { context_id, outputs }
}

fn choice(c: Choice) -> pb::ConversationResultChoices {
    let message = pb::ConversationResultMessage {
        content: c.content,
        tool_calls: c.tool_calls.into_iter().map(tool_call).collect(),
    };
    pb::ConversationResultChoices {
        finish_reason: c.finish_reason,
        index: c.index,
        message: Some(message),
    }
}

fn tool_call(t: ToolCall) -> pb::ConversationToolCalls {
    use pb::conversation_tool_calls::ToolTypes;
    let function = pb::ConversationToolCallsOfFunction { name: t.name, arguments: t.arguments };
    pb::ConversationToolCalls { id: t.id, tool_types: Some(ToolTypes::Function(function)) }
}

/// Dapr's usage message.
pub(crate) fn usage(u: &Usage) -> pb::ConversationResultAlpha2CompletionUsage {
    let completion_tokens_details = u.completion_details.as_ref().map(|d| {
        pb::ConversationResultAlpha2CompletionUsageCompletionTokensDetails {
            accepted_prediction_tokens: d.accepted_prediction_tokens,
            audio_tokens: d.audio_tokens,
            reasoning_tokens: d.reasoning_tokens,
            rejected_prediction_tokens: d.rejected_prediction_tokens,
        }
    });
    let prompt_tokens_details = u.reported_prompt_details().map(|d| {
        pb::ConversationResultAlpha2CompletionUsagePromptTokensDetails {
            audio_tokens: d.audio_tokens,
            cached_tokens: d.cached_tokens,
        }
    });
    pb::ConversationResultAlpha2CompletionUsage {
        completion_tokens: u.completion_tokens,
        prompt_tokens: u.prompt_tokens,
        total_tokens: u.total_tokens,
        completion_tokens_details,
        prompt_tokens_details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat() -> ChatResponse {
        let choice = |i: i64| Choice {
            index: i,
            finish_reason: "stop".into(),
            content: format!("c{i}"),
            ..Choice::default()
        };
        ChatResponse {
            choices: vec![choice(0), choice(1)],
            usage: Some(Usage {
                completion_tokens: 1,
                prompt_tokens: 2,
                total_tokens: 3,
                ..Usage::default()
            }),
            model: Some("m".into()),
        }
    }

    #[test]
    fn one_output_per_choice_with_model_and_usage_copied() {
        let r = alpha2(Some("ctx".into()), chat());
        assert_eq!(r.context_id.as_deref(), Some("ctx"));
        assert_eq!(r.outputs.len(), 2);
        for (i, o) in r.outputs.iter().enumerate() {
            assert_eq!(o.choices.len(), 1);
            assert_eq!(o.choices[0].index, i as i64);
            assert_eq!(o.model.as_deref(), Some("m"));
            assert_eq!(o.usage.as_ref().map(|u| u.total_tokens), Some(3));
        }
    }

    #[test]
    fn alpha1_echoes_parameters_on_every_output() {
        let mut p = BTreeMap::new();
        p.insert("k".to_string(), prost_types::Any { type_url: "t".into(), value: vec![1] });
        let r = alpha1(None, chat(), &p);
        assert_eq!(r.outputs.len(), 2);
        assert!(r.outputs.iter().all(|o| o.parameters == p));
        assert_eq!(r.outputs[1].result, "c1");
    }
}
