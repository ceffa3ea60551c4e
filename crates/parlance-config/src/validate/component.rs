//! Validation of one `kind: Component` document into a [`ComponentDraft`].

use serde_yaml::{Mapping, Value};

use super::ComponentOutcome;
use super::context::Context;
use crate::component::{
    ComponentDraft, ComponentSpec, LOCAL_FILE_STORE, MetadataItem, SECRET_STORE_PREFIX,
    ValueSource, is_reserved_env, normalize_version,
};
use crate::document::Document;
use crate::duration::parse_go_duration;
use crate::metadata::Metadata;
use crate::yaml::{field, value_text};

/// Validates one component document (`root` is its top-level mapping).
pub fn validate_component(document: &Document, root: &Mapping) -> ComponentOutcome {
    let mut cx = Context::new(&document.source);
    let meta = cx.mapping(root, "metadata", "metadata");
    let name = required(&mut cx, meta, "name", "metadata.name", "the name API calls use");
    cx.name = name.clone();
    let spec = cx.mapping(root, "spec", "spec");
    let type_name = required(&mut cx, spec, "type", "spec.type", "e.g. conversation.openai");
    let ignore_errors =
        spec.and_then(|s| cx.boolean(s, "ignoreErrors", "spec.ignoreErrors")).unwrap_or(false);
    let header = Header {
        namespace: meta.and_then(|m| cx.string(m, "namespace", "metadata.namespace")),
        version: spec.and_then(|s| cx.string(s, "version", "spec.version")),
        init_timeout: spec.and_then(|s| init_timeout(&mut cx, s)),
        scopes: scopes(&mut cx, root),
        secret_store: secret_store(&mut cx, root),
    };
    let items = spec.map(|s| metadata_items(&mut cx, s)).unwrap_or_default();
    let draft = name
        .zip(type_name)
        .map(|(name, type_name)| header.into_draft(name, type_name, ignore_errors, items, &cx));
    finish(cx, draft, ignore_errors)
}

/// Runs the checks that need the whole draft, then packs the outcome.
fn finish(
    mut cx: Context<'_>,
    draft: Option<ComponentDraft>,
    ignore_errors: bool,
) -> ComponentOutcome {
    if let Some(draft) = &draft {
        secret_store_checks(&mut cx, draft);
    }
    ComponentOutcome {
        draft: draft.filter(|_| cx.errors.is_empty()),
        errors: cx.errors,
        warnings: cx.warnings,
        ignore_errors,
        name: cx.name,
    }
}

/// The optional parts of a component, gathered before the draft is built.
struct Header {
    namespace: Option<String>,
    version: Option<String>,
    init_timeout: Option<std::time::Duration>,
    scopes: Vec<String>,
    secret_store: Option<String>,
}

impl Header {
    fn into_draft(
        self,
        name: String,
        type_display: String,
        ignore_errors: bool,
        items: Vec<MetadataItem>,
        cx: &Context<'_>,
    ) -> ComponentDraft {
        let spec = ComponentSpec {
            name,
            namespace: self.namespace.filter(|n| !n.is_empty()),
            type_name: type_display.trim().to_lowercase(),
            type_display,
            version: normalize_version(self.version.as_deref().unwrap_or("")),
            ignore_errors,
            init_timeout: self.init_timeout,
            scopes: self.scopes,
            secret_store: self.secret_store.filter(|s| !s.is_empty()),
            metadata: Metadata::default(),
            source: cx.source().clone(),
        };
        ComponentDraft { spec, items }
    }
}

/// A required, non-empty string field of `map`.
fn required(
    cx: &mut Context<'_>,
    map: Option<&Mapping>,
    key: &str,
    path: &str,
    hint: &str,
) -> Option<String> {
    let value = map.and_then(|m| cx.string(m, key, path));
    match value {
        Some(v) if !v.trim().is_empty() => Some(v),
        Some(_) => {
            cx.error(path, format!("must not be empty ({hint})"));
            None
        }
        None => {
            cx.error(path, format!("is required ({hint})"));
            None
        }
    }
}

fn init_timeout(cx: &mut Context<'_>, spec: &Mapping) -> Option<std::time::Duration> {
    let text = cx.string(spec, "initTimeout", "spec.initTimeout")?;
    if text.trim().is_empty() {
        return None;
    }
    parse_go_duration(text.trim()).map_err(|e| cx.error("spec.initTimeout", e)).ok()
}

fn scopes(cx: &mut Context<'_>, root: &Mapping) -> Vec<String> {
    let Some(list) = cx.sequence(root, "scopes", "scopes") else {
        return Vec::new();
    };
    let mut scopes = Vec::new();
    for (i, item) in list.iter().enumerate() {
        match item.as_str() {
            Some(s) => scopes.push(s.to_owned()),
            None => cx.error(&format!("scopes[{i}]"), "must be a string (an app-id)"),
        }
    }
    scopes
}

fn secret_store(cx: &mut Context<'_>, root: &Mapping) -> Option<String> {
    let auth = cx.mapping(root, "auth", "auth")?;
    cx.string(auth, "secretStore", "auth.secretStore")
}

/// `spec.metadata`: every entry, then a case-insensitive duplicate check.
fn metadata_items(cx: &mut Context<'_>, spec: &Mapping) -> Vec<MetadataItem> {
    let Some(list) = cx.sequence(spec, "metadata", "spec.metadata") else {
        return Vec::new();
    };
    let items: Vec<MetadataItem> = list
        .iter()
        .enumerate()
        .filter_map(|(i, v)| metadata_item(cx, format!("spec.metadata[{i}]"), v))
        .collect();
    duplicate_keys(cx, &items);
    items
}

fn metadata_item(cx: &mut Context<'_>, path: String, value: &Value) -> Option<MetadataItem> {
    let Some(map) = value.as_mapping() else {
        cx.error(&path, "must be a mapping with `name` and `value` (or `secretKeyRef`/`envRef`)");
        return None;
    };
    let key = cx.string(map, "name", &format!("{path}.name"));
    let source = value_source(cx, map, &path);
    match key {
        Some(key) if !key.trim().is_empty() => Some(MetadataItem { key, path, source: source? }),
        _ => {
            cx.error(&format!("{path}.name"), "is required (the metadata key)");
            None
        }
    }
}

/// Where an entry's value comes from: `secretKeyRef` wins over `value` (daprd overwrites the
/// value with the secret), and `envRef` applies only when there is no value.
fn value_source(cx: &mut Context<'_>, map: &Mapping, path: &str) -> Option<ValueSource> {
    let literal = match field(map, "value") {
        Some(v) => value_text(v).map_err(|e| cx.error(&format!("{path}.value"), e)).ok()?,
        None => String::new(),
    };
    if let Some(secret) = secret_ref(cx, map, path) {
        if !literal.is_empty() {
            cx.warn(&format!("{path}.value"), "ignored: secretKeyRef takes precedence");
        }
        return secret;
    }
    let env = cx.string(map, "envRef", &format!("{path}.envRef")).filter(|e| !e.is_empty());
    match env {
        Some(var) if literal.is_empty() => env_ref(cx, var, path),
        _ => Some(ValueSource::Literal(literal)),
    }
}

/// `Some(None)`: there is a `secretKeyRef` but it is invalid.
fn secret_ref(cx: &mut Context<'_>, map: &Mapping, path: &str) -> Option<Option<ValueSource>> {
    let secret_path = format!("{path}.secretKeyRef");
    let reference = cx.mapping(map, "secretKeyRef", &secret_path)?;
    let name = cx.string(reference, "name", &format!("{secret_path}.name"));
    let key = cx.string(reference, "key", &format!("{secret_path}.key"));
    match name.filter(|n| !n.is_empty()) {
        Some(name) => {
            let key = key.filter(|k| !k.is_empty()).unwrap_or_else(|| name.clone());
            Some(Some(ValueSource::Secret { name, key }))
        }
        None => {
            cx.error(&format!("{secret_path}.name"), "is required (the secret's name)");
            Some(None)
        }
    }
}

/// daprd refuses to expose its own variables through `envRef`.
fn env_ref(cx: &mut Context<'_>, var: String, path: &str) -> Option<ValueSource> {
    if is_reserved_env(&var) {
        cx.error(
            &format!("{path}.envRef"),
            format!("environment variable {var:?} cannot be referenced (DAPR_* and APP_API_TOKEN are reserved)"),
        );
        return None;
    }
    Some(ValueSource::Env(var))
}

fn duplicate_keys(cx: &mut Context<'_>, items: &[MetadataItem]) {
    let mut seen = Metadata::default();
    for item in items {
        if let Err(first) = seen.insert(&item.key, "", item.path.as_str()) {
            cx.error(
                &format!("{}.name", item.path),
                format!("duplicate metadata key {:?}: {first} has the same key (keys are case-insensitive)", item.key),
            );
        }
    }
}

/// A secret store can't read its own metadata from a secret store, and the file store needs
/// its file.
fn secret_store_checks(cx: &mut Context<'_>, draft: &ComponentDraft) {
    if !draft.spec.type_name.starts_with(SECRET_STORE_PREFIX) {
        return;
    }
    for item in draft.secret_items() {
        cx.error(
            &format!("{}.secretKeyRef", item.path),
            "a secret store's metadata cannot use secretKeyRef",
        );
    }
    let has_file = draft.items.iter().any(|i| i.key.eq_ignore_ascii_case("secretsFile"));
    if draft.spec.type_name == LOCAL_FILE_STORE && !has_file {
        cx.error(
            "spec.metadata",
            "secretsFile is required for secretstores.local.file (path of the JSON file)",
        );
    }
}
