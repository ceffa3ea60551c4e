//! The component types: a validated draft (metadata still unresolved) and the resolved
//! [`ComponentSpec`] the server builds components from.

use std::time::Duration;

use crate::document::Source;
use crate::metadata::Metadata;

/// Prefix of every secret store component type.
pub const SECRET_STORE_PREFIX: &str = "secretstores.";
/// The environment-variable secret store.
pub const LOCAL_ENV_STORE: &str = "secretstores.local.env";
/// The JSON-file secret store.
pub const LOCAL_FILE_STORE: &str = "secretstores.local.file";

/// A resolved `kind: Component` resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSpec {
    /// `metadata.name`: the name API calls use (matched case-sensitively, like daprd).
    pub name: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `spec.type`, lower-cased for matching (e.g. `conversation.openai`).
    pub type_name: String,
    /// `spec.type` as written, for display.
    pub type_display: String,
    /// `spec.version`, normalized: `""`, `"v0"` and `"v1"` all become `"v1"`.
    pub version: String,
    /// `spec.ignoreErrors`: problems with this component are warnings and it is dropped.
    pub ignore_errors: bool,
    /// `spec.initTimeout`, if set.
    pub init_timeout: Option<Duration>,
    /// `scopes`: the app-ids allowed to use the component (empty: all).
    pub scopes: Vec<String>,
    /// `auth.secretStore`: the secret store used for `secretKeyRef` values.
    pub secret_store: Option<String>,
    /// `spec.metadata`, resolved.
    pub metadata: Metadata,
    /// Where the component was defined.
    pub source: Source,
}

impl ComponentSpec {
    /// Whether this component is a secret store (type `secretstores.*`).
    pub fn is_secret_store(&self) -> bool {
        self.type_name.starts_with(SECRET_STORE_PREFIX)
    }
}

/// Where a metadata value comes from, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// `value:` (already converted to text).
    Literal(String),
    /// `envRef:` the environment variable to read.
    Env(String),
    /// `secretKeyRef:` a secret in the store named by `auth.secretStore`.
    Secret {
        /// The secret's name.
        name: String,
        /// The key inside the secret (the secret's name when empty in the YAML).
        key: String,
    },
}

/// One `spec.metadata` entry, validated but not resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataItem {
    /// The key as written.
    pub key: String,
    /// The YAML path of the entry, e.g. `spec.metadata[2]`.
    pub path: String,
    /// Where its value comes from.
    pub source: ValueSource,
}

/// A validated component whose metadata still has to be resolved (environment, secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentDraft {
    /// Everything but the metadata (which is empty here).
    pub spec: ComponentSpec,
    /// The metadata entries, in YAML order.
    pub items: Vec<MetadataItem>,
}

impl ComponentDraft {
    /// The items whose value comes from a secret store.
    pub fn secret_items(&self) -> impl Iterator<Item = &MetadataItem> {
        self.items.iter().filter(|i| matches!(i.source, ValueSource::Secret { .. }))
    }
}

/// Normalizes `spec.version`: `""`, `"v0"` and `"v1"` are the same registration in daprd.
pub fn normalize_version(version: &str) -> String {
    match version.trim().to_lowercase().as_str() {
        "" | "v0" | "v1" => "v1".to_owned(),
        other => other.to_owned(),
    }
}

/// Whether daprd refuses to let components read the environment variable `var`: `DAPR_*` and
/// `APP_API_TOKEN` (compared case-insensitively, to be safe on every platform).
pub fn is_reserved_env(var: &str) -> bool {
    let upper = var.to_uppercase();
    upper.starts_with("DAPR_") || upper == "APP_API_TOKEN"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_normalize() {
        assert_eq!(normalize_version(""), "v1");
        assert_eq!(normalize_version("v0"), "v1");
        assert_eq!(normalize_version("V1"), "v1");
        assert_eq!(normalize_version("v2"), "v2");
    }
}
