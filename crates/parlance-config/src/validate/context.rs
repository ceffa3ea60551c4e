//! The problem collector used while walking one component document.

use serde_yaml::{Mapping, Value};

use crate::document::Source;
use crate::problem::ConfigProblem;
use crate::yaml::{field, kind_name, untagged};

/// Collects the problems of one document, tagging each with the component's name once known.
pub(super) struct Context<'a> {
    source: &'a Source,
    pub(super) name: Option<String>,
    pub(super) errors: Vec<ConfigProblem>,
    pub(super) warnings: Vec<ConfigProblem>,
}

impl<'a> Context<'a> {
    pub(super) fn new(source: &'a Source) -> Self {
        Self { source, name: None, errors: Vec::new(), warnings: Vec::new() }
    }

    pub(super) fn source(&self) -> &Source {
        self.source
    }

    fn problem(&self, path: &str, message: impl Into<String>) -> ConfigProblem {
        self.source.problem(path, message).with_component(self.name.as_deref())
    }

    pub(super) fn error(&mut self, path: &str, message: impl Into<String>) {
        let problem = self.problem(path, message);
        self.errors.push(problem);
    }

    pub(super) fn warn(&mut self, path: &str, message: impl Into<String>) {
        let problem = self.problem(path, message);
        self.warnings.push(problem);
    }

    /// The field `key` of `map` if present and not null.
    fn present<'v>(map: &'v Mapping, key: &str) -> Option<&'v Value> {
        field(map, key).map(untagged).filter(|v| !v.is_null())
    }

    /// A mapping field; another kind of value is an error.
    pub(super) fn mapping<'v>(
        &mut self,
        map: &'v Mapping,
        key: &str,
        path: &str,
    ) -> Option<&'v Mapping> {
        let value = Self::present(map, key)?;
        let found = value.as_mapping();
        if found.is_none() {
            self.error(path, format!("must be a mapping, got {}", kind_name(value)));
        }
        found
    }

    /// A list field; another kind of value is an error.
    pub(super) fn sequence<'v>(
        &mut self,
        map: &'v Mapping,
        key: &str,
        path: &str,
    ) -> Option<&'v [Value]> {
        let value = Self::present(map, key)?;
        let found = value.as_sequence().map(Vec::as_slice);
        if found.is_none() {
            self.error(path, format!("must be a list, got {}", kind_name(value)));
        }
        found
    }

    /// A string field (absent or null → `None`); another kind of value is an error, as in daprd.
    pub(super) fn string(&mut self, map: &Mapping, key: &str, path: &str) -> Option<String> {
        let value = Self::present(map, key)?;
        let found = value.as_str().map(str::to_owned);
        if found.is_none() {
            self.error(path, format!("must be a string, got {} (quote it)", kind_name(value)));
        }
        found
    }

    /// A boolean field; another kind of value is an error.
    pub(super) fn boolean(&mut self, map: &Mapping, key: &str, path: &str) -> Option<bool> {
        let value = Self::present(map, key)?;
        let found = value.as_bool();
        if found.is_none() {
            self.error(path, format!("must be true or false, got {}", kind_name(value)));
        }
        found
    }
}
