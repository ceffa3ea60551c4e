//! The secret stores parlance reads at start-up to resolve `secretKeyRef`:
//! `secretstores.local.env` and `secretstores.local.file` (the development stores of Dapr).
//!
//! Behaviour follows Dapr's documentation of these stores:
//! - env: secret `NAME` is the environment variable `prefix + NAME` (metadata `prefix`, default
//!   empty); the secret has one key, `NAME` (the prefix is not part of it). Variables
//!   `DAPR_*` and `APP_API_TOKEN` (checked after adding the prefix) are refused.
//! - file: `secretsFile` (a JSON file, path relative to the current directory) is flattened with
//!   `nestedSeparator` (default `":"`). With `multiValued: false` (the default) each flattened
//!   key is a secret with one key named like it; with `multiValued: true` each top-level key is a
//!   secret whose keys are its nested keys, flattened.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::component::{ComponentSpec, LOCAL_ENV_STORE, LOCAL_FILE_STORE, is_reserved_env};
use crate::problem::ConfigProblem;

/// Secrets by name, each a map of keys to values.
pub type SecretMap = BTreeMap<String, BTreeMap<String, String>>;

/// A secret store ready to answer lookups.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretStore {
    name: String,
    kind: StoreKind,
}

#[derive(Clone, PartialEq, Eq)]
enum StoreKind {
    Env { prefix: String },
    File { file: PathBuf, secrets: SecretMap },
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Environment lookup, e.g. [`crate::env_lookup`].
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl SecretStore {
    /// Opens the store a resolved secret store component describes (reads `secretsFile`).
    /// `Ok(None)` for store types parlance cannot read.
    pub fn open(spec: &ComponentSpec) -> Result<Option<Self>, ConfigProblem> {
        let kind = match spec.type_name.as_str() {
            LOCAL_ENV_STORE => {
                StoreKind::Env { prefix: spec.metadata.get("prefix").unwrap_or("").to_owned() }
            }
            LOCAL_FILE_STORE => open_file_store(spec)?,
            _ => return Ok(None),
        };
        Ok(Some(Self { name: spec.name.clone(), kind }))
    }

    /// A store over an in-memory map of secrets, for tests.
    pub fn from_map(name: &str, secrets: SecretMap) -> Self {
        let kind = StoreKind::File { file: PathBuf::from("<memory>"), secrets };
        Self { name: name.to_owned(), kind }
    }

    /// The value of `key` in the secret `name`. The error never contains a secret value.
    pub fn get(&self, name: &str, key: &str, env: Env<'_>) -> Result<String, String> {
        let key = if key.is_empty() { name } else { key };
        match &self.kind {
            StoreKind::Env { prefix } => self.get_env(prefix, name, key, env),
            StoreKind::File { file, secrets } => {
                let secret = secrets.get(name).ok_or_else(|| {
                    format!(
                        "secret {name:?} not found in secret store {:?} (file {})",
                        self.name,
                        file.display()
                    )
                })?;
                secret.get(key).cloned().ok_or_else(|| missing_key(&self.name, name, key, secret))
            }
        }
    }

    fn get_env(&self, prefix: &str, name: &str, key: &str, env: Env<'_>) -> Result<String, String> {
        let var = format!("{prefix}{name}");
        if is_reserved_env(&var) {
            return Err(format!(
                "environment variable {var:?} cannot be read (DAPR_* and APP_API_TOKEN are reserved)"
            ));
        }
        if key != name {
            return Err(format!(
                "secret {name:?} from the env secret store {:?} has the single key {name:?}, not {key:?}: set key to {name:?} or leave it empty",
                self.name
            ));
        }
        env(&var).ok_or_else(|| {
            format!(
                "environment variable {var:?} is not set (secret {name:?} in secret store {:?})",
                self.name
            )
        })
    }
}

fn missing_key(store: &str, name: &str, key: &str, secret: &BTreeMap<String, String>) -> String {
    let keys: Vec<&str> = secret.keys().map(String::as_str).collect();
    format!(
        "secret {name:?} in secret store {store:?} has no key {key:?} (its keys: {})",
        keys.join(", ")
    )
}

fn open_file_store(spec: &ComponentSpec) -> Result<StoreKind, ConfigProblem> {
    let metadata = &spec.metadata;
    let at = |key: &str| metadata.path_of(key).unwrap_or("spec.metadata").to_owned();
    let fail = |key: &str, message: String| {
        spec.source.problem(&at(key), message).with_component(Some(&spec.name))
    };
    let file = PathBuf::from(metadata.get("secretsFile").unwrap_or(""));
    let multi_valued = metadata.bool("multiValued").map_err(|e| fail("multiValued", e))?;
    let separator = match metadata.get("nestedSeparator") {
        Some(s) if !s.is_empty() => s,
        _ => ":",
    };
    let text = std::fs::read_to_string(&file).map_err(|e| {
        fail("secretsFile", format!("cannot read secrets file {}: {e}", file.display()))
    })?;
    let secrets = parse_secrets_file(&text, separator, multi_valued.unwrap_or(false))
        .map_err(|e| fail("secretsFile", format!("secrets file {}: {e}", file.display())))?;
    Ok(StoreKind::File { file, secrets })
}

/// Parses the JSON of a `secretstores.local.file` into secrets (see the module doc).
pub fn parse_secrets_file(
    text: &str,
    separator: &str,
    multi_valued: bool,
) -> Result<SecretMap, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Json::Object(root) = json else {
        return Err("must hold a JSON object".to_owned());
    };
    let mut secrets = SecretMap::new();
    for (name, value) in &root {
        if multi_valued {
            secrets.insert(name.clone(), multi_valued_secret(name, value, separator));
        } else {
            let mut flat = BTreeMap::new();
            flatten(name, value, separator, &mut flat);
            for (k, v) in flat {
                secrets.insert(k.clone(), BTreeMap::from([(k, v)]));
            }
        }
    }
    Ok(secrets)
}

fn multi_valued_secret(name: &str, value: &Json, separator: &str) -> BTreeMap<String, String> {
    let mut data = BTreeMap::new();
    match value {
        Json::Object(fields) => {
            for (key, v) in fields {
                flatten(key, v, separator, &mut data);
            }
        }
        other => flatten(name, other, separator, &mut data),
    }
    data
}

/// Flattens `value` under `prefix` into `out`: objects and arrays (by index) nest with
/// `separator`; strings as is; other scalars as their JSON text; null as empty.
fn flatten(prefix: &str, value: &Json, separator: &str, out: &mut BTreeMap<String, String>) {
    let child = |k: &dyn std::fmt::Display| format!("{prefix}{separator}{k}");
    match value {
        Json::Object(fields) => {
            fields.iter().for_each(|(k, v)| flatten(&child(k), v, separator, out))
        }
        Json::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| flatten(&child(&i), v, separator, out))
        }
        Json::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        Json::Null => {
            out.insert(prefix.to_owned(), String::new());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str =
        r#"{"redisPassword": "pw", "connectionStrings": {"sql": "s", "deep": {"x": 1}}}"#;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn single_valued_flattens_with_the_separator() {
        let secrets = parse_secrets_file(JSON, ":", false).unwrap_or_default();
        let store = SecretStore::from_map("files", secrets);
        assert_eq!(store.get("redisPassword", "", &no_env), Ok("pw".into()));
        assert_eq!(store.get("connectionStrings:sql", "", &no_env), Ok("s".into()));
        assert_eq!(
            store.get("connectionStrings:deep:x", "connectionStrings:deep:x", &no_env),
            Ok("1".into())
        );
        let e = store.get("connectionStrings", "", &no_env).err().unwrap_or_default();
        assert!(e.contains("not found"), "{e}");
    }

    #[test]
    fn custom_separator() {
        let secrets = parse_secrets_file(JSON, ".", false).unwrap_or_default();
        assert!(secrets.contains_key("connectionStrings.sql"));
    }

    #[test]
    fn multi_valued_keeps_one_level() {
        let secrets = parse_secrets_file(JSON, ":", true).unwrap_or_default();
        let store = SecretStore::from_map("files", secrets);
        assert_eq!(store.get("connectionStrings", "sql", &no_env), Ok("s".into()));
        assert_eq!(store.get("connectionStrings", "deep:x", &no_env), Ok("1".into()));
        assert_eq!(store.get("redisPassword", "", &no_env), Ok("pw".into()));
        let e = store.get("connectionStrings", "nope", &no_env).err().unwrap_or_default();
        assert!(e.contains("no key \"nope\"") && e.contains("sql"), "{e}");
    }

    #[test]
    fn bad_json_is_reported() {
        assert!(parse_secrets_file("{", ":", false).is_err());
        assert!(parse_secrets_file("[1]", ":", false).is_err());
    }

    #[test]
    fn env_store_with_prefix() {
        let env = |k: &str| (k == "MYAPP_KEY").then(|| "v".to_owned());
        let store =
            SecretStore { name: "e".into(), kind: StoreKind::Env { prefix: "MYAPP_".into() } };
        assert_eq!(store.get("KEY", "", &env), Ok("v".into()));
        assert_eq!(store.get("KEY", "KEY", &env), Ok("v".into()));
        assert!(store.get("KEY", "other", &env).is_err());
        assert!(store.get("MISSING", "", &env).is_err());
        let denied =
            SecretStore { name: "e".into(), kind: StoreKind::Env { prefix: "DAPR_".into() } };
        let e = denied.get("X", "", &|_: &str| Some("v".into())).err().unwrap_or_default();
        assert!(e.contains("reserved"), "{e}");
    }
}
