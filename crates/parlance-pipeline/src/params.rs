//! Alpha2 `parameters` → [`GenerationParams`]. Dapr drops these (dapr#10317); we forward the
//! ones every OpenAI-style API understands, and `reasoning_effort` / `reasoning_summary`
//! (what the Responses door's `reasoning` becomes) for the providers that take them. Unknown
//! keys are ignored, as Dapr ignores them all; a known key with a value of the wrong type is
//! a client error.

use std::collections::BTreeMap;

use parlance_core::GenerationParams;
use parlance_core::wkt::{any_value, lenient_f64};
use serde_json::Value;

/// Extracts the generation parameters.
pub fn generation(params: &BTreeMap<String, prost_types::Any>) -> Result<GenerationParams, String> {
    let mut out = GenerationParams::default();
    for (key, any) in params {
        let Some(value) = any_value(any) else { continue };
        let bad = |e: String| format!("parameter {key}: {e}");
        match key.as_str() {
            "max_tokens" | "maxTokens" | "max_completion_tokens" => {
                out.max_tokens = Some(unsigned(&value).map_err(bad)?)
            }
            "top_p" | "topP" => out.top_p = Some(lenient_f64(&value).map_err(bad)?),
            "seed" => out.seed = Some(signed(&value).map_err(bad)?),
            "frequency_penalty" | "frequencyPenalty" => {
                out.frequency_penalty = Some(lenient_f64(&value).map_err(bad)?)
            }
            "presence_penalty" | "presencePenalty" => {
                out.presence_penalty = Some(lenient_f64(&value).map_err(bad)?)
            }
            "stop" => out.stop = stop(&value).map_err(bad)?,
            "reasoning_effort" | "reasoningEffort" => {
                out.reasoning_effort = Some(text(&value).map_err(bad)?)
            }
            "reasoning_summary" | "reasoningSummary" => {
                out.reasoning_summary = Some(text(&value).map_err(bad)?)
            }
            _ => {}
        }
    }
    Ok(out)
}

fn text(v: &Value) -> Result<String, String> {
    v.as_str().map(str::to_string).ok_or_else(|| "expected a string".into())
}

fn signed(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| "expected an integer".into()),
        Value::String(s) => s.parse().map_err(|_| format!("expected an integer, got {s:?}")),
        _ => Err("expected an integer".into()),
    }
}

fn unsigned(v: &Value) -> Result<u64, String> {
    let n = signed(v)?;
    u64::try_from(n).map_err(|_| "expected a non-negative integer".into())
}

fn stop(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(|| "expected strings".to_string()))
            .collect(),
        _ => Err("expected a string or a list of strings".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::wkt::any_from_json;
    use serde_json::json;

    fn any(v: Value) -> prost_types::Any {
        any_from_json(v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn known_parameters_are_extracted() {
        let mut p = BTreeMap::new();
        p.insert(
            "max_tokens".to_string(),
            any(json!({"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "100"})),
        );
        p.insert(
            "top_p".to_string(),
            any(json!({"@type": "type.googleapis.com/google.protobuf.DoubleValue", "value": 0.5})),
        );
        p.insert("stop".to_string(), any(json!({"@type": "type.googleapis.com/google.protobuf.ListValue", "value": ["a", "b"]})));
        p.insert(
            "model".to_string(),
            any(json!({"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "x"})),
        );
        p.insert(
            "reasoning_effort".to_string(),
            any(
                json!({"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "low"}),
            ),
        );
        let g = generation(&p).unwrap();
        assert_eq!(g.reasoning_effort.as_deref(), Some("low"));
        assert_eq!(g.reasoning_summary, None);
        assert_eq!(g.max_tokens, Some(100));
        assert_eq!(g.top_p, Some(0.5));
        assert_eq!(g.stop, vec!["a", "b"]);
    }

    #[test]
    fn wrong_types_are_errors() {
        let mut p = BTreeMap::new();
        p.insert("max_tokens".to_string(), any(json!({"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "lots"})));
        assert!(generation(&p).unwrap_err().starts_with("parameter max_tokens"));
    }
}
