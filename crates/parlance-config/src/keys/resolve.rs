//! Resolve: every `secretKeyRef` read through its key's `auth.secretStore` and replaced by
//! its SHA-256 digest, so that no key string stays in memory past start-up; then two keys
//! with the same secret are refused (a caller must map to exactly one key).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::{KeySecret, KeySpec};
use crate::component::ComponentSpec;
use crate::problem::ConfigProblem;
use crate::secrets::{Env, SecretStore};

/// The keys with every secret as a digest, and the problems met (a key with a problem is
/// dropped).
pub fn resolve(
    keys: Vec<KeySpec>,
    components: &[ComponentSpec],
    env: Env<'_>,
) -> (Vec<KeySpec>, Vec<ConfigProblem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for mut key in keys {
        if let KeySecret::Ref { name, key: item } = &key.secret {
            match read(&key, name, item, components, env) {
                Ok(secret) => key.secret = KeySecret::Sha256(Sha256::digest(secret).into()),
                Err(message) => {
                    problems.push(key.source.problem("spec.secret.secretKeyRef", message));
                    continue;
                }
            }
        }
        out.push(key);
    }
    same_secret(&out, &mut problems);
    (out, problems)
}

fn read(
    key: &KeySpec,
    name: &str,
    item: &str,
    components: &[ComponentSpec],
    env: Env<'_>,
) -> Result<String, String> {
    let store_name = key.secret_store.as_deref().unwrap_or("");
    let spec = components.iter().find(|c| c.name == store_name && c.is_secret_store());
    let spec = spec.ok_or_else(|| format!("secret store {store_name:?} is not loaded"))?;
    let store = SecretStore::open(spec).map_err(|p| p.message)?;
    let store = store.ok_or_else(|| format!("secret store {store_name:?} cannot be read"))?;
    let secret = store.get(name, item, env)?;
    if secret.is_empty() {
        return Err(format!("secret {name:?} is empty"));
    }
    Ok(secret)
}

fn same_secret(keys: &[KeySpec], problems: &mut Vec<ConfigProblem>) {
    let mut seen: HashMap<&[u8; 32], &KeySpec> = HashMap::new();
    for key in keys {
        let Some(digest) = key.digest() else { continue };
        match seen.get(digest) {
            Some(first) => {
                let message =
                    format!("has the same secret as APIKey {:?} ({})", first.name, first.source);
                problems.push(key.source.problem("spec.secret", message));
            }
            None => {
                seen.insert(digest, key);
            }
        }
    }
}
