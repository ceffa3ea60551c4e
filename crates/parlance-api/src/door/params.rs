//! Generation parameters as the alpha2 door receives them in `parameters` (protobuf
//! well-known wrapper types in `Any`), so a request through any door reaches the service —
//! and its cache key — in one form.

use prost::Message as _;

/// `google.protobuf.Int64Value`.
#[derive(Clone, PartialEq, prost::Message)]
struct Int64Value {
    #[prost(int64, tag = "1")]
    value: i64,
}

/// `google.protobuf.DoubleValue`.
#[derive(Clone, PartialEq, prost::Message)]
struct DoubleValue {
    #[prost(double, tag = "1")]
    value: f64,
}

/// `google.protobuf.StringValue`.
#[derive(Clone, PartialEq, prost::Message)]
struct StringValue {
    #[prost(string, tag = "1")]
    value: String,
}

fn any(name: &str, value: Vec<u8>) -> prost_types::Any {
    prost_types::Any { type_url: format!("type.googleapis.com/google.protobuf.{name}"), value }
}

/// An `Int64Value`.
pub fn int64(value: i64) -> prost_types::Any {
    any("Int64Value", Int64Value { value }.encode_to_vec())
}

/// A `DoubleValue`.
pub fn double(value: f64) -> prost_types::Any {
    any("DoubleValue", DoubleValue { value }.encode_to_vec())
}

/// A `StringValue`.
pub fn string(value: String) -> prost_types::Any {
    any("StringValue", StringValue { value }.encode_to_vec())
}

/// A `ListValue` of strings.
pub fn string_list(items: Vec<String>) -> prost_types::Any {
    let values = items
        .into_iter()
        .map(|s| prost_types::Value { kind: Some(prost_types::value::Kind::StringValue(s)) })
        .collect();
    any("ListValue", prost_types::ListValue { values }.encode_to_vec())
}
