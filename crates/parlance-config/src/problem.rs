//! One configuration problem: the file, the YAML path inside it and a message a user can act on.

use std::fmt;
use std::path::PathBuf;

/// A problem found while loading resources. Loading collects every problem instead of stopping
/// at the first, so a user can fix all of them in one go.
///
/// `path` is the YAML path inside the file (`"metadata.name"`, `"spec.metadata[1].value"`). For
/// the second and later documents of a multi-document file it is prefixed with the 1-based
/// document number (`"document 2: spec.type"`). It is empty when the problem concerns the whole
/// file (unreadable file, malformed YAML) or a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The resource file (or resources directory) the problem was found in.
    pub file: PathBuf,
    /// The YAML path inside the file; empty for whole-file problems.
    pub path: String,
    /// What is wrong, and where possible how to fix it. Never contains a secret value.
    pub message: String,
    /// The `metadata.name` of the component concerned, when known.
    pub component: Option<String>,
}

impl ConfigProblem {
    /// A problem at `path` in `file`, not tied to a component.
    pub fn new(
        file: impl Into<PathBuf>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self { file: file.into(), path: path.into(), message: message.into(), component: None }
    }

    /// The same problem, attributed to the component named `name`.
    pub fn with_component(mut self, name: Option<&str>) -> Self {
        self.component = name.map(str::to_owned);
        self
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}: {}: {}", self.file.display(), self.path, self.message)
        }
    }
}

impl std::error::Error for ConfigProblem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_path() {
        let p = ConfigProblem::new("a.yaml", "metadata.name", "is required");
        assert_eq!(p.to_string(), "a.yaml: metadata.name: is required");
        let p = ConfigProblem::new("a.yaml", "", "invalid YAML");
        assert_eq!(p.to_string(), "a.yaml: invalid YAML");
    }

    #[test]
    fn with_component_sets_the_name() {
        let p = ConfigProblem::new("a.yaml", "", "x").with_component(Some("openai"));
        assert_eq!(p.component.as_deref(), Some("openai"));
    }
}
