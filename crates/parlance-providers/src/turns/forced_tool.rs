//! Structured output as a forced tool call, shared by the providers that have no native JSON
//! schema response format in every model (Anthropic Messages, Bedrock Converse): the schema
//! becomes a tool's input schema, the tool is forced, and its input comes back as the content.

use parlance_core::ChatRequest;
use serde_json::{Map, Value};

/// The tool name used when the schema's own name is unusable or clashes with a client tool.
pub(crate) const FALLBACK_FORMAT_TOOL: &str = "structured_output";

/// A tool input schema: both APIs require an object schema with a `type`; Dapr allows `{}`.
pub(crate) fn schema(params: &Map<String, Value>) -> Value {
    let mut s = params.clone();
    s.entry("type").or_insert_with(|| Value::String("object".into()));
    Value::Object(s)
}

/// The name of the structured-output tool, when the request asks for structured output.
pub(crate) fn format_tool_name(req: &ChatRequest) -> Option<String> {
    let f = req.response_format.as_ref()?;
    let valid = !f.name.is_empty()
        && f.name.len() <= 64
        && f.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let taken = req.tools.iter().any(|t| t.name == f.name);
    Some(if valid && !taken { f.name.clone() } else { FALLBACK_FORMAT_TOOL.to_string() })
}
