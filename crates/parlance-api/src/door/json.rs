//! Writing a reply's JSON by hand, for the large fixed-shape replies of the agent doors (the
//! Responses object, the Messages reply): keys and constant values go out as ready-made
//! fragments, one copy each, and only what varies goes through `serde_json` (strings escaped,
//! numbers, client values). `serde_json` writes every key of a derived struct through its
//! string escaper, about 140 instructions a key (callgrind, BENCHMARKS.md); a Response object
//! has 44. The writers keep the derived `Serialize` of the same struct as their reference:
//! the doors' tests hold the two byte for byte equal.

use serde::Serialize;

/// A JSON document being written.
pub struct Json(Vec<u8>);

impl Json {
    /// An empty document with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Json {
        Json(Vec::with_capacity(capacity))
    }

    /// Appends `fragment` as it is (keys, punctuation, constant values: already JSON).
    pub fn raw(&mut self, fragment: &str) -> &mut Json {
        self.0.extend_from_slice(fragment.as_bytes());
        self
    }

    /// Appends `s` as a JSON string (quoted and escaped).
    pub fn str(&mut self, s: &str) -> &mut Json {
        self.value(s)
    }

    /// Appends `v` as `true` or `false`.
    pub fn bool(&mut self, v: bool) -> &mut Json {
        self.raw(if v { "true" } else { "false" })
    }

    /// Appends any serialisable value as `serde_json` writes it (numbers, options, client
    /// values).
    pub fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> &mut Json {
        // Writing into memory fails only for a map with non-string keys, which no caller
        // has; should it happen, the document says `null` there rather than break off.
        let at = self.0.len();
        if serde_json::to_writer(&mut self.0, v).is_err() {
            self.0.truncate(at);
            self.0.extend_from_slice(b"null");
        }
        self
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_strings_and_values() {
        let mut j = Json::with_capacity(8);
        j.raw("{\"a\":").str("x\"y\n").raw(",\"b\":").value(&Some(1.5)).raw(",\"c\":");
        j.bool(true).raw(",\"d\":").value(&None::<u64>).raw("}");
        let v: serde_json::Value = serde_json::from_slice(&j.into_bytes()).unwrap();
        assert_eq!(v, serde_json::json!({"a": "x\"y\n", "b": 1.5, "c": true, "d": null}));
    }
}
