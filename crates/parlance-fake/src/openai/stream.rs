//! OpenAI Chat Completions streaming (`"stream": true`): validation of the stream fields, and
//! the `chat.completion.chunk` events cut from the finished reply, so that the assembled
//! stream equals the plain reply.
//!
//! Order: per choice, a first delta with `role` (and, for a tool call, the call's `index`, `id`,
//! `type`, `function.name` and empty `arguments`), then `content` or `function.arguments`
//! pieces, then an empty delta with `finish_reason`; choices are interleaved round-robin. With
//! `stream_options.include_usage`, every chunk has `"usage": null` and a last chunk has
//! `"choices": []` and the usage; then `data: [DONE]`. Every chunk ends with OpenAI's
//! `obfuscation` padding field unless `stream_options.include_obfuscation` is false.
//!
//! Flavours (`x-fake-flavour` header; without it, a path under `/v1beta/openai/` is `gemini`):
//! `deepseek` adds `reasoning_content` deltas (and the field to the plain reply) and
//! `: keep-alive` comments; `ollama` sends each tool call whole in one delta; `gemini` puts the
//! (final) usage on every chunk and sends no separate usage chunk, `include_usage` or not.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::request::{invalid, wrong_type};
use crate::stream::split::Pieces as Words;
use crate::stream::{Piece, PieceKind, Pieces, sse};
use crate::wire::{Call, WireError};

/// The header that picks an OpenAI-compatible flavour.
pub(crate) const FLAVOUR_HEADER: &str = "x-fake-flavour";

/// The padding of the `obfuscation` field (a prefix of it, of varying length).
const OBFUSCATION: &str = "Zq4xN8pT";

/// The reasoning text of the `deepseek` flavour.
pub(super) const REASONING: &str = "Thinking it over.";

/// A keep-alive comment comes after this many chunks in the `deepseek` flavour.
const KEEPALIVE_EVERY: usize = 4;

/// Which OpenAI-compatible server the fake imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Flavour {
    /// OpenAI itself (and Azure, Mistral, Gemini, Hugging Face as far as streams go).
    #[default]
    OpenAi,
    /// DeepSeek: reasoning deltas and keep-alive comments.
    DeepSeek,
    /// Ollama: whole tool calls in one delta.
    Ollama,
    /// Gemini's OpenAI-compatible endpoint: usage on every chunk.
    Gemini,
}

impl Flavour {
    /// The flavour a request asks for.
    pub(super) fn of(call: &Call<'_>) -> Result<Flavour, WireError> {
        match call.header(FLAVOUR_HEADER) {
            None if call.path.starts_with("/v1beta/openai/") => Ok(Flavour::Gemini),
            None | Some("openai") => Ok(Flavour::OpenAi),
            Some("deepseek") => Ok(Flavour::DeepSeek),
            Some("ollama") => Ok(Flavour::Ollama),
            Some("gemini") => Ok(Flavour::Gemini),
            Some(other) => Err(invalid(format!(
                "{FLAVOUR_HEADER}: unknown flavour '{other}' (openai, deepseek, ollama, gemini)"
            ))),
        }
    }
}

/// What a streaming request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StreamRequest {
    /// `stream_options.include_usage` (default false).
    pub include_usage: bool,
    /// `stream_options.include_obfuscation` (default true): the `obfuscation` padding field.
    pub obfuscation: bool,
}

impl Default for StreamRequest {
    fn default() -> Self {
        StreamRequest { include_usage: false, obfuscation: true }
    }
}

/// Validates `stream` and `stream_options`; `Some` when the request streams.
pub(super) fn fields(obj: &Map<String, Value>) -> Result<Option<StreamRequest>, WireError> {
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(wrong_type("stream", "a boolean", other)),
    };
    let options = match obj.get("stream_options") {
        None | Some(Value::Null) => None,
        Some(_) if !stream => {
            return Err(invalid(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            )
            .param("stream_options"));
        }
        Some(Value::Object(o)) => Some(o),
        Some(other) => return Err(wrong_type("stream_options", "an object", other)),
    };
    if !stream {
        return Ok(None);
    }
    let mut request = StreamRequest::default();
    for (key, value) in options.into_iter().flatten() {
        let at = format!("stream_options.{key}");
        let flag = match value {
            Value::Bool(b) => *b,
            other if key == "include_usage" || key == "include_obfuscation" => {
                return Err(wrong_type(&at, "a boolean", other));
            }
            _ => false,
        };
        match key.as_str() {
            "include_usage" => request.include_usage = flag,
            "include_obfuscation" => request.obfuscation = flag,
            _ => {
                return Err(invalid(format!("Unknown parameter: '{at}'."))
                    .param(at)
                    .code("unknown_parameter"));
            }
        }
    }
    Ok(Some(request))
}

/// How to cut a reply into chunks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cut {
    /// Send the usage chunk.
    pub include_usage: bool,
    /// Pad chunks with the `obfuscation` field.
    pub obfuscation: bool,
    /// The paced mode: whole words, one per content delta.
    pub paced: bool,
    /// The flavour.
    pub flavour: Flavour,
}

/// The chunks of the plain reply `body`.
pub(super) fn pieces(body: &Value, cut: Cut) -> Pieces {
    let gemini = cut.flavour == Flavour::Gemini;
    let on_every_chunk = match (gemini, cut.include_usage) {
        (true, _) => Some(body["usage"].clone()),
        (false, true) => Some(Value::Null),
        (false, false) => None,
    };
    let head = Arc::new(Head::of(body, on_every_chunk.as_ref(), cut.obfuscation));
    let choices: Vec<Deltas> =
        body["choices"].as_array().into_iter().flatten().map(|c| choice_deltas(c, cut)).collect();
    let usage = (cut.include_usage && !gemini).then(|| body["usage"].clone());
    let chunks = RoundRobin { lanes: choices, next: 0 }.map({
        let head = head.clone();
        move |(choice, kind)| Piece { bytes: head.chunk(&choice), kind }
    });
    let tail = usage
        .map(move |u| Piece::event(head.usage_chunk(&u)))
        .into_iter()
        .chain(std::iter::once(Piece::event(Bytes::from_static(sse::DONE))));
    let all = chunks.chain(tail);
    match cut.flavour {
        Flavour::DeepSeek => Box::new(with_keepalives(all)),
        Flavour::OpenAi | Flavour::Ollama | Flavour::Gemini => Box::new(all),
    }
}

/// A `: keep-alive` comment first and after every few chunks (DeepSeek's habit).
fn with_keepalives(
    pieces: impl Iterator<Item = Piece> + Send,
) -> impl Iterator<Item = Piece> + Send {
    let keepalive =
        || Piece { bytes: Bytes::from_static(sse::KEEPALIVE), kind: PieceKind::KeepAlive };
    pieces.enumerate().flat_map(move |(i, p)| {
        let before = (i % KEEPALIVE_EVERY == 0).then(keepalive);
        before.into_iter().chain(std::iter::once(p))
    })
}

/// What every chunk repeats, serialized once: the event is `prefix`, the choice, `suffix`, the
/// padding, the end.
#[derive(Debug)]
struct Head {
    /// `data: {"id":…,"system_fingerprint":…,"choices":[`
    prefix: String,
    /// `]` then `,"usage":…` when every chunk carries one.
    suffix: String,
    /// Whether chunks end with the `obfuscation` padding OpenAI adds (readers ignore it).
    obfuscate: bool,
}

impl Head {
    fn of(body: &Value, usage: Option<&Value>, obfuscate: bool) -> Head {
        let mut fields = Map::new();
        for key in ["id", "object", "created", "model", "service_tier", "system_fingerprint"] {
            let value = match key {
                "object" => json!("chat.completion.chunk"),
                _ => body.get(key).cloned().unwrap_or(Value::Null),
            };
            fields.insert(key.to_owned(), value);
        }
        let fields = Value::Object(fields).to_string();
        let open = fields.strip_suffix('}').unwrap_or(&fields);
        let prefix = format!("data: {open},\"choices\":[");
        let usage = usage.map(|u| format!(",\"usage\":{u}")).unwrap_or_default();
        Head { prefix, suffix: format!("]{usage}"), obfuscate }
    }

    /// The event of a chunk with this one choice.
    fn chunk(&self, choice: &Value) -> Bytes {
        let choice = choice.to_string();
        let mut out = String::with_capacity(self.prefix.len() + choice.len() + 48);
        out.push_str(&self.prefix);
        out.push_str(&choice);
        out.push_str(&self.suffix);
        self.end(&mut out, choice.len());
        Bytes::from(out)
    }

    /// The event of the last chunk: no choice, the usage.
    fn usage_chunk(&self, usage: &Value) -> Bytes {
        let mut out = format!("{}],\"usage\":{usage}", self.prefix);
        self.end(&mut out, 0);
        Bytes::from(out)
    }

    /// The padding (its length varies with `seed`), `}` and the blank line.
    fn end(&self, out: &mut String, seed: usize) {
        if self.obfuscate {
            out.push_str(",\"obfuscation\":\"");
            out.push_str(&OBFUSCATION[..OBFUSCATION.len() - seed % OBFUSCATION.len()]);
            out.push('"');
        }
        out.push_str("}\n\n");
    }
}

/// One choice's deltas, as whole `choices[]` entries.
type Deltas = Box<dyn Iterator<Item = (Value, PieceKind)> + Send>;

fn choice_deltas(choice: &Value, cut: Cut) -> Deltas {
    let index = choice["index"].clone();
    let entry = move |delta: Value, finish: Value| json!({"index": index, "delta": delta, "logprobs": null, "finish_reason": finish});
    let message = &choice["message"];
    let finish = choice["finish_reason"].clone();
    let reasoning = message.get("reasoning_content").and_then(Value::as_str).map(str::to_owned);
    let body: Box<dyn Iterator<Item = (Value, PieceKind)> + Send> =
        match message.get("tool_calls").and_then(Value::as_array) {
            Some(calls) => tool_deltas(calls, cut),
            None => text_deltas(message["content"].as_str().unwrap_or_default(), reasoning, cut),
        };
    let last = entry.clone();
    Box::new(
        body.map(move |(d, k)| (entry(d, Value::Null), k))
            .chain(std::iter::once((last(json!({}), finish), PieceKind::Event))),
    )
}

fn text_deltas(text: &str, reasoning: Option<String>, cut: Cut) -> Deltas {
    let first = match &reasoning {
        Some(_) => json!({"role": "assistant", "content": null, "reasoning_content": ""}),
        None => json!({"role": "assistant", "content": "", "refusal": null}),
    };
    let thinking = reasoning
        .into_iter()
        .flat_map(Words::words)
        .map(|p| (json!({"content": null, "reasoning_content": p}), PieceKind::Event));
    let words =
        Words::of(text.to_owned(), cut.paced).map(|p| (json!({"content": p}), PieceKind::Content));
    Box::new(std::iter::once((first, PieceKind::Event)).chain(thinking).chain(words))
}

fn tool_deltas(calls: &[Value], cut: Cut) -> Deltas {
    let mut deltas: Vec<(Value, PieceKind)> = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let arguments = call["function"]["arguments"].as_str().unwrap_or_default().to_owned();
        let whole = cut.flavour == Flavour::Ollama;
        let start = json!([{
            "index": i,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": if whole { arguments.as_str() } else { "" }},
        }]);
        let mut delta = json!({"tool_calls": start});
        if i == 0 {
            delta =
                json!({"role": "assistant", "content": null, "tool_calls": start, "refusal": null});
        }
        deltas.push((delta, PieceKind::Event));
        if !whole {
            deltas.extend(Words::of(arguments, cut.paced).map(|p| {
                (
                    json!({"tool_calls": [{"index": i, "function": {"arguments": p}}]}),
                    PieceKind::Content,
                )
            }));
        }
    }
    Box::new(deltas.into_iter())
}

/// Takes one item from each lane in turn until all are empty.
struct RoundRobin {
    lanes: Vec<Deltas>,
    next: usize,
}

impl Iterator for RoundRobin {
    type Item = (Value, PieceKind);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.lanes.is_empty() {
            let at = self.next % self.lanes.len();
            match self.lanes[at].next() {
                Some(item) => {
                    self.next = at + 1;
                    return Some(item);
                }
                None => {
                    drop(self.lanes.remove(at));
                    self.next = at;
                }
            }
        }
        None
    }
}

/// The mid-stream error event (`kind` defaults to `server_error`).
pub(crate) fn error_event(kind: Option<&str>) -> Bytes {
    sse::data(&json!({"error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": kind.unwrap_or("server_error"),
        "param": null,
        "code": null,
    }}))
}

/// A chunk cut in the middle of its JSON.
pub(crate) fn malformed_event() -> Bytes {
    sse::raw_data(
        "{\"id\":\"chatcmpl-broken\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"trunc",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(v: Value) -> Result<Option<StreamRequest>, WireError> {
        fields(v.as_object().unwrap())
    }

    #[test]
    fn validates_stream_fields() {
        assert_eq!(fields_of(json!({})), Ok(None));
        assert_eq!(fields_of(json!({"stream": false})), Ok(None));
        assert_eq!(fields_of(json!({"stream": true})), Ok(Some(StreamRequest::default())));
        let on = fields_of(json!({"stream": true, "stream_options": {"include_usage": true}}));
        assert_eq!(on, Ok(Some(StreamRequest { include_usage: true, obfuscation: true })));
        let off =
            fields_of(json!({"stream": true, "stream_options": {"include_obfuscation": false}}));
        assert_eq!(off, Ok(Some(StreamRequest { include_usage: false, obfuscation: false })));
        let e = fields_of(json!({"stream": "yes"})).unwrap_err();
        assert_eq!((e.param.as_deref(), e.code.as_deref()), (Some("stream"), Some("invalid_type")));
        let e = fields_of(json!({"stream": false, "stream_options": {"include_usage": true}}))
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("stream_options"));
        let e = fields_of(json!({"stream": true, "stream_options": true})).unwrap_err();
        assert_eq!(e.code.as_deref(), Some("invalid_type"));
        let e =
            fields_of(json!({"stream": true, "stream_options": {"include_usage": 1}})).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("stream_options.include_usage"));
        let e = fields_of(json!({"stream": true, "stream_options": {"x": true}})).unwrap_err();
        assert_eq!(e.code.as_deref(), Some("unknown_parameter"));
    }

    #[test]
    fn head_writes_whole_chunks() {
        let body = json!({"id": "chatcmpl-1", "created": 5, "model": "m", "service_tier": "default", "system_fingerprint": "fp"});
        let head = Head::of(&body, Some(&Value::Null), true);
        let event = head.chunk(&json!({"index": 0, "delta": {"content": "hi"}}));
        let text = std::str::from_utf8(&event).unwrap();
        let json: Value =
            serde_json::from_str(text.strip_prefix("data: ").unwrap().trim_end()).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "object",
                "created",
                "model",
                "service_tier",
                "system_fingerprint",
                "choices",
                "usage",
                "obfuscation"
            ]
        );
        assert_eq!(
            (json["object"].as_str(), json["usage"].is_null()),
            (Some("chat.completion.chunk"), true)
        );
        assert!(text.ends_with("\n\n"));
        let plain = Head::of(&body, None, false).chunk(&json!({"index": 0}));
        let json: Value = serde_json::from_slice(&plain[6..]).unwrap();
        assert!(json.get("obfuscation").is_none() && json.get("usage").is_none());
        let last = head.usage_chunk(&json!({"total_tokens": 3}));
        let json: Value = serde_json::from_slice(&last[6..]).unwrap();
        assert_eq!(
            (json["choices"].clone(), json["usage"]["total_tokens"].as_u64()),
            (json!([]), Some(3))
        );
    }

    #[test]
    fn round_robin_interleaves() {
        let lane = |n: u64| -> Deltas { Box::new((0..n).map(|i| (json!(i), PieceKind::Event))) };
        let got: Vec<Value> = RoundRobin { lanes: vec![lane(3), lane(1), lane(2)], next: 0 }
            .map(|(v, _)| v)
            .collect();
        assert_eq!(got, [json!(0), json!(0), json!(0), json!(1), json!(1), json!(2)]);
    }
}
