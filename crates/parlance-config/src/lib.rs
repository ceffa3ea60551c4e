//! parlance-config: loads Dapr resource YAML (components, secret stores, resiliency) the way
//! daprd does, with errors a user can act on.
//!
//! Three stages, after Vector:
//! 1. [`parse`] — the text of one file → its YAML documents (pure);
//! 2. [`validate`] — documents → component drafts, collecting *every* problem with its file and
//!    YAML path (pure: no environment, no secret);
//! 3. [`resolve`] — `envRef` and `secretKeyRef` → values (reads the environment and secret files).
//!
//! API keys and their groups ([`keys`]) go through the same three stages.
//!
//! [`load`] runs all three over resources directories; [`check_dirs`] runs the first two (for a
//! `validate` command).
// Tests may panic on an unexpected outcome; the production code never does.
#![cfg_attr(test, allow(clippy::panic, clippy::unwrap_used, clippy::expect_used))]

mod component;
mod document;
mod duration;
pub mod keys;
mod metadata;
mod problem;
mod resolve;
mod secrets;
mod validate;
mod yaml;

use std::path::{Path, PathBuf};

pub use component::{
    ComponentDraft, ComponentSpec, LOCAL_ENV_STORE, LOCAL_FILE_STORE, MetadataItem,
    SECRET_STORE_PREFIX, ValueSource, is_reserved_env, normalize_version,
};
pub use document::{Document, RawDocument, Source, parse};
pub use duration::{parse_dapr_duration, parse_go_duration};
pub use metadata::Metadata;
pub use problem::ConfigProblem;
pub use resolve::{Resolved, resolve};
pub use secrets::{Env, SecretMap, SecretStore, parse_secrets_file};
pub use validate::{ComponentOutcome, Validated, validate, validate_component};

/// Everything loaded from the resources directories.
#[derive(Debug, Default, Clone)]
pub struct Resources {
    /// Every component, secret stores included, in load order (directories in the order given,
    /// files sorted by name, documents in file order).
    pub components: Vec<ComponentSpec>,
    /// `kind: Resiliency` documents, kept raw for the resiliency parser.
    pub resiliencies: Vec<RawDocument>,
    /// `kind: APIKey` resources, every secret resolved to its digest.
    pub keys: Vec<keys::KeySpec>,
    /// `kind: APIKeyGroup` resources.
    pub groups: Vec<keys::GroupSpec>,
    /// Problems that did not stop the load (e.g. components skipped under `ignoreErrors`).
    pub warnings: Vec<ConfigProblem>,
}

impl Resources {
    /// The component named `name` (exact match, like daprd's component store).
    pub fn component(&self, name: &str) -> Option<&ComponentSpec> {
        self.components.iter().find(|c| c.name == name)
    }
}

/// Loads every `*.yaml`/`*.yml` file of each directory in `dirs` (sorted, not recursive):
/// parse, validate, then resolve with `env` (e.g. [`env_lookup`]).
///
/// Returns every error found across all files, not only the first, ordered by file.
///
/// Unlike daprd, a `secretKeyRef` that cannot be resolved (store not defined or not loaded,
/// secret or key missing) is an error, not a warning with an empty value: a silently empty API
/// key is worse than a clear start-up error. An unset `envRef` variable stays a warning (the
/// value is empty, as in daprd), because such variables are often optional.
pub fn load(
    dirs: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resources, Vec<ConfigProblem>> {
    let (resources, errors) = load_partial(dirs, env);
    if errors.is_empty() { Ok(resources) } else { Err(errors) }
}

/// Like [`load`], but returns what did load *alongside* every error, so that a caller which
/// validates further (the providers) can report its own problems in the same run.
pub fn load_partial(
    dirs: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
) -> (Resources, Vec<ConfigProblem>) {
    let validated = check_dirs(dirs);
    let resolved = resolve(&validated.components, env);
    let (keys, key_errors) = keys::resolve(validated.keys, &resolved.components, env);
    let mut errors = validated.errors;
    errors.extend(resolved.errors);
    errors.extend(key_errors);
    by_file(&mut errors);
    let mut warnings = validated.warnings;
    warnings.extend(resolved.warnings);
    by_file(&mut warnings);
    let resources = Resources {
        components: resolved.components,
        resiliencies: validated.resiliencies,
        keys,
        groups: validated.groups,
        warnings,
    };
    (resources, errors)
}

/// Orders problems by file, keeping the order found within a file.
pub fn sort_by_file(problems: &mut [ConfigProblem]) {
    by_file(problems);
}

/// Reads, parses and validates the resources directories without resolving anything.
pub fn check_dirs(dirs: &[PathBuf]) -> Validated {
    let (files, mut errors) = read_resource_files(dirs);
    let mut documents = Vec::new();
    for (path, text) in &files {
        match parse(path, text) {
            Ok(docs) => documents.extend(docs),
            Err(problem) => errors.push(problem),
        }
    }
    let mut validated = validate(&documents);
    errors.append(&mut validated.errors);
    by_file(&mut errors);
    validated.errors = errors;
    by_file(&mut validated.warnings);
    validated
}

/// Orders problems by file, keeping the order found within a file.
fn by_file(problems: &mut [ConfigProblem]) {
    problems.sort_by(|a, b| a.file.cmp(&b.file));
}

/// The contents of every resource file in `dirs`: per directory, the `*.yaml` and `*.yml`
/// files (symlinks followed, sub-directories ignored), sorted by name. A directory that can't be
/// read is a problem naming it.
pub fn read_resource_files(dirs: &[PathBuf]) -> (Vec<(PathBuf, String)>, Vec<ConfigProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        match resource_paths(dir) {
            Ok(paths) => {
                for path in paths {
                    match std::fs::read_to_string(&path) {
                        Ok(text) => files.push((path, text)),
                        Err(e) => problems.push(ConfigProblem::new(
                            path,
                            "",
                            format!("cannot read file: {e}"),
                        )),
                    }
                }
            }
            Err(e) => problems.push(ConfigProblem::new(
                dir,
                "",
                format!("cannot read resources directory: {e}"),
            )),
        }
    }
    (files, problems)
}

fn resource_paths(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if is_yaml(&path) && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// The process environment, for [`load`]: `std::env::var` (non-UTF-8 values count as unset).
pub fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests;
