//! Small helpers to walk a `serde_yaml::Value` by hand, so that every problem gets its path.

use serde_yaml::{Mapping, Value};

/// The field `name` of `map`: an exact match first, then a case-insensitive one (daprd decodes
/// resources through Go's `encoding/json`, which matches field names that way).
pub(crate) fn field<'a>(map: &'a Mapping, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v)
    })
}

/// `value` without its YAML tag, if it has one.
pub(crate) fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(t) => untagged(&t.value),
        other => other,
    }
}

/// A word for the kind of `value`, for messages ("a number", "a list").
pub(crate) fn kind_name(value: &Value) -> &'static str {
    match untagged(value) {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A metadata value as daprd passes it to a component: a string as is, a number or boolean as
/// its text, null as empty, a mapping or list as its JSON text.
pub(crate) fn value_text(value: &Value) -> Result<String, String> {
    match untagged(value) {
        Value::Null => Ok(String::new()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s.clone()),
        other => json_text(other),
    }
}

fn json_text(value: &Value) -> Result<String, String> {
    let json = serde_json::to_value(value).map_err(|e| format!("cannot convert to JSON: {e}"))?;
    serde_json::to_string(&json).map_err(|e| format!("cannot convert to JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap_or(Value::Null)
    }

    #[test]
    fn scalars_become_their_text() {
        assert_eq!(value_text(&yaml("2048")), Ok("2048".into()));
        assert_eq!(value_text(&yaml("true")), Ok("true".into()));
        assert_eq!(value_text(&yaml("0.5")), Ok("0.5".into()));
        assert_eq!(value_text(&yaml("~")), Ok(String::new()));
        assert_eq!(value_text(&yaml("'x'")), Ok("x".into()));
    }

    #[test]
    fn collections_become_json_in_order() {
        assert_eq!(
            value_text(&yaml("{b: 1, a: [x, true]}")),
            Ok(r#"{"b":1,"a":["x",true]}"#.into())
        );
    }

    #[test]
    fn field_falls_back_to_case_insensitive() {
        let map = yaml("{Kind: Component, kind2: x}");
        let map = map.as_mapping().cloned().unwrap_or_default();
        assert_eq!(field(&map, "kind").and_then(Value::as_str), Some("Component"));
    }
}
