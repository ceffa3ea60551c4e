//! HTTP response bodies, written as Go's protojson writes them (spec §1.2): lowerCamel names,
//! zero values omitted, 64-bit integers as strings, no HTML escaping (serde_json does none).
//!
//! Each choice of the reply becomes one output holding exactly that choice, with the model and
//! usage copied onto every output, as daprd does.
//!
//! The bodies are borrowed views of the reply that implement `Serialize`: serialising one
//! writes straight into the response buffer, with no intermediate JSON tree and no copies of
//! the reply's strings. Field order is the order daprd writes.

use std::collections::BTreeMap;

use parlance_core::wkt::any_to_json;
use parlance_core::{ChatResponse, Choice, CompletionDetails, PromptDetails, ToolCall, Usage};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

/// Alpha1 `ConversationResponse`.
pub fn alpha1<'a>(
    context_id: Option<&'a str>,
    chat: &'a ChatResponse,
    parameters: &BTreeMap<String, prost_types::Any>,
) -> Alpha1<'a> {
    let parameters = parameters.iter().map(|(k, v)| (k.clone(), any_to_json(v))).collect();
    Alpha1 { context_id: context_id.unwrap_or(""), chat, parameters }
}

/// The alpha1 body; see [`alpha1`].
pub struct Alpha1<'a> {
    context_id: &'a str,
    chat: &'a ChatResponse,
    parameters: Map<String, Value>,
}

impl Serialize for Alpha1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Output<'a> {
            #[serde(skip_serializing_if = "str::is_empty")]
            result: &'a str,
            #[serde(skip_serializing_if = "Map::is_empty")]
            parameters: &'a Map<String, Value>,
        }
        let mut m = s.serialize_map(None)?;
        if !self.context_id.is_empty() {
            m.serialize_entry("contextID", self.context_id)?;
        }
        if !self.chat.choices.is_empty() {
            let outputs = || {
                let parameters = &self.parameters;
                self.chat.choices.iter().map(move |c| Output { result: &c.content, parameters })
            };
            m.serialize_entry("outputs", &Seq(outputs))?;
        }
        m.end()
    }
}

/// Alpha2 `ConversationResponseAlpha2`.
pub fn alpha2<'a>(context_id: Option<&'a str>, chat: &'a ChatResponse) -> Alpha2<'a> {
    Alpha2 { context_id: context_id.unwrap_or(""), chat }
}

/// The alpha2 body; see [`alpha2`].
pub struct Alpha2<'a> {
    context_id: &'a str,
    chat: &'a ChatResponse,
}

impl Serialize for Alpha2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Output<'a> {
            choices: [ChoiceOut<'a>; 1],
            #[serde(skip_serializing_if = "Option::is_none")]
            model: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            usage: Option<UsageOut<'a>>,
        }
        let mut m = s.serialize_map(None)?;
        if !self.context_id.is_empty() {
            m.serialize_entry("contextId", self.context_id)?;
        }
        if !self.chat.choices.is_empty() {
            let model = self.chat.model.as_deref().filter(|m| !m.is_empty());
            let usage = self.chat.usage.as_ref().map(UsageOut::new);
            let outputs = || {
                let usage = &usage;
                self.chat.choices.iter().map(move |c| Output {
                    choices: [ChoiceOut::new(c)],
                    model,
                    usage: usage.clone(),
                })
            };
            m.serialize_entry("outputs", &Seq(outputs))?;
        }
        m.end()
    }
}

/// Serialises what `items()` yields as a JSON array.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChoiceOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    finish_reason: &'a str,
    #[serde(skip_serializing_if = "is_zero", serialize_with = "as_text")]
    index: i64,
    message: MessageOut<'a>,
}

impl<'a> ChoiceOut<'a> {
    fn new(c: &'a Choice) -> ChoiceOut<'a> {
        ChoiceOut {
            finish_reason: &c.finish_reason,
            index: c.index,
            message: MessageOut { content: &c.content, tool_calls: ToolCallsOut(&c.tool_calls) },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    content: &'a str,
    #[serde(skip_serializing_if = "ToolCallsOut::is_empty")]
    tool_calls: ToolCallsOut<'a>,
}

struct ToolCallsOut<'a>(&'a [ToolCall]);

impl ToolCallsOut<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ToolCallsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToolCallOut::new))
    }
}

#[derive(Serialize)]
struct ToolCallOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    function: FunctionOut<'a>,
}

impl<'a> ToolCallOut<'a> {
    fn new(t: &'a ToolCall) -> ToolCallOut<'a> {
        ToolCallOut {
            id: t.id.as_deref().unwrap_or(""),
            function: FunctionOut { name: &t.name, arguments: &t.arguments },
        }
    }
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    arguments: &'a str,
}

/// Dapr's usage object, borrowed (shared with the stream's `complete` event).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsageOut<'a> {
    #[serde(skip_serializing_if = "is_zero", serialize_with = "as_text")]
    completion_tokens: u64,
    #[serde(skip_serializing_if = "is_zero", serialize_with = "as_text")]
    prompt_tokens: u64,
    #[serde(skip_serializing_if = "is_zero", serialize_with = "as_text")]
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion_tokens_details: Option<CompletionDetailsOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_tokens_details: Option<PromptDetailsOut<'a>>,
}

impl<'a> UsageOut<'a> {
    /// A view of `u`.
    pub(crate) fn new(u: &'a Usage) -> UsageOut<'a> {
        UsageOut {
            completion_tokens: u.completion_tokens,
            prompt_tokens: u.prompt_tokens,
            total_tokens: u.total_tokens,
            completion_tokens_details: u.completion_details.as_ref().map(CompletionDetailsOut),
            prompt_tokens_details: u.reported_prompt_details().map(PromptDetailsOut),
        }
    }
}

#[derive(Clone)]
struct CompletionDetailsOut<'a>(&'a CompletionDetails);

impl Serialize for CompletionDetailsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        counts(
            s,
            &[
                ("acceptedPredictionTokens", d.accepted_prediction_tokens),
                ("audioTokens", d.audio_tokens),
                ("reasoningTokens", d.reasoning_tokens),
                ("rejectedPredictionTokens", d.rejected_prediction_tokens),
            ],
        )
    }
}

#[derive(Clone)]
struct PromptDetailsOut<'a>(&'a PromptDetails);

impl Serialize for PromptDetailsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        counts(s, &[("audioTokens", d.audio_tokens), ("cachedTokens", d.cached_tokens)])
    }
}

/// An object of token counts: protojson writes uint64 as a decimal string and omits zero.
fn counts<S: Serializer>(s: S, fields: &[(&str, u64)]) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(None)?;
    for (k, v) in fields.iter().filter(|(_, v)| *v != 0) {
        m.serialize_entry(k, &Text(v))?;
    }
    m.end()
}

/// Writes a number as a JSON string (protojson's 64-bit integers) without allocating.
struct Text<T>(T);

impl<T: std::fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

pub(crate) fn as_text<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// protojson omits zero values.
pub(crate) fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(body: impl Serialize) -> Value {
        serde_json::to_value(body).unwrap()
    }

    #[test]
    fn zero_usage_is_an_empty_object_and_empty_message_is_kept() {
        let chat = ChatResponse {
            choices: vec![Choice { finish_reason: "stop".into(), ..Choice::default() }],
            usage: Some(Usage::default()),
            model: None,
        };
        assert_eq!(
            value(alpha2(None, &chat)),
            json!({"outputs": [{"choices": [{"finishReason": "stop", "message": {}}], "usage": {}}]})
        );
    }

    #[test]
    fn index_and_tokens_are_strings() {
        let chat = ChatResponse {
            choices: vec![Choice {
                index: 1,
                finish_reason: "stop".into(),
                content: "x".into(),
                ..Choice::default()
            }],
            usage: Some(Usage {
                completion_tokens: 8,
                prompt_tokens: 8,
                total_tokens: 16,
                ..Usage::default()
            }),
            model: Some("m".into()),
        };
        let v = value(alpha2(Some("ctx"), &chat));
        assert_eq!(v["contextId"], json!("ctx"));
        assert_eq!(v["outputs"][0]["choices"][0]["index"], json!("1"));
        assert_eq!(v["outputs"][0]["usage"]["totalTokens"], json!("16"));
        assert_eq!(v["outputs"][0]["model"], json!("m"));
    }
}
