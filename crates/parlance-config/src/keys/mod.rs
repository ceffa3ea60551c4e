//! `kind: APIKey` and `kind: APIKeyGroup` resources (the contract in `shared/spec/keys.md`):
//! who may call parlance, what each caller may use, and the limits and budgets that apply.
//!
//! Parsed and checked without I/O by [`parse`] (every problem with its file and YAML path),
//! then [`resolve`]d: a `secretKeyRef` is read through the key's `auth.secretStore` and kept
//! only as its SHA-256 digest. No type here prints a secret or a digest.

mod check;
mod parse;
mod resolve;

use std::collections::BTreeMap;

use crate::document::Source;

pub use check::cross_check;
pub use parse::{parse_group, parse_key};
pub use resolve::resolve;

/// The kind of an API key resource.
pub const KEY_KIND: &str = "APIKey";
/// The kind of an API key group resource.
pub const GROUP_KIND: &str = "APIKeyGroup";

/// The largest `requestsPerMinute` accepted (anything above is a typo, not a limit).
pub const MAX_REQUESTS_PER_MINUTE: u64 = 100_000_000;
/// The largest `tokensPerMinute` accepted.
pub const MAX_TOKENS_PER_MINUTE: u64 = 1_000_000_000_000;
/// The largest `concurrent` accepted.
pub const MAX_CONCURRENT: u64 = 1_000_000;
/// The largest budget accepted, in USD.
pub const MAX_BUDGET_USD: f64 = 1e9;

/// Where a key's secret comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySecret {
    /// The SHA-256 digest of the key string clients send.
    Sha256([u8; 32]),
    /// A secret to read through `auth.secretStore` (replaced by its digest on resolve).
    Ref {
        /// The secret's name.
        name: String,
        /// The key inside the secret (the secret's name when empty).
        key: String,
    },
}

impl std::fmt::Debug for KeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySecret::Sha256(_) => f.write_str("Sha256(<redacted>)"),
            KeySecret::Ref { name, key } => write!(f, "Ref({name}/{key})"),
        }
    }
}

/// The per-window limits of a key or a group; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Requests admitted per UTC minute.
    pub requests_per_minute: Option<u64>,
    /// Input + output tokens per UTC minute.
    pub tokens_per_minute: Option<u64>,
    /// Requests in flight at once (streams until their last event).
    pub concurrent: Option<u64>,
}

/// The calendar window of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetWindow {
    /// The UTC day.
    Day,
    /// The UTC week, from Monday.
    Week,
    /// The UTC calendar month.
    Month,
    /// All time.
    Total,
}

impl BudgetWindow {
    /// The name written in resources.
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetWindow::Day => "day",
            BudgetWindow::Week => "week",
            BudgetWindow::Month => "month",
            BudgetWindow::Total => "total",
        }
    }
}

/// A spending cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// US dollars per window.
    pub usd: f64,
    /// The window.
    pub window: BudgetWindow,
}

/// A `kind: APIKey` resource.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    /// `metadata.name`: the key's id in metrics, logs and usage reports (never the secret).
    pub name: String,
    /// `spec.secret`; always [`KeySecret::Sha256`] once resolved.
    pub secret: KeySecret,
    /// `spec.group`: the group whose limits and budgets also apply.
    pub group: Option<String>,
    /// `spec.components`: names or globs this key may call; `None`: all.
    pub components: Option<Vec<String>>,
    /// `spec.models`: upstream models (or globs) it may choose; `None`: any the component allows.
    pub models: Option<Vec<String>>,
    /// `spec.limits`.
    pub limits: Limits,
    /// `spec.budgets`.
    pub budgets: Vec<Budget>,
    /// `spec.store`: the `state.redis` component holding the shared counters.
    pub store: Option<String>,
    /// `spec.labels`.
    pub labels: BTreeMap<String, String>,
    /// `auth.secretStore`.
    pub secret_store: Option<String>,
    /// Where it was defined.
    pub source: Source,
}

impl KeySpec {
    /// The digest clients' keys are compared with (resolved keys only).
    pub fn digest(&self) -> Option<&[u8; 32]> {
        match &self.secret {
            KeySecret::Sha256(d) => Some(d),
            KeySecret::Ref { .. } => None,
        }
    }

    /// Whether this key may call component `name`.
    pub fn allows_component(&self, name: &str) -> bool {
        self.components.as_ref().is_none_or(|globs| globs.iter().any(|g| glob_match(g, name)))
    }

    /// Whether this key may choose upstream model `model`.
    pub fn allows_model(&self, model: &str) -> bool {
        self.models.as_ref().is_none_or(|globs| globs.iter().any(|g| glob_match(g, model)))
    }
}

/// A `kind: APIKeyGroup` resource.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSpec {
    /// `metadata.name`.
    pub name: String,
    /// `spec.limits`, shared by every key of the group.
    pub limits: Limits,
    /// `spec.budgets`, shared by every key of the group.
    pub budgets: Vec<Budget>,
    /// `spec.store`.
    pub store: Option<String>,
    /// Where it was defined.
    pub source: Source,
}

/// `*` matches any run of characters (none included); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests;
