//! The `chat.completion` body (contract §4), serialised from a borrowed view of the reply:
//! every key present (`content` null when the message is only tool calls, `refusal` and
//! `logprobs` null), `finish_reason` in OpenAI's vocabulary whatever the provider said, and
//! `usage` with its detail objects only when the provider reported them.

use crate::door::finish::Finish;
use parlance_core::{ChatResponse, Choice, ToolCall, Usage};
use serde::Serialize;
use serde::ser::Serializer;

/// A provider's finish reason in OpenAI's vocabulary: `stop`, `length`, `tool_calls` or
/// `content_filter` (OpenAI, Anthropic, Bedrock and Gemini spellings; anything else is `stop`).
pub fn finish_reason(reason: &str) -> &'static str {
    match crate::door::finish::classify(reason) {
        Finish::Length => "length",
        Finish::ToolCalls => "tool_calls",
        Finish::Filtered => "content_filter",
        Finish::Stop | Finish::StopSequence | Finish::PauseTurn => "stop",
    }
}

/// The body of a plain answer.
#[derive(Serialize)]
pub struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    #[serde(serialize_with = "choices")]
    choices: &'a [Choice],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut<'a>>,
}

/// `chat.completion` for `chat`; `model` is the resolved upstream model (the request's
/// `model` when the provider names none).
pub fn completion<'a>(
    id: &'a str,
    created: u64,
    model: &'a str,
    chat: &'a ChatResponse,
) -> Completion<'a> {
    Completion {
        id,
        object: "chat.completion",
        created,
        model,
        choices: &chat.choices,
        usage: chat.usage.as_ref().map(|u| UsageOut(u, None)),
    }
}

fn choices<S: Serializer>(choices: &&[Choice], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(choices.iter().enumerate().map(|(i, c)| ChoiceOut::new(i, c)))
}

#[derive(Serialize)]
struct ChoiceOut<'a> {
    index: usize,
    message: MessageOut<'a>,
    logprobs: Option<()>,
    finish_reason: &'static str,
}

impl<'a> ChoiceOut<'a> {
    fn new(position: usize, c: &'a Choice) -> ChoiceOut<'a> {
        let index = usize::try_from(c.index).unwrap_or(position);
        let only_calls = c.content.is_empty() && !c.tool_calls.is_empty();
        let message = MessageOut {
            role: "assistant",
            content: (!only_calls).then_some(c.content.as_str()),
            tool_calls: (!c.tool_calls.is_empty()).then_some(ToolCalls(&c.tool_calls)),
            refusal: None,
        };
        ChoiceOut { index, message, logprobs: None, finish_reason: finish_reason(&c.finish_reason) }
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<ToolCalls<'a>>,
    refusal: Option<()>,
}

struct ToolCalls<'a>(&'a [ToolCall]);

impl Serialize for ToolCalls<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().enumerate().map(|(i, t)| ToolCallOut {
            id: CallId(t.id.as_deref(), i),
            kind: "function",
            function: FunctionOut { name: &t.name, arguments: &t.arguments },
        }))
    }
}

#[derive(Serialize)]
struct ToolCallOut<'a> {
    id: CallId<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionOut<'a>,
}

/// A tool call's id; `call_<position>` when the provider gave none (OpenAI clients need one
/// to answer the call).
pub struct CallId<'a>(pub Option<&'a str>, pub usize);

impl Serialize for CallId<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(id) if !id.is_empty() => s.serialize_str(id),
            _ => s.collect_str(&format_args!("call_{}", self.1)),
        }
    }
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    arguments: &'a str,
}

/// OpenAI's usage object, borrowed (shared with the stream's usage chunk).
#[derive(Clone, Copy)]
pub struct UsageOut<'a>(pub &'a Usage, pub Option<f64>);

impl Serialize for UsageOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out {
            prompt_tokens: u64,
            completion_tokens: u64,
            total_tokens: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            prompt_tokens_details: Option<PromptOut>,
            #[serde(skip_serializing_if = "Option::is_none")]
            completion_tokens_details: Option<CompletionOut>,
            /// USD, in a stream's usage chunk (as LiteLLM reports it).
            #[serde(skip_serializing_if = "Option::is_none")]
            cost: Option<f64>,
        }
        #[derive(Serialize)]
        struct PromptOut {
            cached_tokens: u64,
            audio_tokens: u64,
        }
        #[derive(Serialize)]
        struct CompletionOut {
            reasoning_tokens: u64,
            audio_tokens: u64,
            accepted_prediction_tokens: u64,
            rejected_prediction_tokens: u64,
        }
        let u = self.0;
        Out {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
            prompt_tokens_details: u.reported_prompt_details().map(|d| PromptOut {
                cached_tokens: d.cached_tokens,
                audio_tokens: d.audio_tokens,
            }),
            completion_tokens_details: u.completion_details.as_ref().map(|d| CompletionOut {
                reasoning_tokens: d.reasoning_tokens,
                audio_tokens: d.audio_tokens,
                accepted_prediction_tokens: d.accepted_prediction_tokens,
                rejected_prediction_tokens: d.rejected_prediction_tokens,
            }),
            cost: self.1,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::{CompletionDetails, PromptDetails};
    use serde_json::{Value, json};

    fn json_of(chat: &ChatResponse) -> Value {
        serde_json::to_value(completion("chatcmpl-1", 7, "m", chat)).unwrap()
    }

    #[test]
    fn every_key_is_present_and_reasons_are_openais() {
        let chat = ChatResponse {
            choices: vec![Choice {
                finish_reason: "end_turn".into(),
                content: "hi".into(),
                ..Default::default()
            }],
            usage: Some(Usage {
                prompt_tokens: 3,
                completion_tokens: 1,
                total_tokens: 4,
                ..Default::default()
            }),
            model: None,
        };
        assert_eq!(
            json_of(&chat),
            json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 7, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi", "refusal": null},
                    "logprobs": null, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}})
        );
    }

    #[test]
    fn only_tool_calls_means_null_content_and_calls_get_an_id() {
        let call = ToolCall { id: None, name: "f".into(), arguments: "{}".into() };
        let chat = ChatResponse {
            choices: vec![Choice {
                finish_reason: "tool_use".into(),
                tool_calls: vec![call],
                ..Default::default()
            }],
            ..Default::default()
        };
        let v = json_of(&chat);
        let c = &v["choices"][0];
        assert_eq!(c["message"]["content"], Value::Null);
        assert_eq!(
            c["message"]["tool_calls"],
            json!([{"id": "call_0", "type": "function", "function": {"name": "f", "arguments": "{}"}}])
        );
        assert_eq!(c["finish_reason"], "tool_calls");
        assert!(v.get("usage").is_none(), "no usage when the provider gave none");
    }

    #[test]
    fn usage_details_when_known() {
        let u = Usage {
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15,
            prompt_details: Some(PromptDetails { cached_tokens: 8, ..Default::default() }),
            completion_details: Some(CompletionDetails {
                reasoning_tokens: 2,
                ..Default::default()
            }),
        };
        let v = serde_json::to_value(UsageOut(&u, None)).unwrap();
        assert_eq!(v["prompt_tokens_details"]["cached_tokens"], 8);
        assert_eq!(v["completion_tokens_details"]["reasoning_tokens"], 2);
    }

    #[test]
    fn finish_reasons_of_every_provider() {
        let cases = [
            ("stop", "stop"),
            ("end_turn", "stop"),
            ("stop_sequence", "stop"),
            ("STOP", "stop"),
            ("unknown", "stop"),
            ("max_tokens", "length"),
            ("MAX_TOKENS", "length"),
            ("length", "length"),
            ("tool_use", "tool_calls"),
            ("tool_calls", "tool_calls"),
            ("content_filtered", "content_filter"),
            ("guardrail_intervened", "content_filter"),
            ("SAFETY", "content_filter"),
            ("refusal", "content_filter"),
        ];
        for (given, want) in cases {
            assert_eq!(finish_reason(given), want, "{given}");
        }
    }
}
