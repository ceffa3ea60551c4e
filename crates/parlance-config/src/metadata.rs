//! Resolved component metadata: case-insensitive keys, string values, the YAML path of each entry
//! for error messages, and typed accessors that decode values the way `dapr/kit` does.

use std::fmt;
use std::time::Duration;

use crate::duration::parse_dapr_duration;

/// One metadata entry after resolution.
#[derive(Clone, PartialEq, Eq)]
struct Entry {
    /// The key as written in the YAML.
    key: String,
    /// The key lower-cased, for lookups.
    lower: String,
    value: String,
    /// The YAML path of the entry, e.g. `spec.metadata[2]`.
    path: String,
    /// The value came from a secret store: never log it.
    secret: bool,
}

/// A component's metadata (`spec.metadata`), resolved to strings.
///
/// Keys are case-insensitive like daprd's decoding; iteration keeps the YAML order. `Debug`
/// redacts values that came from a secret store.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    entries: Vec<Entry>,
}

impl Metadata {
    /// Builds metadata from `(key, value)` pairs (paths are `spec.metadata[i]`); a later key that
    /// collides case-insensitively with an earlier one is ignored. Handy in tests.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let mut metadata = Self::default();
        for (i, (key, value)) in pairs.iter().enumerate() {
            let _ignored = metadata.insert(key, *value, format!("spec.metadata[{i}]"));
        }
        metadata
    }

    /// Adds a plain entry. On a case-insensitive key collision nothing is added and the path of
    /// the existing entry is returned as the error.
    pub fn insert(
        &mut self,
        key: &str,
        value: impl Into<String>,
        path: impl Into<String>,
    ) -> Result<(), String> {
        self.push(key, value.into(), path.into(), false)
    }

    /// Adds an entry whose value came from a secret store (see [`Metadata::is_secret`]).
    pub fn insert_secret(
        &mut self,
        key: &str,
        value: impl Into<String>,
        path: impl Into<String>,
    ) -> Result<(), String> {
        self.push(key, value.into(), path.into(), true)
    }

    fn push(&mut self, key: &str, value: String, path: String, secret: bool) -> Result<(), String> {
        if let Some(existing) = self.entry(key) {
            return Err(existing.path.clone());
        }
        self.entries.push(Entry {
            key: key.to_owned(),
            lower: key.to_lowercase(),
            value,
            path,
            secret,
        });
        Ok(())
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        let lower = key.to_lowercase();
        self.entries.iter().find(|e| e.lower == lower)
    }

    /// The value of `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    /// The value of the first of `keys` that is present, e.g. `["responseCacheTTL", "cacheTTL"]`.
    pub fn get_any(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// The YAML path of `key` (e.g. `spec.metadata[2]`), for error messages.
    pub fn path_of(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.path.as_str())
    }

    /// Whether the value of `key` came from a `secretKeyRef`: callers must never log it.
    pub fn is_secret(&self, key: &str) -> bool {
        self.entry(key).is_some_and(|e| e.secret)
    }

    /// Every entry as `(key as written, value)`, in YAML order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|e| (e.key.as_str(), e.value.as_str()))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `key` as a duration: Go syntax (`10m`, `1h30m`, `500ms`) or a bare integer of seconds.
    /// Absent or empty → `Ok(None)`.
    pub fn duration(&self, key: &str) -> Result<Option<Duration>, String> {
        self.typed(key, "a duration", parse_dapr_duration)
    }

    /// `key` as a boolean, with Go's `strconv.ParseBool` spellings (`true`, `TRUE`, `t`, `1`,
    /// `false`, `f`, `0`, …). Absent or empty → `Ok(None)`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, String> {
        self.typed(key, "a boolean (true or false)", parse_go_bool)
    }

    /// `key` as an unsigned integer. Absent or empty → `Ok(None)`.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, String> {
        self.typed(key, "a non-negative integer", |v| v.parse::<u64>().map_err(|e| e.to_string()))
    }

    /// `key` as a floating-point number. Absent or empty → `Ok(None)`.
    pub fn f64(&self, key: &str) -> Result<Option<f64>, String> {
        self.typed(key, "a number", |v| v.parse::<f64>().map_err(|e| e.to_string()))
    }

    /// Decodes `key` with `parse`; the error names the key and, unless it is a secret, the value.
    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        let Some(entry) = self.entry(key) else {
            return Ok(None);
        };
        let value = entry.value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        parse(value).map(Some).map_err(|e| {
            let shown = if entry.secret { "<secret>" } else { value };
            format!("metadata {:?} must be {expected}, got {shown:?}: {e}", entry.key)
        })
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(v: &str) -> Result<bool, String> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err("not a boolean".to_owned()),
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for e in &self.entries {
            let value = if e.secret { "<secret>" } else { e.value.as_str() };
            map.entry(&e.key, &value);
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_keep_their_spelling() {
        let m = Metadata::from_pairs(&[("Model", "gpt"), ("cacheTTL", "10m")]);
        assert_eq!(m.get("model"), Some("gpt"));
        assert_eq!(m.get("MODEL"), Some("gpt"));
        assert_eq!(m.get_any(&["responseCacheTTL", "cachettl"]), Some("10m"));
        assert_eq!(m.path_of("CACHETTL"), Some("spec.metadata[1]"));
        assert_eq!(m.iter().next(), Some(("Model", "gpt")));
    }

    #[test]
    fn insert_refuses_a_case_insensitive_duplicate() {
        let mut m = Metadata::default();
        assert_eq!(m.insert("key", "a", "spec.metadata[0]"), Ok(()));
        assert_eq!(m.insert("KEY", "b", "spec.metadata[1]"), Err("spec.metadata[0]".into()));
        assert_eq!(m.get("key"), Some("a"));
    }

    #[test]
    fn typed_accessors() {
        let m = Metadata::from_pairs(&[
            ("ttl", "10m"),
            ("secs", "30"),
            ("on", "true"),
            ("n", "2048"),
            ("t", "0.5"),
            ("empty", ""),
        ]);
        assert_eq!(m.duration("ttl"), Ok(Some(Duration::from_secs(600))));
        assert_eq!(m.duration("secs"), Ok(Some(Duration::from_secs(30))));
        assert_eq!(m.duration("missing"), Ok(None));
        assert_eq!(m.duration("empty"), Ok(None));
        assert_eq!(m.bool("on"), Ok(Some(true)));
        assert_eq!(m.u64("n"), Ok(Some(2048)));
        assert_eq!(m.f64("t"), Ok(Some(0.5)));
        assert!(m.u64("t").is_err());
        assert!(m.bool("n").is_err());
    }

    #[test]
    fn bad_duration_names_the_key() {
        let m = Metadata::from_pairs(&[("cacheTTL", "10 minutes")]);
        let e = m.duration("cachettl").err().unwrap_or_default();
        assert!(e.contains("\"cacheTTL\""), "{e}");
        assert!(e.contains("10 minutes"), "{e}");
    }

    #[test]
    fn secrets_are_redacted() {
        let mut m = Metadata::default();
        let _ = m.insert_secret("key", "sk-123", "spec.metadata[0]");
        assert!(m.is_secret("KEY"));
        assert!(!format!("{m:?}").contains("sk-123"));
        let e = m.u64("key").err().unwrap_or_default();
        assert!(!e.contains("sk-123"), "{e}");
    }
}
