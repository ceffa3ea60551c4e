//! `POST /v1/chat/completions` bodies → the [`ConverseRequest`] the service takes, exactly as
//! the alpha2 door would decode the same question (so both share one cache entry): all
//! messages in one input, text parts one string each, generation parameters in `parameters`
//! as the well-known wrapper types, `tool_choice` as alpha2's string, `response_format` as
//! alpha2's JSON Schema. `model` names the component, optionally followed by `/<model>`
//! (split on the first `/`), which goes to request `metadata["model"]` for the service to
//! check against the component's `allowedModels`. Unknown fields are ignored; `null` is unset.

use std::collections::BTreeMap;

use parlance_core::ConverseRequest;
use parlance_core::request::{FunctionCallIn, FunctionIn, Input, Message, ToolCallIn, ToolIn};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::OpenAiError;
use crate::door::params;

type Obj = Map<String, Value>;

pub use crate::door::model::MODEL_KEY;

/// A decoded chat completion request.
#[derive(Debug)]
pub struct Decoded {
    /// The component (`model` up to its first `/`).
    pub component: String,
    /// `model` as the client wrote it (the reply's model when the provider names none).
    pub model: String,
    /// The request for the service.
    pub request: ConverseRequest,
    /// `Some` for `stream: true`: whether `stream_options.include_usage` was set.
    pub stream: Option<bool>,
}

#[derive(Deserialize)]
struct Body {
    model: Option<String>,
    messages: Option<Vec<Obj>>,
    tools: Option<Vec<ToolDef>>,
    tool_choice: Option<Value>,
    response_format: Option<ResponseFormat>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    max_tokens: Option<u64>,
    max_completion_tokens: Option<u64>,
    stop: Option<Value>,
    seed: Option<i64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    reasoning_effort: Option<String>,
    n: Option<u64>,
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
}

#[derive(Deserialize)]
struct StreamOptions {
    include_usage: Option<bool>,
}

#[derive(Deserialize)]
struct ToolDef {
    #[serde(rename = "type")]
    kind: Option<String>,
    function: Option<FunctionDef>,
}

#[derive(Deserialize)]
struct FunctionDef {
    name: String,
    description: Option<String>,
    parameters: Option<Obj>,
}

#[derive(Deserialize)]
struct ResponseFormat {
    #[serde(rename = "type")]
    kind: String,
    json_schema: Option<JsonSchema>,
}

#[derive(Deserialize)]
struct JsonSchema {
    name: Option<String>,
    schema: Option<Obj>,
    strict: Option<bool>,
}

#[derive(Deserialize)]
struct ToolCall {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    function: Option<FunctionCall>,
}

#[derive(Deserialize)]
struct FunctionCall {
    name: Option<String>,
    arguments: Option<String>,
}

/// Decodes a body; `scrub` is the `x-parlance-scrub-pii` header's value, when sent.
pub fn request(body: &[u8], scrub: Option<&str>) -> Result<Decoded, OpenAiError> {
    let mut b: Body = serde_json::from_slice(body)
        .map_err(|e| OpenAiError::invalid(format!("invalid request body: {e}"), None))?;
    let model = b.model.take().filter(|m| !m.is_empty()).ok_or_else(|| missing("model"))?;
    let (component, chosen) = split_model(&model)?;
    if b.n.is_some_and(|n| n != 1) {
        return Err(OpenAiError::invalid("n other than 1 is not supported", Some("n")));
    }
    let (scrub_inputs, scrub_outputs) = scrub_flags(scrub)?;
    let parameters = parameters(&b)?;
    let messages = messages(b.messages.ok_or_else(|| missing("messages"))?)?;
    let mut metadata = BTreeMap::new();
    if let Some(m) = chosen {
        metadata.insert(MODEL_KEY.to_string(), m.to_string());
    }
    let request = ConverseRequest {
        inputs: vec![Input { messages, scrub_pii: scrub_inputs }],
        parameters,
        metadata,
        scrub_pii: scrub_outputs,
        temperature: b.temperature,
        tools: tools(b.tools.unwrap_or_default())?,
        tool_choice: b.tool_choice.map(tool_choice).transpose()?,
        response_format: b.response_format.and_then(response_format),
        ..ConverseRequest::default()
    };
    let stream = b
        .stream
        .unwrap_or(false)
        .then(|| b.stream_options.and_then(|o| o.include_usage).unwrap_or(false));
    Ok(Decoded { component: component.to_string(), model, request, stream })
}

fn missing(field: &'static str) -> OpenAiError {
    OpenAiError::invalid(format!("missing required parameter: '{field}'"), Some(field))
}

/// `component` or `component/model`, split on the first `/` (upstream ids contain `/`).
pub fn split_model(model: &str) -> Result<(&str, Option<&str>), OpenAiError> {
    crate::door::model::split(model).map_err(|_| {
        OpenAiError::invalid(
            "invalid model: expected \"<component>\" or \"<component>/<model>\"",
            Some("model"),
        )
    })
}

/// `inputs|outputs|both` → (scrub inputs, scrub outputs).
fn scrub_flags(header: Option<&str>) -> Result<(bool, bool), OpenAiError> {
    crate::door::scrub_flags(header).map_err(|e| OpenAiError::invalid(e, None))
}

fn messages(raw: Vec<Obj>) -> Result<Vec<Message>, OpenAiError> {
    let names = tool_names(&raw);
    raw.into_iter().enumerate().map(|(i, m)| message(i, m, &names)).collect()
}

/// Tool call id → function name, from the history's assistant messages: OpenAI's `tool`
/// messages carry only the id, alpha2's carry the name too.
fn tool_names(raw: &[Obj]) -> BTreeMap<String, String> {
    let calls = raw.iter().filter_map(|m| m.get("tool_calls")?.as_array()).flatten();
    calls
        .filter_map(|c| {
            let id = c.get("id")?.as_str()?;
            let name = c.get("function")?.get("name")?.as_str()?;
            Some((id.to_string(), name.to_string()))
        })
        .collect()
}

fn message(i: usize, mut m: Obj, names: &BTreeMap<String, String>) -> Result<Message, OpenAiError> {
    let param = |f: &str| format!("messages[{i}].{f}");
    let bad = |f: &str, msg: String| OpenAiError::invalid_at(msg, param(f));
    let role = match m.remove("role") {
        Some(Value::String(r)) => r,
        _ => return Err(bad("role", format!("messages[{i}]: missing or invalid 'role'"))),
    };
    let content = texts(m.remove("content")).map_err(|e| bad("content", e))?;
    Ok(match role.as_str() {
        "system" => Message::System(content),
        "developer" => Message::Developer(content),
        "user" => Message::User(content),
        "assistant" => {
            let calls = m.remove("tool_calls").filter(|v| !v.is_null());
            let calls: Vec<ToolCall> = match calls {
                None => Vec::new(),
                Some(v) => serde_json::from_value(v)
                    .map_err(|e| bad("tool_calls", format!("invalid tool_calls: {e}")))?,
            };
            let tool_calls = calls
                .into_iter()
                .map(history_call)
                .collect::<Result<_, _>>()
                .map_err(|e| bad("tool_calls", e))?;
            Message::Assistant { content, tool_calls }
        }
        "tool" => {
            let id = match m.remove("tool_call_id") {
                Some(Value::String(id)) => id,
                _ => {
                    return Err(bad(
                        "tool_call_id",
                        format!("messages[{i}]: missing 'tool_call_id'"),
                    ));
                }
            };
            let name = match m.remove("name") {
                Some(Value::String(n)) => n,
                _ => names.get(&id).cloned().unwrap_or_default(),
            };
            Message::Tool { tool_id: Some(id), name, content }
        }
        other => {
            return Err(bad(
                "role",
                format!(
                    "messages[{i}]: unsupported role {other:?} (system, developer, user, assistant or tool)"
                ),
            ));
        }
    })
}

/// `content` as a string or an array of text parts; absent or `null` is no text.
fn texts(content: Option<Value>) -> Result<Vec<String>, String> {
    match content {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(parts)) => parts.into_iter().map(text_part).collect(),
        Some(_) => Err("content must be a string or an array of content parts".into()),
    }
}

fn text_part(part: Value) -> Result<String, String> {
    let Value::Object(mut p) = part else { return Err("a content part must be an object".into()) };
    match (p.remove("type"), p.remove("text")) {
        (Some(Value::String(t)), Some(Value::String(text))) if t == "text" => Ok(text),
        (Some(Value::String(t)), _) if t == "text" => Err("a text part needs 'text'".into()),
        (Some(Value::String(t)), _) => {
            Err(format!("content parts of type {t:?} are not supported (only \"text\")"))
        }
        _ => Err("a content part needs a 'type'".into()),
    }
}

fn history_call(c: ToolCall) -> Result<ToolCallIn, String> {
    if c.kind.as_deref().is_some_and(|k| k != "function") {
        return Err("only tool calls of type \"function\" are supported".into());
    }
    let function = c.function.map(|f| FunctionCallIn {
        name: f.name.unwrap_or_default(),
        arguments: f.arguments.unwrap_or_default(),
    });
    Ok(ToolCallIn { id: c.id, function })
}

fn tools(defs: Vec<ToolDef>) -> Result<Vec<ToolIn>, OpenAiError> {
    defs.into_iter()
        .map(|t| {
            if t.kind.as_deref().is_some_and(|k| k != "function") {
                return Err(OpenAiError::invalid(
                    "only tools of type \"function\" are supported",
                    Some("tools"),
                ));
            }
            let f = t.function.ok_or_else(|| missing("tools[].function"))?;
            let function =
                FunctionIn { name: f.name, description: f.description, parameters: f.parameters };
            Ok(ToolIn { function: Some(function) })
        })
        .collect()
}

/// `"auto" | "none" | "required" | {"type":"function","function":{"name":…}}` → alpha2's
/// string (a tool's name for the object form).
fn tool_choice(v: Value) -> Result<String, OpenAiError> {
    let bad = || OpenAiError::invalid("invalid tool_choice", Some("tool_choice"));
    match v {
        Value::String(s) => Ok(s),
        Value::Object(o) => {
            let name = o.get("function").and_then(|f| f.get("name")).and_then(Value::as_str);
            name.map(str::to_string).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// `json_schema` → alpha2's schema object (with its `name` and `strict`), `json_object` → an
/// object schema, `text` → none.
fn response_format(f: ResponseFormat) -> Option<Obj> {
    match f.kind.as_str() {
        "json_object" => {
            let mut schema = Obj::new();
            schema.insert("type".into(), Value::String("object".into()));
            Some(schema)
        }
        "json_schema" => {
            let js = f.json_schema?;
            let mut schema = js.schema.unwrap_or_default();
            if let Some(name) = js.name.filter(|n| !n.is_empty()) {
                schema.insert("name".into(), Value::String(name));
            }
            if js.strict == Some(true) {
                schema.insert("strict".into(), Value::Bool(true));
            }
            Some(schema)
        }
        _ => None,
    }
}

/// The generation parameters, as an alpha2 client sends them in `parameters`.
fn parameters(b: &Body) -> Result<BTreeMap<String, prost_types::Any>, OpenAiError> {
    let mut p = BTreeMap::new();
    if let Some(n) = b.max_completion_tokens.or(b.max_tokens) {
        let n = i64::try_from(n)
            .map_err(|_| OpenAiError::invalid("max_tokens is too large", Some("max_tokens")))?;
        p.insert("max_tokens".to_string(), params::int64(n));
    }
    let doubles = [
        ("top_p", b.top_p),
        ("frequency_penalty", b.frequency_penalty),
        ("presence_penalty", b.presence_penalty),
    ];
    for (k, v) in doubles {
        if let Some(v) = v {
            p.insert(k.to_string(), params::double(v));
        }
    }
    if let Some(seed) = b.seed {
        p.insert("seed".to_string(), params::int64(seed));
    }
    if let Some(any) = b.stop.as_ref().map(stop_any).transpose()?.flatten() {
        p.insert("stop".to_string(), any);
    }
    if let Some(e) = &b.reasoning_effort {
        p.insert("reasoning_effort".to_string(), params::string(e.clone()));
    }
    Ok(p)
}

/// `stop`: a string, or an array of strings (`null` and `[]` are no stop sequence).
fn stop_any(stop: &Value) -> Result<Option<prost_types::Any>, OpenAiError> {
    let bad = || OpenAiError::invalid("stop must be a string or an array of strings", Some("stop"));
    match stop {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(params::string(s.clone()))),
        Value::Array(items) if items.is_empty() => Ok(None),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
                .collect::<Result<_, OpenAiError>>()?;
            Ok(Some(params::string_list(items)))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests;
