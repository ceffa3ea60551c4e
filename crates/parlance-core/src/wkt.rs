//! `google.protobuf.Any` holding well-known types, to and from their protojson form.
//!
//! Dapr's `parameters` map holds `Any` values. Over gRPC they arrive as bytes; over HTTP as
//! `{"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "100"}`. daprd resolves
//! only types its binary knows, which for conversation clients means the wrapper types and the
//! struct types; an unknown `@type` is a decoding error (400), as it is here.

use base64::Engine as _;
use prost::Message as _;
use serde_json::{Map, Number, Value};

/// Wrapper message with a string field 1 (`StringValue`).
#[derive(Clone, PartialEq, prost::Message)]
struct StringValue {
    #[prost(string, tag = "1")]
    value: String,
}
/// `BytesValue`.
#[derive(Clone, PartialEq, prost::Message)]
struct BytesValue {
    #[prost(bytes = "vec", tag = "1")]
    value: Vec<u8>,
}
/// `BoolValue`.
#[derive(Clone, PartialEq, prost::Message)]
struct BoolValue {
    #[prost(bool, tag = "1")]
    value: bool,
}
/// `Int32Value`.
#[derive(Clone, PartialEq, prost::Message)]
struct Int32Value {
    #[prost(int32, tag = "1")]
    value: i32,
}
/// `Int64Value`.
#[derive(Clone, PartialEq, prost::Message)]
struct Int64Value {
    #[prost(int64, tag = "1")]
    value: i64,
}
/// `value` as an `Int64Value` wrapped in `Any` (how daprd's SDKs send `max_tokens`).
pub fn int64_any(value: i64) -> prost_types::Any {
    let bytes = prost::Message::encode_to_vec(&Int64Value { value });
    let type_url = "type.googleapis.com/google.protobuf.Int64Value".to_string();
    prost_types::Any { type_url, value: bytes }
}

/// `UInt32Value`.
#[derive(Clone, PartialEq, prost::Message)]
struct UInt32Value {
    #[prost(uint32, tag = "1")]
    value: u32,
}
/// `UInt64Value`.
#[derive(Clone, PartialEq, prost::Message)]
struct UInt64Value {
    #[prost(uint64, tag = "1")]
    value: u64,
}
/// `FloatValue`.
#[derive(Clone, PartialEq, prost::Message)]
struct FloatValue {
    #[prost(float, tag = "1")]
    value: f32,
}
/// `DoubleValue`.
#[derive(Clone, PartialEq, prost::Message)]
struct DoubleValue {
    #[prost(double, tag = "1")]
    value: f64,
}

/// The well-known type named by an `Any`'s type URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wkt {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    UInt32,
    UInt64,
    Float,
    Double,
    Struct,
    Value,
    List,
    Duration,
    Empty,
}

fn wkt_of(type_url: &str) -> Option<Wkt> {
    let name = type_url.rsplit('/').next().unwrap_or(type_url);
    Some(match name {
        "google.protobuf.StringValue" => Wkt::String,
        "google.protobuf.BytesValue" => Wkt::Bytes,
        "google.protobuf.BoolValue" => Wkt::Bool,
        "google.protobuf.Int32Value" => Wkt::Int32,
        "google.protobuf.Int64Value" => Wkt::Int64,
        "google.protobuf.UInt32Value" => Wkt::UInt32,
        "google.protobuf.UInt64Value" => Wkt::UInt64,
        "google.protobuf.FloatValue" => Wkt::Float,
        "google.protobuf.DoubleValue" => Wkt::Double,
        "google.protobuf.Struct" => Wkt::Struct,
        "google.protobuf.Value" => Wkt::Value,
        "google.protobuf.ListValue" => Wkt::List,
        "google.protobuf.Duration" => Wkt::Duration,
        "google.protobuf.Empty" => Wkt::Empty,
        _ => return None,
    })
}

/// Decodes the protojson form of an `Any` (`{"@type": …, "value": …}`).
pub fn any_from_json(obj: &Map<String, Value>) -> Result<prost_types::Any, String> {
    let type_url = match obj.get("@type") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("missing \"@type\" field in google.protobuf.Any".into()),
    };
    let wkt =
        wkt_of(&type_url).ok_or_else(|| format!("unable to resolve {type_url:?}: not found"))?;
    let value = obj.get("value").unwrap_or(&Value::Null);
    let bytes = encode_wkt(wkt, value).map_err(|e| format!("invalid value for {type_url}: {e}"))?;
    Ok(prost_types::Any { type_url, value: bytes })
}

/// Encodes an `Any` as protojson. Unknown types keep their bytes, base64-encoded, so nothing
/// a gRPC client sent is lost when it is echoed back.
pub fn any_to_json(any: &prost_types::Any) -> Value {
    let mut obj = Map::new();
    obj.insert("@type".into(), Value::String(any.type_url.clone()));
    match any_value(any) {
        Some(v) => obj.insert("value".into(), v),
        None => obj.insert(
            "value".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(&any.value)),
        ),
    };
    Value::Object(obj)
}

/// The JSON value a well-known `Any` holds (`None` when the type is unknown or the bytes bad).
/// 64-bit integers come out as strings, as protojson writes them.
pub fn any_value(any: &prost_types::Any) -> Option<Value> {
    let b = any.value.as_slice();
    Some(match wkt_of(&any.type_url)? {
        Wkt::String => Value::String(StringValue::decode(b).ok()?.value),
        Wkt::Bytes => Value::String(
            base64::engine::general_purpose::STANDARD.encode(BytesValue::decode(b).ok()?.value),
        ),
        Wkt::Bool => Value::Bool(BoolValue::decode(b).ok()?.value),
        Wkt::Int32 => Value::from(Int32Value::decode(b).ok()?.value),
        Wkt::Int64 => Value::String(Int64Value::decode(b).ok()?.value.to_string()),
        Wkt::UInt32 => Value::from(UInt32Value::decode(b).ok()?.value),
        Wkt::UInt64 => Value::String(UInt64Value::decode(b).ok()?.value.to_string()),
        Wkt::Float => float_json(f64::from(FloatValue::decode(b).ok()?.value)),
        Wkt::Double => float_json(DoubleValue::decode(b).ok()?.value),
        Wkt::Struct => Value::Object(struct_to_json(&prost_types::Struct::decode(b).ok()?)),
        Wkt::Value => value_to_json(&prost_types::Value::decode(b).ok()?),
        Wkt::List => list_to_json(&prost_types::ListValue::decode(b).ok()?),
        Wkt::Duration => Value::String(duration_to_json(&prost_types::Duration::decode(b).ok()?)),
        Wkt::Empty => Value::Object(Map::new()),
    })
}

fn float_json(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String("NaN".into()),
        None if f > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

fn encode_wkt(wkt: Wkt, v: &Value) -> Result<Vec<u8>, String> {
    Ok(match wkt {
        Wkt::String => StringValue { value: json_str(v)? }.encode_to_vec(),
        Wkt::Bytes => BytesValue { value: json_bytes(v)? }.encode_to_vec(),
        Wkt::Bool => BoolValue { value: v.as_bool().ok_or("expected a boolean")? }.encode_to_vec(),
        Wkt::Int32 => Int32Value { value: int_in_range(v)? }.encode_to_vec(),
        Wkt::Int64 => Int64Value { value: int_in_range(v)? }.encode_to_vec(),
        Wkt::UInt32 => UInt32Value { value: int_in_range(v)? }.encode_to_vec(),
        Wkt::UInt64 => UInt64Value { value: int_in_range(v)? }.encode_to_vec(),
        Wkt::Float => FloatValue { value: lenient_f64(v)? as f32 }.encode_to_vec(),
        Wkt::Double => DoubleValue { value: lenient_f64(v)? }.encode_to_vec(),
        Wkt::Struct => match v {
            Value::Object(m) => json_to_struct(m).encode_to_vec(),
            _ => return Err("expected an object".into()),
        },
        Wkt::Value => json_to_value(v).encode_to_vec(),
        Wkt::List => match v {
            Value::Array(a) => json_to_list(a).encode_to_vec(),
            _ => return Err("expected an array".into()),
        },
        Wkt::Duration => parse_duration_json(&json_str(v)?)?.encode_to_vec(),
        Wkt::Empty => Vec::new(),
    })
}

fn json_str(v: &Value) -> Result<String, String> {
    v.as_str().map(str::to_owned).ok_or_else(|| "expected a string".into())
}

fn json_bytes(v: &Value) -> Result<Vec<u8>, String> {
    let s = json_str(v)?;
    let std = base64::engine::general_purpose::STANDARD;
    let url = base64::engine::general_purpose::URL_SAFE;
    std.decode(&s).or_else(|_| url.decode(&s)).map_err(|e| e.to_string())
}

/// An integer given as a JSON number or a decimal string, checked against the target's range.
fn int_in_range<T: TryFrom<i128>>(v: &Value) -> Result<T, String> {
    let n: i128 = match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            n.to_string().parse().map_err(|_| "bad integer")?
        }
        Value::Number(n) => {
            let f = n.as_f64().ok_or("bad number")?;
            if f.fract() != 0.0 {
                return Err("expected an integer".into());
            }
            f as i128
        }
        Value::String(s) => s.trim().parse().map_err(|_| format!("invalid integer {s:?}"))?,
        _ => return Err("expected an integer".into()),
    };
    T::try_from(n).map_err(|_| "integer out of range".into())
}

/// A double given as a JSON number, a numeric string, or `NaN`/`Infinity`/`-Infinity`.
pub fn lenient_f64(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| "bad number".into()),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => {
                other.parse::<f64>().map_err(|_| format!("invalid value for double: {other:?}"))
            }
        },
        _ => Err("expected a number".into()),
    }
}

/// Parses a protojson Duration (`"86400s"`, `"1.5s"`, `"-0.25s"`).
pub fn parse_duration_json(s: &str) -> Result<prost_types::Duration, String> {
    let bad = || format!("invalid google.protobuf.Duration value {s:?}");
    let body = s.strip_suffix('s').ok_or_else(bad)?;
    let (neg, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return Err(bad());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let seconds: i64 = whole.parse().map_err(|_| bad())?;
    let nanos: i32 =
        if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().map_err(|_| bad())? };
    if seconds > 315_576_000_000 {
        return Err(bad());
    }
    let sign = if neg { -1 } else { 1 };
    Ok(prost_types::Duration { seconds: sign * seconds, nanos: sign as i32 * nanos })
}

/// Writes a Duration as protojson does (`"1.500s"` style: 0, 3, 6 or 9 fraction digits).
pub fn duration_to_json(d: &prost_types::Duration) -> String {
    let neg = d.seconds < 0 || d.nanos < 0;
    let (s, n) = (d.seconds.unsigned_abs(), d.nanos.unsigned_abs());
    let sign = if neg { "-" } else { "" };
    match n {
        0 => format!("{sign}{s}s"),
        n if n % 1_000_000 == 0 => format!("{sign}{s}.{:03}s", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{sign}{s}.{:06}s", n / 1_000),
        n => format!("{sign}{s}.{n:09}s"),
    }
}

/// JSON object → `google.protobuf.Struct`.
pub fn json_to_struct(m: &Map<String, Value>) -> prost_types::Struct {
    prost_types::Struct { fields: m.iter().map(|(k, v)| (k.clone(), json_to_value(v))).collect() }
}

fn json_to_list(a: &[Value]) -> prost_types::ListValue {
    prost_types::ListValue { values: a.iter().map(json_to_value).collect() }
}

/// JSON value → `google.protobuf.Value`.
pub fn json_to_value(v: &Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match v {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(a) => Kind::ListValue(json_to_list(a)),
        Value::Object(m) => Kind::StructValue(json_to_struct(m)),
    };
    prost_types::Value { kind: Some(kind) }
}

/// `google.protobuf.Struct` → JSON object.
pub fn struct_to_json(s: &prost_types::Struct) -> Map<String, Value> {
    s.fields.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect()
}

fn list_to_json(l: &prost_types::ListValue) -> Value {
    Value::Array(l.values.iter().map(value_to_json).collect())
}

/// `google.protobuf.Value` → JSON value (integral numbers come out as integers).
pub fn value_to_json(v: &prost_types::Value) -> Value {
    use prost_types::value::Kind;
    match &v.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::NumberValue(n)) => number_json(*n),
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::ListValue(l)) => list_to_json(l),
        Some(Kind::StructValue(s)) => Value::Object(struct_to_json(s)),
    }
}

fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 { Value::from(n as i64) } else { float_json(n) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn wrappers_round_trip_through_protojson() {
        for v in [
            json!({"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "test-model"}),
            json!({"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "100"}),
            json!({"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": 7}),
            json!({"@type": "type.googleapis.com/google.protobuf.BoolValue", "value": true}),
            json!({"@type": "type.googleapis.com/google.protobuf.DoubleValue", "value": 0.5}),
            json!({"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": [1, "x"]}}),
            json!({"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.500s"}),
        ] {
            let any = any_from_json(&obj(v.clone())).unwrap();
            assert_eq!(any_to_json(&any), v);
        }
    }

    #[test]
    fn int64_accepts_numbers_and_strings() {
        let a = any_from_json(&obj(
            json!({"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": 100}),
        ))
        .unwrap();
        assert_eq!(any_value(&a), Some(json!("100")));
    }

    #[test]
    fn unknown_type_is_an_error() {
        let e = any_from_json(&obj(json!({"@type": "type.googleapis.com/foo.Bar", "value": 1})))
            .unwrap_err();
        assert!(e.contains("unable to resolve"), "{e}");
        assert!(any_from_json(&obj(json!({"value": 1}))).is_err());
    }

    #[test]
    fn out_of_range_int32_is_an_error() {
        let e = any_from_json(&obj(
            json!({"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": "99999999999"}),
        ));
        assert!(e.is_err());
    }

    #[test]
    fn durations_parse_like_protojson() {
        assert_eq!(parse_duration_json("86400s").unwrap().seconds, 86400);
        let d = parse_duration_json("1.5s").unwrap();
        assert_eq!((d.seconds, d.nanos), (1, 500_000_000));
        assert!(parse_duration_json("10m").is_err());
        assert!(parse_duration_json("1.1234567890s").is_err());
        assert_eq!(duration_to_json(&prost_types::Duration { seconds: 3, nanos: 0 }), "3s");
    }

    #[test]
    fn lenient_doubles() {
        assert_eq!(lenient_f64(&json!("0.7")).unwrap(), 0.7);
        assert!(lenient_f64(&json!(true)).is_err());
        assert!(lenient_f64(&json!("abc")).is_err());
    }
}
