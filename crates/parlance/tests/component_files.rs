//! Component-file errors (issue 2, point 3): a bad resources folder never half-starts. The
//! binary exits non-zero listing every problem with its file and YAML path; `validate` checks
//! without serving; `ignoreErrors` downgrades a component's own problems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::{path, resources};

fn parlance() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parlance"))
}

/// Runs `parlance validate` and returns (success, stdout + stderr).
fn validate(dir: &tempfile::TempDir) -> (bool, String) {
    common::validate(dir.path())
}

fn component(name: &str, ty: &str, meta: &str) -> String {
    let meta = if meta.is_empty() { " []\n".to_string() } else { format!("\n{meta}") };
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:{meta}"
    )
}

#[test]
fn every_problem_is_listed_with_file_and_path() {
    let dir = resources(&[
        ("a-malformed.yaml", "kind: Component\nmetadata: [unclosed\n"),
        (
            "b-unknown.yaml",
            &component("weird", "conversation.nosuch", "  - name: key\n    value: k\n"),
        ),
        (
            "c-nokey.yaml",
            &component("openai", "conversation.openai", "  - name: model\n    value: gpt-4o\n"),
        ),
        (
            "d-duration.yml",
            &component(
                "cached",
                "conversation.echo",
                "  - name: cacheTTL\n    value: tenminutes\n",
            ),
        ),
        ("e-dup1.yaml", &component("twin", "conversation.echo", "")),
        ("f-dup2.yaml", &component("twin", "conversation.echo", "")),
    ]);
    let (ok, text) = validate(&dir);
    assert!(!ok, "{text}");
    assert!(text.contains("a-malformed.yaml"), "malformed YAML: {text}");
    assert!(text.contains("b-unknown.yaml: spec.type: unknown conversation type"), "{text}");
    assert!(text.contains("c-nokey.yaml: spec.metadata: key: required"), "{text}");
    assert!(text.contains("d-duration.yml: spec.metadata[0]: cacheTTL:"), "{text}");
    assert!(text.contains("twin"), "duplicate: {text}");
    assert!(text.contains("f-dup2.yaml") || text.contains("e-dup1.yaml"), "{text}");
}

#[test]
fn the_server_refuses_to_start_on_a_bad_folder() {
    let dir = resources(&[("bad.yaml", &component("openai", "conversation.openai", ""))]);
    let out = parlance()
        .args(["--dapr-http-port", "0", "--resources-path"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml") && err.contains("key: required"), "{err}");
}

#[test]
fn ignore_errors_skips_only_that_component() {
    let bad = component("broken", "conversation.openai", "")
        .replace("  version: v1\n", "  version: v1\n  ignoreErrors: true\n");
    let dir = resources(&[
        ("bad.yaml", &bad),
        ("good.yaml", &component("echo", "conversation.echo", "")),
    ]);
    let (ok, text) = validate(&dir);
    assert!(ok, "{text}");
    assert!(text.contains("warning") && text.contains("broken"), "{text}");
    assert!(text.contains("1 conversation component"), "{text}");
}

#[test]
fn env_refs_secrets_and_other_kinds() {
    let secrets = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secrets.path(), r#"{"openai": {"apiKey": "sk-from-file"}}"#).unwrap();
    let store = format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: files\nspec:\n  type: secretstores.local.file\n  version: v1\n  metadata:\n  - name: secretsFile\n    value: {}\n",
        secrets.path().display()
    );
    let openai = component(
        "openai",
        "conversation.openai",
        "  - name: key\n    secretKeyRef:\n      name: openai:apiKey\n      key: openai:apiKey\n  - name: maxTokens\n    value: 2048\nauth:\n  secretStore: files\n",
    );
    let other =
        "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: cfg\nspec: {}\n";
    let dir = resources(&[
        ("a.yaml", &store),
        ("b.yaml", &openai),
        ("c.yaml", other),
        ("notes.txt", "not yaml"),
    ]);
    let (ok, text) = validate(&dir);
    assert!(ok, "{text}");
    assert!(text.contains("openai (conversation.openai, model gpt-5-nano)"), "{text}");
    assert!(!text.contains("sk-from-file"), "secrets never printed: {text}");
    let _ = path(&dir);
}
