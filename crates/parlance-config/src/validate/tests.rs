//! Validation tests on YAML strings: no files needed.

use std::path::Path;

use super::*;
use crate::component::ValueSource;
use crate::document::parse;

fn check(text: &str) -> Validated {
    match parse(Path::new("c.yaml"), text) {
        Ok(docs) => validate(&docs),
        Err(p) => panic!("parse failed: {p}"),
    }
}

fn messages(problems: &[ConfigProblem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

const OPENAI: &str = "
kind: Component
metadata: {name: openai}
spec:
  type: Conversation.OpenAI
  metadata:
  - {name: model, value: gpt-4o-mini}
";

#[test]
fn a_valid_component() {
    let v = check(OPENAI);
    assert!(v.errors.is_empty(), "{:?}", messages(&v.errors));
    let c = &v.components[0].spec;
    assert_eq!((c.name.as_str(), c.type_name.as_str()), ("openai", "conversation.openai"));
    assert_eq!(c.type_display, "Conversation.OpenAI");
    assert_eq!(c.version, "v1");
    assert_eq!(v.components[0].items[0].source, ValueSource::Literal("gpt-4o-mini".into()));
}

#[test]
fn missing_name() {
    let v = check("kind: Component\nspec: {type: conversation.echo}\n");
    assert_eq!(
        messages(&v.errors),
        ["c.yaml: metadata.name: is required (the name API calls use)"]
    );
    assert!(v.components.is_empty());
}

#[test]
fn missing_type() {
    let v = check("kind: Component\nmetadata: {name: echo}\nspec: {version: v1}\n");
    assert_eq!(messages(&v.errors), ["c.yaml: spec.type: is required (e.g. conversation.openai)"]);
    assert_eq!(v.errors[0].component.as_deref(), Some("echo"));
}

#[test]
fn wrong_kinds_of_values() {
    let v = check(
        "kind: Component\nmetadata: {name: 7}\nspec: {type: x, ignoreErrors: maybe, metadata: {a: b}}\nscopes: [1]\n",
    );
    let m = messages(&v.errors);
    assert!(
        m.contains(&"c.yaml: metadata.name: must be a string, got a number (quote it)".into()),
        "{m:?}"
    );
    assert!(m.iter().any(|e| e.contains("spec.ignoreErrors: must be true or false")), "{m:?}");
    assert!(m.iter().any(|e| e.contains("spec.metadata: must be a list")), "{m:?}");
    assert!(m.iter().any(|e| e.contains("scopes[0]: must be a string")), "{m:?}");
}

#[test]
fn duplicate_key_case_insensitive() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: Key, value: 1}\n  - {name: kEY, value: 2}\n",
    );
    assert_eq!(
        messages(&v.errors),
        [
            "c.yaml: spec.metadata[1].name: duplicate metadata key \"kEY\": spec.metadata[0] has the same key (keys are case-insensitive)"
        ]
    );
}

#[test]
fn duplicate_component_names_both_files() {
    let mut docs = parse(Path::new("a.yaml"), OPENAI).unwrap_or_default();
    docs.extend(parse(Path::new("b.yaml"), OPENAI).unwrap_or_default());
    let v = validate(&docs);
    assert_eq!(
        messages(&v.errors),
        ["b.yaml: metadata.name: duplicate component name \"openai\": already defined in a.yaml"]
    );
    assert_eq!(v.components.len(), 1);
}

#[test]
fn bad_init_timeout() {
    let v = check("kind: Component\nmetadata: {name: a}\nspec: {type: x, initTimeout: 5 sec}\n");
    let m = messages(&v.errors);
    assert_eq!(m.len(), 1);
    assert!(m[0].starts_with("c.yaml: spec.initTimeout: invalid duration \"5 sec\""), "{m:?}");
    let v = check("kind: Component\nmetadata: {name: a}\nspec: {type: x, initTimeout: 1m30s}\n");
    assert_eq!(v.components[0].spec.init_timeout, Some(std::time::Duration::from_secs(90)));
}

#[test]
fn non_string_scalars_and_mappings() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: n, value: 2048}\n  - {name: b, value: true}\n  - {name: f, value: 0.5}\n  - {name: m, value: {x: [1, two]}}\n  - {name: e}\n",
    );
    let values: Vec<ValueSource> = v.components[0].items.iter().map(|i| i.source.clone()).collect();
    let lit = |s: &str| ValueSource::Literal(s.into());
    assert_eq!(values, [lit("2048"), lit("true"), lit("0.5"), lit(r#"{"x":[1,"two"]}"#), lit("")]);
}

#[test]
fn env_ref_applies_only_without_value() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: a, envRef: BASE}\n  - {name: b, value: set, envRef: BASE}\n",
    );
    let values: Vec<ValueSource> = v.components[0].items.iter().map(|i| i.source.clone()).collect();
    assert_eq!(values, [ValueSource::Env("BASE".into()), ValueSource::Literal("set".into())]);
}

#[test]
fn env_ref_refuses_dapr_variables() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: a, envRef: DAPR_API_TOKEN}\n  - {name: b, envRef: APP_API_TOKEN}\n",
    );
    let m = messages(&v.errors);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].starts_with(
            "c.yaml: spec.metadata[0].envRef: environment variable \"DAPR_API_TOKEN\" cannot"
        ),
        "{m:?}"
    );
}

#[test]
fn secret_key_ref_defaults_key_to_name() {
    let v = check(
        "kind: Component\nmetadata: {name: s}\nspec: {type: secretstores.local.env}\n---\nkind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: key, secretKeyRef: {name: K}}\nauth: {secretStore: s}\n",
    );
    assert!(v.errors.is_empty(), "{:?}", messages(&v.errors));
    let source = &v.components[1].items[0].source;
    assert_eq!(source, &ValueSource::Secret { name: "K".into(), key: "K".into() });
}

#[test]
fn secret_key_ref_needs_a_known_store() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: key, secretKeyRef: {name: K}}\n---\nkind: Component\nmetadata: {name: b}\nspec:\n  type: x\n  metadata:\n  - {name: key, secretKeyRef: {name: K}}\nauth: {secretStore: vault}\n",
    );
    assert_eq!(
        messages(&v.errors),
        [
            "c.yaml: spec.metadata[0].secretKeyRef: needs auth.secretStore naming a secret store component",
            "c.yaml: document 2: auth.secretStore: secret store \"vault\" is not defined in the resources path (defined secret stores: none)",
        ]
    );
}

#[test]
fn unsupported_store_type() {
    let v = check(
        "kind: Component\nmetadata: {name: kv}\nspec: {type: secretstores.azure.keyvault}\n---\nkind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: key, secretKeyRef: {name: K}}\nauth: {secretStore: kv}\n",
    );
    let m = messages(&v.errors);
    assert!(
        m[0].contains("has type secretstores.azure.keyvault, which parlance cannot read"),
        "{m:?}"
    );
    assert_eq!(v.components.len(), 1, "the store itself is still listed");
}

#[test]
fn file_store_needs_secrets_file() {
    let v = check("kind: Component\nmetadata: {name: f}\nspec: {type: secretstores.local.file}\n");
    assert!(messages(&v.errors)[0].contains("spec.metadata: secretsFile is required"));
}

#[test]
fn ignore_errors_downgrades_to_warnings() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec: {type: x, ignoreErrors: true, initTimeout: soon}\n",
    );
    assert!(v.errors.is_empty());
    assert!(v.components.is_empty());
    let m = messages(&v.warnings);
    assert!(
        m[0].contains("spec.initTimeout")
            && m[0].ends_with("(component skipped: ignoreErrors is true)"),
        "{m:?}"
    );
}

#[test]
fn resiliency_kept_other_kinds_skipped() {
    let v = check(
        "kind: Resiliency\nmetadata: {name: r}\nspec: {}\n---\nkind: Configuration\nmetadata: {name: c}\n---\nkind: Subscription\n",
    );
    assert_eq!(v.resiliencies.len(), 1);
    assert_eq!(v.resiliencies[0].name, "r");
    assert!(v.components.is_empty() && v.errors.is_empty() && v.warnings.is_empty());
}

#[test]
fn documents_without_kind_or_not_a_mapping() {
    let v = check("metadata: {name: c}\n---\n- a\n");
    assert_eq!(messages(&v.warnings), ["c.yaml: kind: missing: document skipped"]);
    assert_eq!(messages(&v.errors), ["c.yaml: document 2: a resource must be a YAML mapping"]);
}

#[test]
fn multi_document_problems_name_the_document() {
    let v = check(&format!("{OPENAI}---\nkind: Component\nmetadata: {{name: b}}\nspec: {{}}\n"));
    assert_eq!(
        messages(&v.errors),
        ["c.yaml: document 2: spec.type: is required (e.g. conversation.openai)"]
    );
    assert_eq!(v.components.len(), 1);
}

#[test]
fn collects_every_problem() {
    let v = check(
        "kind: Component\nmetadata: {}\nspec:\n  initTimeout: x\n  metadata:\n  - {value: 1}\n  - {name: a, secretKeyRef: {key: k}}\n",
    );
    assert_eq!(v.errors.len(), 5, "{:?}", messages(&v.errors));
}

#[test]
fn duplicate_of_an_invalid_component_is_still_reported() {
    let v = check(
        "kind: Component\nmetadata: {name: a}\nspec: {}\n---\nkind: Component\nmetadata: {name: a}\nspec: {type: x}\n",
    );
    assert_eq!(
        messages(&v.errors),
        [
            "c.yaml: spec.type: is required (e.g. conversation.openai)",
            "c.yaml: document 2: metadata.name: duplicate component name \"a\": already defined in c.yaml",
        ]
    );
    assert!(v.components.is_empty());
}

#[test]
fn secret_key_ref_with_a_value_warns() {
    let v = check(
        "kind: Component\nmetadata: {name: s}\nspec: {type: secretstores.local.env}\n---\nkind: Component\nmetadata: {name: a}\nspec:\n  type: x\n  metadata:\n  - {name: key, value: v, secretKeyRef: {name: K}}\nauth: {secretStore: s}\n",
    );
    assert!(v.errors.is_empty());
    assert_eq!(
        messages(&v.warnings),
        ["c.yaml: document 2: spec.metadata[0].value: ignored: secretKeyRef takes precedence"]
    );
}
