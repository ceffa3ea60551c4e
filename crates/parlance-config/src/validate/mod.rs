//! Validate: documents → component drafts and raw resiliency documents, collecting every
//! problem. Pure: no file, environment or secret is read here.

mod component;
mod context;
mod cross;

use serde_yaml::{Mapping, Value};

use crate::component::ComponentDraft;
use crate::document::{Document, RawDocument};
use crate::keys::{self, GROUP_KIND, GroupSpec, KEY_KIND, KeySpec};
use crate::problem::ConfigProblem;
use crate::yaml::field;

pub use component::validate_component;

/// The result of validating a set of documents.
#[derive(Debug, Default, Clone)]
pub struct Validated {
    /// Components without problems, in load order; their metadata is still unresolved.
    pub components: Vec<ComponentDraft>,
    /// `kind: Resiliency` documents, kept raw.
    pub resiliencies: Vec<RawDocument>,
    /// `kind: APIKey` resources without problems (secrets not yet resolved).
    pub keys: Vec<KeySpec>,
    /// `kind: APIKeyGroup` resources without problems.
    pub groups: Vec<GroupSpec>,
    /// Problems that make the load fail.
    pub errors: Vec<ConfigProblem>,
    /// Problems that don't (including those of components with `ignoreErrors: true`).
    pub warnings: Vec<ConfigProblem>,
    /// Keys and groups with problems of their own: cross-checked too (every problem in one
    /// run), then dropped.
    refused_keys: Vec<usize>,
    refused_groups: Vec<usize>,
}

/// The outcome of validating one component document.
#[derive(Debug, Default, Clone)]
pub struct ComponentOutcome {
    /// The draft, when there were no errors.
    pub draft: Option<ComponentDraft>,
    /// The component's errors.
    pub errors: Vec<ConfigProblem>,
    /// The component's warnings.
    pub warnings: Vec<ConfigProblem>,
    /// `spec.ignoreErrors`: errors are to be downgraded to warnings.
    pub ignore_errors: bool,
    /// `metadata.name`, when it is valid (even if the component has other errors).
    pub name: Option<String>,
}

/// Validates every document: each component alone, then across components (duplicate names,
/// `secretKeyRef`s naming a secret store that is not defined or cannot be read), then the
/// API keys and groups against each other and the components.
pub fn validate(documents: &[Document]) -> Validated {
    let mut out = Validated::default();
    let mut named = Vec::new();
    for document in documents {
        named.extend(out.add_document(document));
    }
    out.reject_duplicates(&named);
    let bad_refs = cross::secret_refs(&out.components);
    out.reject(bad_refs);
    let key_problems = keys::cross_check(&out.keys, &out.groups, &out.components);
    out.errors.extend(key_problems);
    let (bad_keys, bad_groups) =
        (std::mem::take(&mut out.refused_keys), std::mem::take(&mut out.refused_groups));
    out.keys = keep(std::mem::take(&mut out.keys), &bad_keys);
    out.groups = keep(std::mem::take(&mut out.groups), &bad_groups);
    out
}

/// `items` without those at the `refused` indexes.
fn keep<T>(items: Vec<T>, refused: &[usize]) -> Vec<T> {
    let numbered = items.into_iter().enumerate();
    numbered.filter(|(i, _)| !refused.contains(i)).map(|(_, item)| item).collect()
}

impl Validated {
    /// Adds one document; for a component with a valid name, returns it for the duplicate check.
    fn add_document(&mut self, document: &Document) -> Option<cross::Named> {
        let Some(root) = document.value.as_mapping() else {
            let problem = document.source.problem("", "a resource must be a YAML mapping");
            self.errors.push(problem);
            return None;
        };
        match field(root, "kind").and_then(Value::as_str) {
            Some("Component") => return self.add_component(document, root),
            Some("Resiliency") => self.add_resiliency(document, root),
            Some(KEY_KIND) => {
                let (key, problems) = keys::parse_key(document, root);
                if !problems.is_empty() {
                    self.refused_keys.push(self.keys.len());
                    self.errors.extend(problems);
                }
                self.keys.push(key);
            }
            Some(GROUP_KIND) => {
                let (group, problems) = keys::parse_group(document, root);
                if !problems.is_empty() {
                    self.refused_groups.push(self.groups.len());
                    self.errors.extend(problems);
                }
                self.groups.push(group);
            }
            Some(other) => {
                tracing::debug!(source = %document.source, kind = other, "skipping resource")
            }
            None => {
                self.warnings.push(document.source.problem("kind", "missing: document skipped"))
            }
        }
        None
    }

    fn add_component(&mut self, document: &Document, root: &Mapping) -> Option<cross::Named> {
        let outcome = validate_component(document, root);
        let (name, ignore_errors) = (outcome.name.clone(), outcome.ignore_errors);
        let draft = self.accept(outcome);
        let source = document.source.clone();
        name.map(|name| cross::Named { name, source, ignore_errors, draft })
    }

    /// A component named like an earlier one (valid or not) is an error naming both files.
    fn reject_duplicates(&mut self, named: &[cross::Named]) {
        let mut rejected = Vec::new();
        for (later, problem) in cross::duplicate_names(named) {
            match later.draft {
                Some(index) => rejected.push((index, problem)),
                None => self.file_errors(vec![problem], later.ignore_errors),
            }
        }
        self.reject(rejected);
    }

    fn add_resiliency(&mut self, document: &Document, root: &Mapping) {
        let name = field(root, "metadata")
            .and_then(Value::as_mapping)
            .and_then(|m| field(m, "name"))
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty());
        match name {
            Some(name) => self.resiliencies.push(RawDocument {
                source: document.source.clone(),
                name: name.to_owned(),
                value: document.value.clone(),
            }),
            None => self.errors.push(document.source.problem("metadata.name", "is required")),
        }
    }

    /// Files a component's outcome: its problems go to errors, or to warnings under
    /// `ignoreErrors`; the draft is kept only when it had no problem. Returns the draft's index.
    pub fn accept(&mut self, outcome: ComponentOutcome) -> Option<usize> {
        self.warnings.extend(outcome.warnings);
        if !outcome.errors.is_empty() {
            self.file_errors(outcome.errors, outcome.ignore_errors);
            return None;
        }
        let draft = outcome.draft?;
        self.components.push(draft);
        Some(self.components.len() - 1)
    }

    fn file_errors(&mut self, errors: Vec<ConfigProblem>, ignore_errors: bool) {
        if ignore_errors {
            self.warnings.extend(errors.into_iter().map(downgrade));
        } else {
            self.errors.extend(errors);
        }
    }

    /// Drops the components at the given indexes, filing their problems.
    fn reject(&mut self, problems: Vec<(usize, ConfigProblem)>) {
        let mut rejected = Vec::new();
        for (index, problem) in problems {
            let ignore = self.components.get(index).is_some_and(|c| c.spec.ignore_errors);
            self.file_errors(vec![problem], ignore);
            rejected.push(index);
        }
        let mut index = 0;
        self.components.retain(|_| {
            index += 1;
            !rejected.contains(&(index - 1))
        });
    }
}

/// A component's error, kept as a warning because of `ignoreErrors: true`.
pub(crate) fn downgrade(mut problem: ConfigProblem) -> ConfigProblem {
    problem.message.push_str(" (component skipped: ignoreErrors is true)");
    problem
}

#[cfg(test)]
mod tests;
