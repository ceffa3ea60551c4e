//! Sample JSON documents generated from a JSON Schema, deterministically.
//!
//! Used for tool-call arguments and structured output. Supports `type` (also a list of types),
//! `properties`/`required` (only required properties are filled; all of them when `required` is
//! absent), `items`, `enum`, `const`, `default`, `anyOf`/`oneOf` (first branch), `allOf` (merged),
//! local `$ref`s (`#/$defs/…`, `#/definitions/…`), string `format`s and numeric/length bounds.

use serde_json::{Map, Value, json};

/// How deep `$ref`s and nesting may go before the generator answers `null`.
const MAX_DEPTH: usize = 16;

/// A sample value that conforms to `schema` (best effort for unsupported keywords).
pub fn sample(schema: &Value) -> Value {
    Generator { root: schema }.value(schema, 0)
}

struct Generator<'a> {
    root: &'a Value,
}

impl<'a> Generator<'a> {
    fn value(&self, schema: &'a Value, depth: usize) -> Value {
        let Some(obj) = schema.as_object() else {
            return Value::Null; // `true`/`{}`-like schemas accept anything
        };
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
            return match self.resolve(target) {
                Some(s) => self.value(s, depth + 1),
                None => Value::Null,
            };
        }
        if let Some(v) = obj.get("const").or_else(|| obj.get("default")) {
            return v.clone();
        }
        if let Some(first) = obj.get("enum").and_then(Value::as_array).and_then(|a| a.first()) {
            return first.clone();
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(first) = obj.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
                return self.value(first, depth + 1);
            }
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            return self.all_of(all, depth);
        }
        self.typed(obj, depth)
    }

    fn typed(&self, obj: &'a Map<String, Value>, depth: usize) -> Value {
        match type_of(obj) {
            "object" => self.object(obj, depth),
            "array" => self.array(obj, depth),
            "string" => string_sample(obj),
            "integer" => json!(number_sample(obj, 1.0).round() as i64),
            "number" => json!(number_sample(obj, 1.5)),
            "boolean" => Value::Bool(true),
            _ => Value::Null,
        }
    }

    fn object(&self, obj: &'a Map<String, Value>, depth: usize) -> Value {
        let empty = Map::new();
        let props = obj.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: Option<Vec<&str>> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect());
        let mut out = Map::new();
        for (name, prop) in props {
            if required.as_ref().is_none_or(|r| r.contains(&name.as_str())) {
                out.insert(name.clone(), self.value(prop, depth + 1));
            }
        }
        // A required name without a property schema still needs a value.
        for name in required.unwrap_or_default() {
            out.entry(name.to_owned()).or_insert_with(|| Value::String("sample".into()));
        }
        Value::Object(out)
    }

    fn array(&self, obj: &'a Map<String, Value>, depth: usize) -> Value {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(1).max(1);
        let max = obj.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
        let count = min.min(max).min(64);
        let item = match obj.get("items") {
            Some(items) => self.value(items, depth + 1),
            None => Value::String("sample".into()),
        };
        Value::Array((0..count).map(|_| item.clone()).collect())
    }

    fn all_of(&self, all: &'a [Value], depth: usize) -> Value {
        let mut merged = Map::new();
        for part in all {
            match self.value(part, depth + 1) {
                Value::Object(m) => merged.extend(m),
                other if merged.is_empty() => return other,
                _ => {}
            }
        }
        Value::Object(merged)
    }

    fn resolve(&self, target: &str) -> Option<&'a Value> {
        let pointer = target.strip_prefix('#')?;
        self.root.pointer(pointer)
    }
}

/// The schema's type; a list picks its first non-null entry; absent is inferred from keywords.
fn type_of(obj: &Map<String, Value>) -> &str {
    match obj.get("type") {
        Some(Value::String(t)) => t,
        Some(Value::Array(types)) => {
            types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null")
        }
        _ if obj.contains_key("properties") => "object",
        _ if obj.contains_key("items") => "array",
        _ => "string",
    }
}

fn string_sample(obj: &Map<String, Value>) -> Value {
    let base = match obj.get("format").and_then(Value::as_str) {
        Some("date-time") => "2024-01-01T00:00:00Z",
        Some("date") => "2024-01-01",
        Some("time") => "00:00:00Z",
        Some("email") => "user@example.com",
        Some("uri" | "url") => "https://example.com/",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        Some("hostname") => "example.com",
        _ => "sample",
    };
    let mut text = base.to_owned();
    let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
        text = text.chars().take(max as usize).collect();
    }
    Value::String(text)
}

/// A number inside the schema's bounds, `preferred` when that fits.
fn number_sample(obj: &Map<String, Value>, preferred: f64) -> f64 {
    let get = |k: &str| obj.get(k).and_then(Value::as_f64);
    let low = get("minimum").or_else(|| get("exclusiveMinimum").map(|m| m + 1.0));
    let high = get("maximum").or_else(|| get("exclusiveMaximum").map(|m| m - 1.0));
    let mut n = preferred;
    if let Some(low) = low {
        n = n.max(low);
    }
    if let Some(high) = high {
        n = n.min(high);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_by_type() {
        assert_eq!(sample(&json!({"type": "string"})), json!("sample"));
        assert_eq!(sample(&json!({"type": "integer"})), json!(1));
        assert_eq!(sample(&json!({"type": "number"})), json!(1.5));
        assert_eq!(sample(&json!({"type": "boolean"})), json!(true));
        assert_eq!(sample(&json!({"type": "null"})), json!(null));
        assert_eq!(sample(&json!({"type": ["null", "integer"]})), json!(1));
    }

    #[test]
    fn fills_required_properties_only() {
        let schema = json!({
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"]
        });
        assert_eq!(sample(&schema), json!({"city": "sample", "days": 1}));
    }

    #[test]
    fn fills_all_properties_when_required_absent() {
        let schema = json!({"properties": {"a": {"type": "boolean"}, "b": {"type": "array", "items": {"type": "integer"}}}});
        assert_eq!(sample(&schema), json!({"a": true, "b": [1]}));
    }

    #[test]
    fn honours_enum_const_default_and_formats() {
        assert_eq!(
            sample(&json!({"type": "string", "enum": ["celsius", "fahrenheit"]})),
            json!("celsius")
        );
        assert_eq!(sample(&json!({"const": 7})), json!(7));
        assert_eq!(sample(&json!({"type": "integer", "default": 3})), json!(3));
        assert_eq!(sample(&json!({"type": "string", "format": "date"})), json!("2024-01-01"));
        assert_eq!(sample(&json!({"type": "string", "minLength": 8})), json!("samplexx"));
        assert_eq!(sample(&json!({"type": "string", "maxLength": 3})), json!("sam"));
    }

    #[test]
    fn honours_numeric_bounds() {
        assert_eq!(sample(&json!({"type": "integer", "minimum": 10})), json!(10));
        assert_eq!(sample(&json!({"type": "integer", "exclusiveMinimum": 10})), json!(11));
        assert_eq!(sample(&json!({"type": "number", "maximum": 0.5})), json!(0.5));
    }

    #[test]
    fn array_bounds() {
        let s = json!({"type": "array", "items": {"type": "string"}, "minItems": 2});
        assert_eq!(sample(&s), json!(["sample", "sample"]));
        let s = json!({"type": "array", "items": {"type": "string"}, "maxItems": 0});
        assert_eq!(sample(&s), json!([]));
    }

    #[test]
    fn composition_and_refs() {
        let s = json!({"anyOf": [{"type": "integer"}, {"type": "string"}]});
        assert_eq!(sample(&s), json!(1));
        let s = json!({"allOf": [{"properties": {"a": {"type": "integer"}}}, {"properties": {"b": {"type": "boolean"}}}]});
        assert_eq!(sample(&s), json!({"a": 1, "b": true}));
        let s = json!({
            "type": "object",
            "properties": {"p": {"$ref": "#/$defs/point"}},
            "$defs": {"point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}}
        });
        assert_eq!(sample(&s), json!({"p": {"x": 1.5}}));
    }

    #[test]
    fn recursive_refs_terminate() {
        let s = json!({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}}, "$ref": "#/$defs/n"});
        let v = sample(&s);
        assert!(v.is_object());
    }

    #[test]
    fn required_without_property_schema() {
        assert_eq!(sample(&json!({"type": "object", "required": ["q"]})), json!({"q": "sample"}));
    }
}
