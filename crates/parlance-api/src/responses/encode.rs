//! The Response object (`{"id":"resp_…","object":"response",…}`) in OpenAI's shape: every
//! key the API sends, the request's settings repeated ([`Echo`]), `output` as a `message` item
//! with one `output_text` part (when there is text) and one `function_call` item per call
//! (`call_id`, `arguments` as JSON text), `status` `completed`, or `incomplete` with
//! `incomplete_details.reason` when the output limit (or a content filter) cut the reply,
//! `usage` with its detail objects (`null` when the provider reported none). `reasoning` items
//! a Responses-wire component returned ([`parlance_core::Opaque`]) come first, as the
//! upstream sent them (`id`, `summary`, `encrypted_content`, `content`). A plain answer
//! and a stream's `response.completed` are written from the same [`Reply`], so they match.

use parlance_core::request::{FunctionCallIn, Message, ToolCallIn};
use parlance_core::{ChatResponse, Opaque, Usage};
use serde::Serialize;
use serde_json::{Map, Value};

use super::decode::Echo;
use crate::door::finish::{Finish, classify};
use crate::door::json::Json;

/// What every Response object of one answer shares.
#[derive(Debug, Clone)]
pub struct Head {
    /// `resp_<hex>`.
    pub id: String,
    /// The hex the item ids are made from.
    pub hex: String,
    /// Unix seconds.
    pub created_at: u64,
    /// The name the client sent.
    pub model: String,
    /// The request's settings.
    pub echo: Echo,
    /// `previous_response_id`.
    pub previous: Option<String>,
    /// `store`.
    pub store: bool,
}

impl Head {
    /// The id of the message item.
    pub fn message_id(&self) -> String {
        crate::door::request_id::prefixed("msg_", &self.hex)
    }

    /// The id of the function call item at `position` among the calls.
    pub fn call_item_id(&self, position: usize) -> String {
        format!("fc_{}_{position}", self.hex)
    }
}

/// A call's id as the client answers it: the provider's, else `call_<position>`.
pub fn call_id(id: Option<&str>, position: usize) -> String {
    match id {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => format!("call_{position}"),
    }
}

/// One output item of a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum OutItem {
    /// A reasoning item of a Responses-wire upstream, passed on.
    Reasoning {
        /// `rs_…`, the upstream's.
        id: String,
        /// `summary`, as the upstream sent it.
        summary: Value,
        /// `encrypted_content`, when the upstream sent it.
        encrypted_content: Option<String>,
        /// `content`, when the upstream sent it.
        content: Option<Value>,
    },
    /// The assistant's text.
    Message {
        /// `msg_…`.
        id: String,
        /// The text.
        text: String,
    },
    /// A function call.
    Call {
        /// `fc_…`.
        id: String,
        /// What the client answers with its `function_call_output`.
        call_id: String,
        /// The function.
        name: String,
        /// JSON text.
        arguments: String,
    },
}

/// A reply as the Responses API shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// The output items, in order.
    pub items: Vec<OutItem>,
    /// The provider's finish reason.
    pub finish: String,
    /// Token usage, when reported.
    pub usage: Option<Usage>,
}

impl Reply {
    /// Choice 0 of a plain answer.
    pub fn of(head: &Head, chat: &ChatResponse) -> Reply {
        let mut items = Vec::new();
        let Some(c) = chat.choices.first() else {
            return Reply { items, finish: String::new(), usage: chat.usage.clone() };
        };
        items.extend(c.opaque.iter().filter_map(OutItem::reasoning));
        if !c.content.is_empty() {
            items.push(OutItem::Message { id: head.message_id(), text: c.content.clone() });
        }
        for (i, t) in c.tool_calls.iter().enumerate() {
            items.push(OutItem::Call {
                id: head.call_item_id(i),
                call_id: call_id(t.id.as_deref(), i),
                name: t.name.clone(),
                arguments: t.arguments.clone(),
            });
        }
        Reply { items, finish: c.finish_reason.clone(), usage: chat.usage.clone() }
    }

    /// `incomplete_details.reason`, when the reply was cut.
    pub fn incomplete(&self) -> Option<&'static str> {
        match classify(&self.finish) {
            Finish::Length => Some("max_output_tokens"),
            Finish::Filtered => Some("content_filter"),
            _ => None,
        }
    }

    /// The reply as a follow-up's history holds it: its reasoning items, whole, as
    /// [`Opaque`] items of the Responses wire (so a `wireApi: responses` component sends them
    /// back upstream, `encrypted_content` included), then the assistant turn (calls under the
    /// ids the client saw).
    pub fn as_messages(&self) -> Vec<Message> {
        let (mut content, mut tool_calls, mut out) = (Vec::new(), Vec::new(), Vec::new());
        for item in &self.items {
            match item {
                OutItem::Reasoning { id, summary, encrypted_content, content } => {
                    let mut o = Map::new();
                    o.insert("type".into(), Value::String("reasoning".into()));
                    o.insert("id".into(), Value::String(id.clone()));
                    o.insert("summary".into(), summary.clone());
                    if let Some(c) = encrypted_content {
                        o.insert("encrypted_content".into(), Value::String(c.clone()));
                    }
                    if let Some(c) = content {
                        o.insert("content".into(), c.clone());
                    }
                    out.push(Message::Opaque(Opaque::responses(Value::Object(o).to_string())));
                }
                OutItem::Message { text, .. } => content.push(text.clone()),
                OutItem::Call { call_id, name, arguments, .. } => tool_calls.push(ToolCallIn {
                    id: Some(call_id.clone()),
                    function: Some(FunctionCallIn {
                        name: name.clone(),
                        arguments: arguments.clone(),
                    }),
                }),
            }
        }
        out.push(Message::Assistant { content, tool_calls });
        out
    }
}

impl OutItem {
    /// A provider item of the Responses wire that is a `reasoning` item (others: `None`).
    pub fn reasoning(o: &Opaque) -> Option<OutItem> {
        if o.wire != Opaque::RESPONSES {
            return None;
        }
        let mut v: Map<String, Value> = serde_json::from_str(&o.json).ok()?;
        if v.get("type").and_then(Value::as_str) != Some("reasoning") {
            return None;
        }
        let id = match v.remove("id") {
            Some(Value::String(id)) => id,
            _ => String::new(),
        };
        let encrypted_content = match v.remove("encrypted_content") {
            Some(Value::String(c)) => Some(c),
            _ => None,
        };
        let summary = v.remove("summary").unwrap_or_else(|| Value::Array(Vec::new()));
        let content = v.remove("content").filter(|c| !c.is_null());
        Some(OutItem::Reasoning { id, summary, encrypted_content, content })
    }
}

/// The status of a Response object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created, not yet finished (a stream's first events).
    InProgress,
    /// Finished: `completed`, or `incomplete` when the reply was cut.
    Done,
    /// A failure after the stream started.
    Failed,
}

/// `error` of a failed response.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct FailOut<'a> {
    /// `server_error`, `rate_limit_exceeded`, …
    pub code: &'a str,
    /// What went wrong.
    pub message: &'a str,
}

/// A Response object, borrowed from its head and reply.
#[derive(Serialize)]
pub struct ResponseOut<'a> {
    id: &'a str,
    object: &'static str,
    created_at: u64,
    status: &'static str,
    background: bool,
    error: Option<FailOut<'a>>,
    incomplete_details: Option<Incomplete>,
    instructions: Option<&'a str>,
    max_output_tokens: Option<i64>,
    max_tool_calls: Option<()>,
    model: &'a str,
    output: Vec<ItemOut<'a>>,
    parallel_tool_calls: bool,
    previous_response_id: Option<&'a str>,
    reasoning: Reasoning<'a>,
    store: bool,
    temperature: Option<f64>,
    text: &'a Value,
    tool_choice: &'a Value,
    tools: &'a [Value],
    top_p: Option<f64>,
    truncation: &'static str,
    usage: Option<UsageOut>,
    user: Option<&'a str>,
    metadata: &'a Map<String, Value>,
}

#[derive(Serialize)]
struct Incomplete {
    reason: &'static str,
}

#[derive(Serialize, Default)]
struct Reasoning<'a> {
    effort: Option<&'a str>,
    summary: Option<&'a str>,
}

/// `text` when the request set none, as JSON.
const DEFAULT_TEXT: &str = r#"{"format":{"type":"text"}}"#;

/// `text` when the request set none (built once: the replies borrow it).
fn default_text() -> &'static Value {
    static TEXT: std::sync::LazyLock<Value> =
        std::sync::LazyLock::new(|| serde_json::from_str(DEFAULT_TEXT).unwrap_or_default());
    &TEXT
}

/// The Response object for `reply` in `status` (`error` for a failed one).
pub fn response<'a>(
    head: &'a Head,
    reply: &'a Reply,
    status: Status,
    error: Option<FailOut<'a>>,
) -> ResponseOut<'a> {
    let incomplete = (status == Status::Done).then(|| reply.incomplete()).flatten();
    let (status_text, item_status) = match (status, incomplete) {
        (Status::InProgress, _) => ("in_progress", "in_progress"),
        (Status::Failed, _) => ("failed", "incomplete"),
        (Status::Done, Some(_)) => ("incomplete", "incomplete"),
        (Status::Done, None) => ("completed", "completed"),
    };
    let e = &head.echo;
    ResponseOut {
        id: &head.id,
        object: "response",
        created_at: head.created_at,
        status: status_text,
        background: false,
        error,
        incomplete_details: incomplete.map(|reason| Incomplete { reason }),
        instructions: e.instructions.as_deref(),
        max_output_tokens: e.max_output_tokens,
        max_tool_calls: None,
        model: &head.model,
        output: reply.items.iter().map(|i| ItemOut::of(i, item_status)).collect(),
        parallel_tool_calls: e.parallel_tool_calls,
        previous_response_id: head.previous.as_deref(),
        reasoning: Reasoning {
            effort: e.reasoning_effort.as_deref(),
            summary: e.reasoning_summary.as_deref(),
        },
        store: head.store,
        temperature: e.temperature,
        text: match &e.text {
            Some(text) => text,
            None => default_text(),
        },
        tool_choice: &e.tool_choice,
        tools: &e.tools,
        top_p: e.top_p,
        truncation: "disabled",
        usage: match status {
            Status::InProgress => None,
            _ => reply.usage.as_ref().map(UsageOut::of),
        },
        user: e.user.as_deref(),
        metadata: &e.metadata,
    }
}

impl ResponseOut<'_> {
    /// The object as JSON: the bytes of its derived `Serialize` (the tests hold them equal),
    /// written with [`crate::door::json`] (keys and constant values as fragments), in one pass
    /// into a buffer sized for it.
    pub fn to_json(&self) -> Vec<u8> {
        let texts: usize = self.output.iter().map(ItemOut::text_len).sum();
        let mut j = Json::with_capacity(1024 + texts + self.model.len());
        j.raw(r#"{"id":"#).str(self.id);
        j.raw(r#","object":"response","created_at":"#).value(&self.created_at);
        j.raw(r#","status":""#).raw(self.status).raw(r#"","background":"#).bool(self.background);
        j.raw(r#","error":"#).value(&self.error);
        j.raw(r#","incomplete_details":"#);
        match &self.incomplete_details {
            None => j.raw("null"),
            Some(i) => j.raw(r#"{"reason":""#).raw(i.reason).raw(r#""}"#),
        };
        j.raw(r#","instructions":"#).value(&self.instructions);
        j.raw(r#","max_output_tokens":"#).value(&self.max_output_tokens);
        j.raw(r#","max_tool_calls":null,"model":"#).str(self.model);
        j.raw(r#","output":["#);
        for (i, item) in self.output.iter().enumerate() {
            if i > 0 {
                j.raw(",");
            }
            item.write(&mut j);
        }
        j.raw(r#"],"parallel_tool_calls":"#).bool(self.parallel_tool_calls);
        j.raw(r#","previous_response_id":"#).value(&self.previous_response_id);
        j.raw(r#","reasoning":{"effort":"#).value(&self.reasoning.effort);
        j.raw(r#","summary":"#).value(&self.reasoning.summary);
        j.raw(r#"},"store":"#).bool(self.store);
        j.raw(r#","temperature":"#).value(&self.temperature);
        j.raw(r#","text":"#);
        match std::ptr::eq(self.text, default_text()) {
            true => j.raw(DEFAULT_TEXT),
            false => j.value(self.text),
        };
        j.raw(r#","tool_choice":"#).value(self.tool_choice);
        j.raw(r#","tools":"#).value(self.tools);
        j.raw(r#","top_p":"#).value(&self.top_p);
        j.raw(r#","truncation":""#).raw(self.truncation).raw(r#"","usage":"#);
        match &self.usage {
            None => {
                j.raw("null");
            }
            Some(u) => u.write(&mut j),
        }
        j.raw(r#","user":"#).value(&self.user);
        j.raw(r#","metadata":"#);
        match self.metadata.is_empty() {
            true => j.raw("{}"),
            false => j.value(self.metadata),
        };
        j.raw("}");
        j.into_bytes()
    }
}

/// An output item on the wire.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemOut<'a> {
    /// `{"type":"reasoning",…}`.
    Reasoning {
        /// `rs_…`.
        id: &'a str,
        /// The summary parts.
        summary: &'a Value,
        /// The opaque state the model continues from.
        #[serde(skip_serializing_if = "Option::is_none")]
        encrypted_content: Option<&'a str>,
        /// Reasoning text, when the upstream sent any.
        #[serde(skip_serializing_if = "Option::is_none")]
        content: Option<&'a Value>,
    },
    /// `{"type":"message",…}`.
    Message {
        /// `msg_…`.
        id: &'a str,
        /// `in_progress`, `completed` or `incomplete`.
        status: &'static str,
        /// `assistant`.
        role: &'static str,
        /// Its `output_text` parts (none while a stream has just opened it).
        content: Vec<PartOut<'a>>,
    },
    /// `{"type":"function_call",…}`.
    FunctionCall {
        /// `fc_…`.
        id: &'a str,
        /// `in_progress`, `completed` or `incomplete`.
        status: &'static str,
        /// What the client answers with.
        call_id: &'a str,
        /// The function.
        name: &'a str,
        /// JSON text.
        arguments: &'a str,
    },
}

impl<'a> ItemOut<'a> {
    /// `item` with `status`.
    pub fn of(item: &'a OutItem, status: &'static str) -> ItemOut<'a> {
        match item {
            OutItem::Reasoning { id, summary, encrypted_content, content } => ItemOut::Reasoning {
                id,
                summary,
                encrypted_content: encrypted_content.as_deref(),
                content: content.as_ref(),
            },
            OutItem::Message { id, text } => ItemOut::Message {
                id,
                status,
                role: "assistant",
                content: vec![PartOut::text(text)],
            },
            OutItem::Call { id, call_id, name, arguments } => {
                ItemOut::FunctionCall { id, status, call_id, name, arguments }
            }
        }
    }
}

impl ItemOut<'_> {
    /// Writes the item as its derived `Serialize` does (a message by hand, the rarer
    /// items through `serde_json`).
    fn write(&self, j: &mut Json) {
        let ItemOut::Message { id, status, role, content } = self else {
            j.value(self);
            return;
        };
        j.raw(r#"{"type":"message","id":"#).str(id).raw(r#","status":""#).raw(status);
        j.raw(r#"","role":""#).raw(role).raw(r#"","content":["#);
        for (i, part) in content.iter().enumerate() {
            if i > 0 {
                j.raw(",");
            }
            j.raw(r#"{"type":""#).raw(part.kind).raw(r#"","text":"#).str(part.text);
            j.raw(r#","annotations":[],"logprobs":[]}"#);
        }
        j.raw("]}");
    }

    /// The length of the text the item carries (for sizing the buffer).
    fn text_len(&self) -> usize {
        match self {
            ItemOut::Message { content, .. } => content.iter().map(|p| p.text.len()).sum(),
            ItemOut::FunctionCall { arguments, .. } => arguments.len(),
            ItemOut::Reasoning { encrypted_content, .. } => encrypted_content.map_or(0, str::len),
        }
    }
}

/// An `output_text` part.
#[derive(Serialize)]
pub struct PartOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
    annotations: [(); 0],
    logprobs: [(); 0],
}

impl<'a> PartOut<'a> {
    /// An `output_text` part with `text`.
    pub fn text(text: &'a str) -> PartOut<'a> {
        PartOut { kind: "output_text", text, annotations: [], logprobs: [] }
    }
}

/// The Responses API's usage object.
#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
pub struct UsageOut {
    input_tokens: u64,
    input_tokens_details: InputDetails,
    output_tokens: u64,
    output_tokens_details: OutputDetails,
    total_tokens: u64,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
struct InputDetails {
    cached_tokens: u64,
    cache_write_tokens: u64,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
struct OutputDetails {
    reasoning_tokens: u64,
}

impl UsageOut {
    /// Writes the usage object as its derived `Serialize` does.
    fn write(&self, j: &mut Json) {
        j.raw(r#"{"input_tokens":"#).value(&self.input_tokens);
        let d = &self.input_tokens_details;
        j.raw(r#","input_tokens_details":{"cached_tokens":"#).value(&d.cached_tokens);
        j.raw(r#","cache_write_tokens":"#).value(&d.cache_write_tokens);
        j.raw(r#"},"output_tokens":"#).value(&self.output_tokens);
        let r = self.output_tokens_details.reasoning_tokens;
        j.raw(r#","output_tokens_details":{"reasoning_tokens":"#).value(&r);
        j.raw(r#"},"total_tokens":"#).value(&self.total_tokens).raw("}");
    }
}

impl UsageOut {
    /// From the service's usage.
    pub fn of(u: &Usage) -> UsageOut {
        let d = u.prompt_details.as_ref();
        UsageOut {
            input_tokens: u.prompt_tokens,
            input_tokens_details: InputDetails {
                cached_tokens: d.map_or(0, |d| d.cached_tokens),
                cache_write_tokens: d.map_or(0, |d| d.cache_write_tokens),
            },
            output_tokens: u.completion_tokens,
            output_tokens_details: OutputDetails {
                reasoning_tokens: u.completion_details.as_ref().map_or(0, |d| d.reasoning_tokens),
            },
            total_tokens: u.total_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::{Choice, PromptDetails, ToolCall};
    use serde_json::json;

    fn head() -> Head {
        Head {
            id: "resp_1".into(),
            hex: "1".into(),
            created_at: 7,
            model: "gpt-5-codex".into(),
            echo: Echo {
                parallel_tool_calls: true,
                tool_choice: json!("auto"),
                text: None,
                ..Echo::default()
            },
            previous: None,
            store: true,
        }
    }

    fn chat(finish: &str, text: &str, calls: Vec<ToolCall>) -> ChatResponse {
        ChatResponse {
            choices: vec![Choice {
                finish_reason: finish.into(),
                content: text.into(),
                tool_calls: calls,
                ..Default::default()
            }],
            usage: Some(Usage {
                prompt_tokens: 30,
                completion_tokens: 5,
                total_tokens: 35,
                prompt_details: Some(PromptDetails { cached_tokens: 20, ..Default::default() }),
                completion_details: None,
            }),
            model: Some("gpt-4o".into()),
        }
    }

    #[test]
    fn a_reply_in_openais_shape() {
        let h = head();
        let call =
            ToolCall { id: Some("call_9".into()), name: "exec".into(), arguments: "{}".into() };
        let reply = Reply::of(&h, &chat("tool_calls", "Let me look.", vec![call]));
        let v = serde_json::to_value(response(&h, &reply, Status::Done, None)).unwrap();
        assert_eq!(
            v,
            json!({"id": "resp_1", "object": "response", "created_at": 7, "status": "completed",
                "background": false, "error": null, "incomplete_details": null, "instructions": null,
                "max_output_tokens": null, "max_tool_calls": null, "model": "gpt-5-codex",
                "output": [
                    {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                     "content": [{"type": "output_text", "text": "Let me look.", "annotations": [], "logprobs": []}]},
                    {"type": "function_call", "id": "fc_1_0", "status": "completed", "call_id": "call_9",
                     "name": "exec", "arguments": "{}"}],
                "parallel_tool_calls": true, "previous_response_id": null,
                "reasoning": {"effort": null, "summary": null}, "store": true, "temperature": null,
                "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": null,
                "truncation": "disabled",
                "usage": {"input_tokens": 30, "input_tokens_details": {"cached_tokens": 20, "cache_write_tokens": 0},
                    "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 35},
                "user": null, "metadata": {}})
        );
    }

    /// The hand-written JSON is the derived `Serialize`'s, byte for byte, in every state and
    /// with every echoed setting.
    #[test]
    fn the_written_json_is_the_derived_one() {
        let mut h = head();
        let call = ToolCall { id: None, name: "f\"x".into(), arguments: "{\"a\":1}".into() };
        let plain = Reply::of(&h, &chat("stop", "Paris \"é\"\n\u{1}", vec![]));
        let cut = Reply::of(&h, &chat("length", "one", vec![call.clone()]));
        let reasoning = Opaque::responses(
            json!({"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "t"}],
                "encrypted_content": "gAAA"})
            .to_string(),
        );
        let mut thought = chat("stop", "ok", vec![call]);
        thought.choices[0].opaque = vec![reasoning];
        thought.usage = None;
        let thought = Reply::of(&h, &thought);
        let empty = Reply::of(&h, &ChatResponse::default());
        let fail = Some(FailOut { code: "server_error", message: "it \"broke\"" });
        let echo = Echo {
            instructions: Some("Be brief.\n".into()),
            max_output_tokens: Some(64),
            temperature: Some(0.25),
            top_p: Some(1.0),
            parallel_tool_calls: false,
            tool_choice: json!({"type": "function", "name": "f"}),
            tools: vec![json!({"type": "function", "name": "f", "parameters": {}})],
            text: Some(json!({"format": {"type": "json_object"}})),
            metadata: json!({"k": "v"}).as_object().unwrap().clone(),
            user: Some("u".into()),
            reasoning_effort: Some("low".into()),
            reasoning_summary: Some("auto".into()),
        };
        for settings in [h.echo.clone(), echo] {
            h.echo = settings;
            h.previous = Some("resp_0".into());
            for reply in [&plain, &cut, &thought, &empty] {
                for (status, error) in
                    [(Status::InProgress, None), (Status::Done, None), (Status::Failed, fail)]
                {
                    let r = response(&h, reply, status, error);
                    let want = serde_json::to_vec(&r).unwrap();
                    assert_eq!(
                        String::from_utf8(r.to_json()).unwrap(),
                        String::from_utf8(want).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn a_cut_reply_is_incomplete() {
        let h = head();
        let reply = Reply::of(&h, &chat("max_tokens", "one two", vec![]));
        let v = serde_json::to_value(response(&h, &reply, Status::Done, None)).unwrap();
        assert_eq!(v["status"], "incomplete");
        assert_eq!(v["incomplete_details"], json!({"reason": "max_output_tokens"}));
        assert_eq!(v["output"][0]["status"], "incomplete");
    }

    #[test]
    fn calls_without_ids_get_one_and_history_keeps_it() {
        let h = head();
        let call = ToolCall { id: None, name: "f".into(), arguments: "{\"a\":1}".into() };
        let reply = Reply::of(&h, &chat("stop", "", vec![call]));
        assert!(matches!(&reply.items[0], OutItem::Call { call_id, .. } if call_id == "call_0"));
        let [Message::Assistant { content, tool_calls }] = &reply.as_messages()[..] else {
            panic!()
        };
        assert!(content.is_empty());
        assert_eq!(tool_calls[0].id.as_deref(), Some("call_0"));
    }
}
