//! Checks across documents: unique names, groups that exist, stores and secret stores that
//! name components of the right type.

use std::collections::HashMap;

use super::{GroupSpec, KeySpec};
use crate::component::{ComponentDraft, SECRET_STORE_PREFIX};
use crate::document::Source;
use crate::problem::ConfigProblem;

/// The `state.redis` type counters may be kept in.
const STATE_REDIS: &str = "state.redis";

/// Every problem across the keys, the groups and the components.
pub fn cross_check(
    keys: &[KeySpec],
    groups: &[GroupSpec],
    components: &[ComponentDraft],
) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    duplicates(keys.iter().map(|k| (&k.name, &k.source)), "APIKey", &mut problems);
    duplicates(groups.iter().map(|g| (&g.name, &g.source)), "APIKeyGroup", &mut problems);
    let types: HashMap<&str, &str> =
        components.iter().map(|c| (c.spec.name.as_str(), c.spec.type_name.as_str())).collect();
    for key in keys {
        if let Some(group) = &key.group {
            match groups.iter().find(|g| &g.name == group) {
                None => {
                    let message = format!("no APIKeyGroup named {group:?} is defined");
                    problems.push(key.source.problem("spec.group", message));
                }
                // One store per key and group: an admission counts in both in one step.
                Some(g) if key.store.is_some() && key.store != g.store => {
                    let message = format!(
                        "must be the store of its group {group:?} ({}), or absent",
                        g.store.as_deref().unwrap_or("none: counters in this process")
                    );
                    problems.push(key.source.problem("spec.store", message));
                }
                Some(_) => {}
            }
        }
        store(&key.store, &key.source, &types, &mut problems);
        if let Some(name) = &key.secret_store {
            match types.get(name.as_str()) {
                Some(t) if t.starts_with(SECRET_STORE_PREFIX) => {}
                Some(t) => problems.push(key.source.problem(
                    "auth.secretStore",
                    format!("component {name:?} is a {t}, not a secret store"),
                )),
                None => problems.push(key.source.problem(
                    "auth.secretStore",
                    format!("no secret store named {name:?} is defined"),
                )),
            }
        }
    }
    for group in groups {
        store(&group.store, &group.source, &types, &mut problems);
    }
    problems
}

fn store(
    name: &Option<String>,
    source: &Source,
    types: &HashMap<&str, &str>,
    problems: &mut Vec<ConfigProblem>,
) {
    let Some(name) = name else { return };
    let message = match types.get(name.as_str()) {
        Some(&STATE_REDIS) => return,
        Some(t) => format!("component {name:?} is a {t}; counters need a {STATE_REDIS}"),
        None => format!("no {STATE_REDIS} component named {name:?} is defined"),
    };
    problems.push(source.problem("spec.store", message));
}

fn duplicates<'a>(
    named: impl Iterator<Item = (&'a String, &'a Source)>,
    kind: &str,
    problems: &mut Vec<ConfigProblem>,
) {
    let mut seen: HashMap<&str, &Source> = HashMap::new();
    for (name, source) in named {
        match seen.get(name.as_str()) {
            Some(first) => {
                let message = format!("duplicate {kind} name {name:?}: already defined in {first}");
                problems.push(source.problem("metadata.name", message));
            }
            None => {
                seen.insert(name, source);
            }
        }
    }
}
