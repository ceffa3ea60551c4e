//! Resolve: component drafts → [`ComponentSpec`]s with every `envRef` and `secretKeyRef`
//! replaced by its value. The only stage that touches the environment and secret files.

use std::collections::HashMap;

use crate::component::{ComponentDraft, ComponentSpec, MetadataItem, ValueSource};
use crate::problem::ConfigProblem;
use crate::secrets::{Env, SecretStore};
use crate::validate::downgrade;

/// The result of resolving the validated components.
#[derive(Debug, Default, Clone)]
pub struct Resolved {
    /// The resolved components (secret stores included), in load order.
    pub components: Vec<ComponentSpec>,
    /// Problems that make the load fail.
    pub errors: Vec<ConfigProblem>,
    /// Problems that don't.
    pub warnings: Vec<ConfigProblem>,
}

/// Resolves every draft: secret stores first (they may use `envRef`, not `secretKeyRef`), then
/// the other components through them.
pub fn resolve(drafts: &[ComponentDraft], env: Env<'_>) -> Resolved {
    let mut out = Resolved::default();
    let mut done: Vec<Option<ComponentSpec>> = vec![None; drafts.len()];
    let mut stores = HashMap::new();
    for (i, draft) in drafts.iter().enumerate().filter(|(_, d)| d.spec.is_secret_store()) {
        let spec =
            resolve_one(draft, &stores, env, &mut out).and_then(|spec| open_store(spec, &mut out));
        if let Some((spec, store)) = spec {
            stores.extend(store.map(|s| (spec.name.clone(), s)));
            done[i] = Some(spec);
        }
    }
    for (i, draft) in drafts.iter().enumerate().filter(|(_, d)| !d.spec.is_secret_store()) {
        done[i] = resolve_one(draft, &stores, env, &mut out);
    }
    out.components = done.into_iter().flatten().collect();
    out
}

fn open_store(
    spec: ComponentSpec,
    out: &mut Resolved,
) -> Option<(ComponentSpec, Option<SecretStore>)> {
    match SecretStore::open(&spec) {
        Ok(store) => Some((spec, store)),
        Err(problem) => {
            out.file(vec![problem], spec.ignore_errors);
            None
        }
    }
}

/// Resolves one draft's metadata, filing its problems; `None` when it had errors.
fn resolve_one(
    draft: &ComponentDraft,
    stores: &HashMap<String, SecretStore>,
    env: Env<'_>,
    out: &mut Resolved,
) -> Option<ComponentSpec> {
    let mut errors = Vec::new();
    let mut spec = draft.spec.clone();
    for item in &draft.items {
        let value = item_value(draft, item, stores, env, out);
        let inserted = match value {
            Ok(Value::Plain(v)) => spec.metadata.insert(&item.key, v, item.path.as_str()),
            Ok(Value::Secret(v)) => spec.metadata.insert_secret(&item.key, v, item.path.as_str()),
            Err(message) => {
                errors.push(problem(draft, &format!("{}.secretKeyRef", item.path), message));
                Ok(())
            }
        };
        // Unreachable after validate, which rejects duplicate keys; kept as a problem, not a panic.
        if let Err(first) = inserted {
            let message = format!("duplicate metadata key {:?} (see {first})", item.key);
            errors.push(problem(draft, &format!("{}.name", item.path), message));
        }
    }
    if errors.is_empty() {
        return Some(spec);
    }
    out.file(errors, draft.spec.ignore_errors);
    None
}

enum Value {
    Plain(String),
    Secret(String),
}

fn item_value(
    draft: &ComponentDraft,
    item: &MetadataItem,
    stores: &HashMap<String, SecretStore>,
    env: Env<'_>,
    out: &mut Resolved,
) -> Result<Value, String> {
    match &item.source {
        ValueSource::Literal(v) => Ok(Value::Plain(v.clone())),
        ValueSource::Env(var) => Ok(Value::Plain(env_value(draft, item, var, env, out))),
        ValueSource::Secret { name, key } => {
            let store_name = draft.spec.secret_store.as_deref().unwrap_or("");
            let store = stores.get(store_name).ok_or_else(|| {
                format!("secret store {store_name:?} could not be loaded (see its own problem)")
            })?;
            store.get(name, key, env).map(Value::Secret)
        }
    }
}

/// An unset `envRef` variable gives an empty value, as in daprd, with a warning.
fn env_value(
    draft: &ComponentDraft,
    item: &MetadataItem,
    var: &str,
    env: Env<'_>,
    out: &mut Resolved,
) -> String {
    env(var).unwrap_or_else(|| {
        let message = format!("environment variable {var:?} is not set: the value is empty");
        out.warnings.push(problem(draft, &format!("{}.envRef", item.path), message));
        String::new()
    })
}

fn problem(draft: &ComponentDraft, path: &str, message: String) -> ConfigProblem {
    draft.spec.source.problem(path, message).with_component(Some(&draft.spec.name))
}

impl Resolved {
    fn file(&mut self, problems: Vec<ConfigProblem>, ignore_errors: bool) {
        if ignore_errors {
            self.warnings.extend(problems.into_iter().map(downgrade));
        } else {
            self.errors.extend(problems);
        }
    }
}
