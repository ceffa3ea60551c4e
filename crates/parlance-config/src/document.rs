//! Parse: the text of one resource file → its YAML documents. Pure: the caller reads the file.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::problem::ConfigProblem;

/// Where a resource came from: the file and the 0-based index of the document in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The resource file.
    pub file: PathBuf,
    /// The 0-based position of the document in the file (`---` separated; empty ones count).
    pub document: usize,
}

impl Source {
    /// `yaml_path` as shown to users: prefixed with `document N: ` (1-based) after the first
    /// document, so problems in multi-document files are unambiguous.
    pub fn display_path(&self, yaml_path: &str) -> String {
        match (self.document, yaml_path.is_empty()) {
            (0, _) => yaml_path.to_owned(),
            (n, true) => format!("document {}", n + 1),
            (n, false) => format!("document {}: {yaml_path}", n + 1),
        }
    }

    /// A problem at `yaml_path` in this document.
    pub fn problem(&self, yaml_path: &str, message: impl Into<String>) -> ConfigProblem {
        ConfigProblem::new(self.file.clone(), self.display_path(yaml_path), message)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.document {
            0 => write!(f, "{}", self.file.display()),
            n => write!(f, "{} (document {})", self.file.display(), n + 1),
        }
    }
}

/// One non-empty YAML document of a resource file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Where it came from.
    pub source: Source,
    /// The document, as parsed.
    pub value: Value,
}

/// A resource kept as raw YAML for a later stage to interpret (e.g. `kind: Resiliency`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawDocument {
    /// Where it came from.
    pub source: Source,
    /// Its `metadata.name`.
    pub name: String,
    /// The whole document.
    pub value: Value,
}

/// Splits `text` (the contents of `file`) into its non-empty YAML documents.
///
/// Malformed YAML gives one problem for the whole file, with the line and column.
pub fn parse(file: &Path, text: &str) -> Result<Vec<Document>, ConfigProblem> {
    let mut documents = Vec::new();
    for (index, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(de).map_err(|e| yaml_problem(file, &e))?;
        if !value.is_null() {
            let source = Source { file: file.to_path_buf(), document: index };
            documents.push(Document { source, value });
        }
    }
    Ok(documents)
}

fn yaml_problem(file: &Path, error: &serde_yaml::Error) -> ConfigProblem {
    let text = error.to_string();
    let message = match error.location() {
        // serde_yaml usually says where already; make sure the line is always there.
        Some(at) if !text.contains(" line ") => {
            format!("invalid YAML at line {}, column {}: {text}", at.line(), at.column())
        }
        _ => format!("invalid YAML: {text}"),
    };
    ConfigProblem::new(file, "", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_skips_empty_ones() {
        let text = "a: 1\n---\n---\nb: 2\n";
        let docs = parse(Path::new("f.yaml"), text).unwrap_or_default();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].source.document, 0);
        assert_eq!(docs[1].source.document, 2);
        assert_eq!(docs[1].source.display_path("spec.type"), "document 3: spec.type");
    }

    #[test]
    fn empty_file_has_no_documents() {
        assert_eq!(parse(Path::new("f.yaml"), ""), Ok(vec![]));
        assert_eq!(parse(Path::new("f.yaml"), "# only a comment\n"), Ok(vec![]));
    }

    #[test]
    fn malformed_yaml_reports_line_and_column() {
        let text = "kind: Component\nmetadata:\n  name: [oops\nspec: {}\n";
        let problem = parse(Path::new("bad.yaml"), text).err();
        let message = problem.map(|p| p.to_string()).unwrap_or_default();
        assert!(message.starts_with("bad.yaml: invalid YAML: "), "{message}");
        assert!(message.contains("line 4"), "{message}");
        assert!(message.contains("column"), "{message}");
    }
}
