//! Checks across components: duplicate names and `secretKeyRef`s whose store is unusable.

use std::collections::HashMap;

use crate::component::{ComponentDraft, LOCAL_ENV_STORE, LOCAL_FILE_STORE, SECRET_STORE_PREFIX};
use crate::document::Source;
use crate::problem::ConfigProblem;

/// A component with a valid name, for the duplicate check.
pub(super) struct Named {
    pub(super) name: String,
    pub(super) source: Source,
    pub(super) ignore_errors: bool,
    /// Its index in [`super::Validated::components`], when it had no other problem.
    pub(super) draft: Option<usize>,
}

/// Every component named like an earlier one, with a problem naming both files. Components
/// with other problems count too, so that every problem is reported in one run.
pub(super) fn duplicate_names(named: &[Named]) -> Vec<(&Named, ConfigProblem)> {
    let mut first_seen: HashMap<&str, &Named> = HashMap::new();
    let mut problems = Vec::new();
    for later in named {
        match first_seen.get(later.name.as_str()) {
            Some(first) => problems.push((later, duplicate(later, first))),
            None => {
                first_seen.insert(&later.name, later);
            }
        }
    }
    problems
}

fn duplicate(later: &Named, first: &Named) -> ConfigProblem {
    let message =
        format!("duplicate component name {:?}: already defined in {}", later.name, first.source);
    later.source.problem("metadata.name", message).with_component(Some(&later.name))
}

fn problem(draft: &ComponentDraft, path: &str, message: String) -> ConfigProblem {
    draft.spec.source.problem(path, message).with_component(Some(&draft.spec.name))
}

/// Every component using `secretKeyRef` must name, in `auth.secretStore`, a secret store that
/// is defined and that parlance can read.
///
/// daprd only logs a warning when the store is not loaded and leaves the value empty; parlance
/// refuses to start, because a silently empty API key is worse than a clear start-up error.
pub(super) fn secret_refs(drafts: &[ComponentDraft]) -> Vec<(usize, ConfigProblem)> {
    let stores: HashMap<&str, &str> = drafts
        .iter()
        .filter(|d| d.spec.type_name.starts_with(SECRET_STORE_PREFIX))
        .map(|d| (d.spec.name.as_str(), d.spec.type_name.as_str()))
        .collect();
    let mut problems = Vec::new();
    for (index, draft) in drafts.iter().enumerate() {
        if draft.secret_items().next().is_none()
            || draft.spec.type_name.starts_with(SECRET_STORE_PREFIX)
        {
            continue;
        }
        if let Some(p) = store_problem(draft, &stores) {
            problems.push((index, p));
        }
    }
    problems
}

fn store_problem(draft: &ComponentDraft, stores: &HashMap<&str, &str>) -> Option<ConfigProblem> {
    let Some(store) = draft.spec.secret_store.as_deref() else {
        let first = draft.secret_items().next().map(|i| i.path.clone()).unwrap_or_default();
        let path = format!("{first}.secretKeyRef");
        return Some(problem(
            draft,
            &path,
            "needs auth.secretStore naming a secret store component".into(),
        ));
    };
    match stores.get(store) {
        None => Some(problem(draft, "auth.secretStore", unknown_store(store, stores))),
        Some(&t) if t == LOCAL_ENV_STORE || t == LOCAL_FILE_STORE => None,
        Some(&t) => Some(problem(
            draft,
            "auth.secretStore",
            format!(
                "secret store {store:?} has type {t}, which parlance cannot read (supported: {LOCAL_ENV_STORE}, {LOCAL_FILE_STORE})"
            ),
        )),
    }
}

fn unknown_store(store: &str, stores: &HashMap<&str, &str>) -> String {
    let mut known: Vec<&str> = stores.keys().copied().collect();
    known.sort_unstable();
    let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
    format!(
        "secret store {store:?} is not defined in the resources path (defined secret stores: {known})"
    )
}
