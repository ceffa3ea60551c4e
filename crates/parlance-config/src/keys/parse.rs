//! One `APIKey` or `APIKeyGroup` document → its spec, collecting every problem (pure).

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

use super::{
    Budget, BudgetWindow, GroupSpec, KeySecret, KeySpec, Limits, MAX_BUDGET_USD, MAX_CONCURRENT,
    MAX_REQUESTS_PER_MINUTE, MAX_TOKENS_PER_MINUTE,
};
use crate::document::Document;
use crate::problem::ConfigProblem;
use crate::yaml::{field, kind_name, untagged};

/// Walks one document, collecting its problems.
struct Walk<'a> {
    document: &'a Document,
    problems: Vec<ConfigProblem>,
}

impl Walk<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(self.document.source.problem(path, message));
    }

    fn present<'v>(map: &'v Mapping, key: &str) -> Option<&'v Value> {
        field(map, key).map(untagged).filter(|v| !v.is_null())
    }

    fn mapping<'v>(&mut self, map: &'v Mapping, key: &str, path: &str) -> Option<&'v Mapping> {
        let value = Self::present(map, key)?;
        let found = value.as_mapping();
        if found.is_none() {
            self.error(path, format!("must be a mapping, got {}", kind_name(value)));
        }
        found
    }

    fn string(&mut self, map: &Mapping, key: &str, path: &str) -> Option<String> {
        let value = Self::present(map, key)?;
        match value.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.to_string()),
            Some(_) => {
                self.error(path, "must not be empty");
                None
            }
            None => {
                self.error(path, format!("must be a string, got {}", kind_name(value)));
                None
            }
        }
    }

    fn strings(&mut self, map: &Mapping, key: &str, path: &str) -> Option<Vec<String>> {
        let value = Self::present(map, key)?;
        let Some(items) = value.as_sequence() else {
            self.error(path, format!("must be a list of strings, got {}", kind_name(value)));
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match untagged(item).as_str().filter(|s| !s.trim().is_empty()) {
                Some(s) => out.push(s.to_string()),
                None => self.error(&format!("{path}[{i}]"), "must be a non-empty string"),
            }
        }
        Some(out)
    }

    /// A positive integer no larger than `max`.
    fn count(&mut self, map: &Mapping, key: &str, path: &str, max: u64) -> Option<u64> {
        let value = Self::present(map, key)?;
        match value.as_u64() {
            Some(n) if (1..=max).contains(&n) => Some(n),
            Some(n) => {
                self.error(path, format!("must be a positive integer of at most {max}, got {n}"));
                None
            }
            None => {
                let shown = serde_yaml::to_string(value).unwrap_or_default();
                let shown = shown.trim();
                self.error(path, format!("must be a positive integer, got {shown}"));
                None
            }
        }
    }

    fn name(&mut self, root: &Mapping) -> Option<String> {
        let meta = self.mapping(root, "metadata", "metadata");
        let name = meta.and_then(|m| self.string(m, "name", "metadata.name"));
        if name.is_none() && !self.problems.iter().any(|p| p.path.ends_with("metadata.name")) {
            self.error("metadata.name", "is required");
        }
        name
    }

    fn limits(&mut self, spec: &Mapping) -> Limits {
        let Some(map) = self.mapping(spec, "limits", "spec.limits") else {
            return Limits::default();
        };
        self.unknown(map, &["requestsPerMinute", "tokensPerMinute", "concurrent"], "spec.limits");
        Limits {
            requests_per_minute: self.count(
                map,
                "requestsPerMinute",
                "spec.limits.requestsPerMinute",
                MAX_REQUESTS_PER_MINUTE,
            ),
            tokens_per_minute: self.count(
                map,
                "tokensPerMinute",
                "spec.limits.tokensPerMinute",
                MAX_TOKENS_PER_MINUTE,
            ),
            concurrent: self.count(map, "concurrent", "spec.limits.concurrent", MAX_CONCURRENT),
        }
    }

    fn budgets(&mut self, spec: &Mapping) -> Vec<Budget> {
        let Some(value) = Self::present(spec, "budgets") else { return Vec::new() };
        let Some(items) = value.as_sequence() else {
            self.error("spec.budgets", format!("must be a list, got {}", kind_name(value)));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("spec.budgets[{i}]");
            match untagged(item).as_mapping() {
                Some(map) => out.extend(self.budget(map, &path)),
                None => self.error(&path, "must be a mapping with `usd` and `window`"),
            }
        }
        out
    }

    fn budget(&mut self, map: &Mapping, path: &str) -> Option<Budget> {
        self.unknown(map, &["usd", "window"], path);
        let usd = match Self::present(map, "usd").map(|v| (v, v.as_f64())) {
            Some((_, Some(usd))) if usd > 0.0 && usd <= MAX_BUDGET_USD => Some(usd),
            Some((v, _)) => {
                let shown = serde_yaml::to_string(v).unwrap_or_default();
                let message = format!(
                    "must be a positive number of dollars of at most {MAX_BUDGET_USD}, got {}",
                    shown.trim()
                );
                self.error(&format!("{path}.usd"), message);
                None
            }
            None => {
                self.error(&format!("{path}.usd"), "is required");
                None
            }
        };
        let window = match self.string(map, "window", &format!("{path}.window")).as_deref() {
            Some("day") => Some(BudgetWindow::Day),
            Some("week") => Some(BudgetWindow::Week),
            Some("month") => Some(BudgetWindow::Month),
            Some("total") => Some(BudgetWindow::Total),
            Some(other) => {
                let message = format!("must be day, week, month or total, got {other:?}");
                self.error(&format!("{path}.window"), message);
                None
            }
            None => {
                self.error(&format!("{path}.window"), "is required (day, week, month or total)");
                None
            }
        };
        Some(Budget { usd: usd?, window: window? })
    }

    fn secret(&mut self, spec: &Mapping) -> Option<KeySecret> {
        let Some(map) = self.mapping(spec, "secret", "spec.secret") else {
            if Self::present(spec, "secret").is_none() {
                self.error("spec.secret", "is required (sha256 or secretKeyRef)");
            }
            return None;
        };
        self.unknown(map, &["sha256", "secretKeyRef"], "spec.secret");
        let digest = Self::present(map, "sha256");
        let reference = Self::present(map, "secretKeyRef");
        match (digest, reference) {
            (Some(_), Some(_)) => {
                self.error("spec.secret", "give exactly one of sha256 and secretKeyRef, not both");
                None
            }
            (None, None) => {
                self.error("spec.secret", "give exactly one of sha256 and secretKeyRef");
                None
            }
            (Some(d), None) => self.digest(d),
            (None, Some(_)) => self.reference(map),
        }
    }

    fn digest(&mut self, value: &Value) -> Option<KeySecret> {
        let path = "spec.secret.sha256";
        let parsed = value.as_str().and_then(parse_hex_digest);
        if parsed.is_none() {
            // The value is not echoed: it may be a key pasted by mistake.
            self.error(path, "must be the 64 lower-case hex digits of a SHA-256 digest");
        }
        parsed.map(KeySecret::Sha256)
    }

    fn reference(&mut self, map: &Mapping) -> Option<KeySecret> {
        let path = "spec.secret.secretKeyRef";
        let r = self.mapping(map, "secretKeyRef", path)?;
        let name = self.string(r, "name", &format!("{path}.name"));
        if name.is_none() && Self::present(r, "name").is_none() {
            self.error(&format!("{path}.name"), "is required");
        }
        let key = self.string(r, "key", &format!("{path}.key")).unwrap_or_default();
        Some(KeySecret::Ref { name: name?, key })
    }

    fn labels(&mut self, spec: &Mapping) -> BTreeMap<String, String> {
        let Some(map) = self.mapping(spec, "labels", "spec.labels") else { return BTreeMap::new() };
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let key = k.as_str().unwrap_or_default().to_string();
            match untagged(v).as_str() {
                Some(v) if !key.is_empty() => {
                    out.insert(key, v.to_string());
                }
                _ => self.error(&format!("spec.labels.{key}"), "labels map strings to strings"),
            }
        }
        out
    }

    fn secret_store(&mut self, root: &Mapping) -> Option<String> {
        let auth = self.mapping(root, "auth", "auth")?;
        self.string(auth, "secretStore", "auth.secretStore")
    }

    /// Unknown fields are errors: a misspelt limit must not silently mean "no limit".
    fn unknown(&mut self, map: &Mapping, known: &[&str], path: &str) {
        for k in map.keys() {
            let name = k.as_str().unwrap_or("?");
            if !known.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                let message = format!("unknown field {name:?} (known: {})", known.join(", "));
                self.error(&format!("{path}.{name}"), message);
            }
        }
    }
}

/// Parses one `kind: APIKey` document: what could be read of it, and its problems.
pub fn parse_key(document: &Document, root: &Mapping) -> (KeySpec, Vec<ConfigProblem>) {
    let mut w = Walk { document, problems: Vec::new() };
    let name = w.name(root);
    let secret_store = w.secret_store(root);
    let empty = Mapping::new();
    let spec = w.mapping(root, "spec", "spec").unwrap_or_else(|| {
        w.error("spec", "is required (spec.secret at least)");
        &empty
    });
    const KNOWN: [&str; 8] =
        ["secret", "group", "components", "models", "limits", "budgets", "store", "labels"];
    w.unknown(spec, &KNOWN, "spec");
    let key = KeySpec {
        name: name.unwrap_or_default(),
        secret: match w.secret(spec) {
            Some(s) => s,
            None => KeySecret::Sha256([0; 32]),
        },
        group: w.string(spec, "group", "spec.group"),
        components: w.strings(spec, "components", "spec.components"),
        models: w.strings(spec, "models", "spec.models"),
        limits: w.limits(spec),
        budgets: w.budgets(spec),
        store: w.string(spec, "store", "spec.store"),
        labels: w.labels(spec),
        secret_store,
        source: document.source.clone(),
    };
    if matches!(key.secret, KeySecret::Ref { .. }) && key.secret_store.is_none() {
        w.error("auth.secretStore", "is required with spec.secret.secretKeyRef");
    }
    (key, w.problems)
}

/// Parses one `kind: APIKeyGroup` document: what could be read of it, and its problems.
pub fn parse_group(document: &Document, root: &Mapping) -> (GroupSpec, Vec<ConfigProblem>) {
    let mut w = Walk { document, problems: Vec::new() };
    let name = w.name(root);
    let empty = Mapping::new();
    let spec = w.mapping(root, "spec", "spec").unwrap_or(&empty);
    w.unknown(spec, &["limits", "budgets", "store"], "spec");
    let group = GroupSpec {
        name: name.unwrap_or_default(),
        limits: w.limits(spec),
        budgets: w.budgets(spec),
        store: w.string(spec, "store", "spec.store"),
        source: document.source.clone(),
    };
    (group, w.problems)
}

/// 64 lower-case hex digits → 32 bytes.
fn parse_hex_digest(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 || !bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let hex = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(hex, 16).ok()?;
    }
    Some(out)
}
