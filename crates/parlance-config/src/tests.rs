//! End-to-end tests of [`load`] on temporary resources directories.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;

fn dir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Err(e) = fs::write(&path, text) {
        panic!("write {}: {e}", path.display());
    }
    path
}

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k: &str| map.get(k).cloned()
}

fn load_ok(dirs: &[PathBuf], env: &dyn Fn(&str) -> Option<String>) -> Resources {
    match load(dirs, env) {
        Ok(r) => r,
        Err(problems) => {
            panic!("{:?}", problems.iter().map(ToString::to_string).collect::<Vec<_>>())
        }
    }
}

fn load_err(dirs: &[PathBuf], env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    match load(dirs, env) {
        Ok(r) => panic!("expected problems, loaded {:?}", r.components),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

fn component(name: &str, ty: &str, metadata: &str) -> String {
    format!(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  version: v1\n  metadata:\n{metadata}"
    )
}

const NO_ENV: &dyn Fn(&str) -> Option<String> = &|_| None;

#[test]
fn yaml_and_yml_loaded_sorted_other_files_ignored() {
    let d = dir();
    write(d.path(), "b.yml", &component("b", "conversation.echo", "    []\n"));
    write(d.path(), "a.yaml", &component("a", "conversation.echo", "    []\n"));
    write(d.path(), "notes.txt", "not: [yaml");
    write(d.path(), "config.json", "{");
    fs::create_dir(d.path().join("sub.yaml")).ok();
    write(&d.path().join("sub.yaml"), "c.yaml", &component("c", "conversation.echo", "    []\n"));
    let r = load_ok(&[d.path().to_path_buf()], NO_ENV);
    let names: Vec<&str> = r.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(r.components[1].source.file, d.path().join("b.yml"));
}

#[test]
fn missing_directory_is_named() {
    let missing = PathBuf::from("/nonexistent/parlance-resources");
    let errors = load_err(&[missing], NO_ENV);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("/nonexistent/parlance-resources: cannot read resources directory"),
        "{errors:?}"
    );
}

#[test]
fn malformed_yaml_reports_line_and_other_files_still_checked() {
    let d = dir();
    write(d.path(), "a.yaml", "kind: Component\nmetadata:\n  name: a\n  bad: [unclosed\n");
    write(d.path(), "b.yaml", "kind: Component\nmetadata: {name: b}\n");
    let errors = load_err(&[d.path().to_path_buf()], NO_ENV);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("a.yaml: invalid YAML: ") && errors[0].contains("line 5"),
        "{errors:?}"
    );
    assert!(errors[1].contains("b.yaml: spec.type: is required"), "{errors:?}");
}

#[test]
fn multi_document_file_with_resiliency_and_other_kinds() {
    let d = dir();
    let text = format!(
        "{}\n---\nkind: Resiliency\nmetadata: {{name: r}}\nspec: {{policies: {{}}}}\n---\n---\nkind: Configuration\nmetadata: {{name: cfg}}\n---\n{}",
        component("a", "conversation.echo", "  - {name: x, value: 1}\n"),
        component("b", "conversation.openai", "  - {name: model, value: m}\n"),
    );
    write(d.path(), "all.yaml", &text);
    let r = load_ok(&[d.path().to_path_buf()], NO_ENV);
    assert_eq!(r.components.len(), 2);
    assert_eq!(r.components[1].source.document, 4);
    assert_eq!(r.resiliencies.len(), 1);
    assert_eq!(r.resiliencies[0].source.document, 1);
}

#[test]
fn duplicate_component_across_directories() {
    let (d1, d2) = (dir(), dir());
    write(d1.path(), "a.yaml", &component("same", "conversation.echo", "    []\n"));
    let second = write(d2.path(), "b.yaml", &component("same", "conversation.echo", "    []\n"));
    let errors = load_err(&[d1.path().to_path_buf(), d2.path().to_path_buf()], NO_ENV);
    assert_eq!(errors.len(), 1);
    let first = d1.path().join("a.yaml");
    assert_eq!(
        errors[0],
        format!(
            "{}: metadata.name: duplicate component name \"same\": already defined in {}",
            second.display(),
            first.display()
        )
    );
}

#[test]
fn metadata_values_and_env_ref() {
    let d = dir();
    let metadata = "  - {name: maxTokens, value: 2048}\n  - {name: Temperature, value: 0.5}\n  - {name: stream, value: true}\n  - {name: cacheTTL, value: 10m}\n  - {name: endpoint, envRef: BASE}\n  - {name: unset, envRef: NOPE}\n  - {name: headers, value: {a: b}}\n";
    write(d.path(), "c.yaml", &component("c", "conversation.openai", metadata));
    let r = load_ok(&[d.path().to_path_buf()], &env_of(&[("BASE", "http://x")]));
    let m = &r.components[0].metadata;
    assert_eq!(m.u64("maxtokens"), Ok(Some(2048)));
    assert_eq!(m.f64("temperature"), Ok(Some(0.5)));
    assert_eq!(m.bool("stream"), Ok(Some(true)));
    assert_eq!(m.duration("cachettl"), Ok(Some(Duration::from_secs(600))));
    assert_eq!(m.get("endpoint"), Some("http://x"));
    assert_eq!(m.get("unset"), Some(""));
    assert_eq!(m.get("headers"), Some(r#"{"a":"b"}"#));
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].to_string().ends_with(
        "spec.metadata[5].envRef: environment variable \"NOPE\" is not set: the value is empty"
    ));
}

#[test]
fn secret_via_env_store_with_prefix() {
    let d = dir();
    let store = component("envs", "secretstores.local.env", "  - {name: prefix, value: MYAPP_}\n");
    let user = format!(
        "{}auth:\n  secretStore: envs\n",
        component(
            "c",
            "conversation.openai",
            "  - name: key\n    secretKeyRef: {name: OPENAI_KEY, key: OPENAI_KEY}\n"
        )
    );
    write(d.path(), "store.yaml", &store);
    write(d.path(), "user.yaml", &user);
    let r = load_ok(&[d.path().to_path_buf()], &env_of(&[("MYAPP_OPENAI_KEY", "sk-1")]));
    let c = r.component("c");
    assert_eq!(c.and_then(|c| c.metadata.get("key")), Some("sk-1"));
    assert_eq!(c.map(|c| c.metadata.is_secret("key")), Some(true));
    assert!(r.component("envs").is_some_and(ComponentSpec::is_secret_store));
}

#[test]
fn secret_via_file_store_with_nesting() {
    let d = dir();
    let json = write(d.path(), "secrets.json", r#"{"openai": {"apiKey": "sk-2"}, "plain": "p"}"#);
    let store = component(
        "files",
        "secretstores.local.file",
        &format!("  - {{name: secretsFile, value: \"{}\"}}\n", json.display()),
    );
    let user = format!(
        "{}auth:\n  secretStore: files\n",
        component(
            "c",
            "conversation.openai",
            "  - {name: key, secretKeyRef: {name: \"openai:apiKey\"}}\n  - {name: other, secretKeyRef: {name: plain, key: plain}}\n"
        )
    );
    write(d.path(), "a.yaml", &user);
    write(d.path(), "z.yaml", &store);
    let r = load_ok(&[d.path().to_path_buf()], NO_ENV);
    let m = r.component("c").map(|c| c.metadata.clone()).unwrap_or_default();
    assert_eq!(m.get("key"), Some("sk-2"));
    assert_eq!(m.get("other"), Some("p"));
    assert_eq!(r.components[0].name, "c", "load order is kept");
}

#[test]
fn secret_missing_is_an_error_naming_file_and_path() {
    let d = dir();
    let json = write(d.path(), "secrets.json", r#"{"a": "1"}"#);
    let store = component(
        "files",
        "secretstores.local.file",
        &format!("  - {{name: secretsFile, value: \"{}\"}}\n", json.display()),
    );
    let user = format!(
        "{}auth:\n  secretStore: files\n",
        component(
            "c",
            "x",
            "  - {name: model, value: m}\n  - {name: key, secretKeyRef: {name: b}}\n"
        )
    );
    write(d.path(), "store.yaml", &store);
    let user_path = write(d.path(), "user.yaml", &user);
    let errors = load_err(&[d.path().to_path_buf()], NO_ENV);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let expected = format!(
        "{}: spec.metadata[1].secretKeyRef: secret \"b\" not found in secret store \"files\"",
        user_path.display()
    );
    assert!(errors[0].starts_with(&expected), "{errors:?}");
}

#[test]
fn unreadable_secrets_file_fails_the_store_and_its_users() {
    let d = dir();
    let store = component(
        "files",
        "secretstores.local.file",
        "  - {name: secretsFile, value: /nonexistent/s.json}\n",
    );
    let user = format!(
        "{}auth:\n  secretStore: files\n",
        component("c", "x", "  - {name: key, secretKeyRef: {name: b}}\n")
    );
    write(d.path(), "store.yaml", &store);
    write(d.path(), "user.yaml", &user);
    let errors = load_err(&[d.path().to_path_buf()], NO_ENV);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains(
            "store.yaml: spec.metadata[0]: cannot read secrets file /nonexistent/s.json"
        )),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("could not be loaded")), "{errors:?}");
}

#[test]
fn ignore_errors_drops_the_component_with_a_warning() {
    let d = dir();
    let bad = "kind: Component\nmetadata: {name: bad}\nspec:\n  type: x\n  ignoreErrors: true\n  metadata:\n  - {name: key, secretKeyRef: {name: K}}\nauth: {secretStore: envs}\n";
    write(d.path(), "bad.yaml", bad);
    write(d.path(), "envs.yaml", &component("envs", "secretstores.local.env", "    []\n"));
    write(d.path(), "good.yaml", &component("good", "conversation.echo", "    []\n"));
    let r = load_ok(&[d.path().to_path_buf()], NO_ENV);
    let names: Vec<&str> = r.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["envs", "good"]);
    assert_eq!(r.warnings.len(), 1);
    let w = &r.warnings[0];
    assert_eq!(w.component.as_deref(), Some("bad"));
    assert!(
        w.message.contains("\"K\" is not set") && w.message.ends_with("ignoreErrors is true)"),
        "{w}"
    );
}

#[test]
fn every_problem_across_files_is_reported() {
    let d = dir();
    write(d.path(), "1.yaml", "kind: Component\nmetadata: {name: a}\nspec: {}\n");
    write(d.path(), "2.yaml", "kind: Component\nspec: {type: x}\n");
    write(
        d.path(),
        "3.yaml",
        "kind: Component\nmetadata: {name: c}\nspec: {type: x, initTimeout: 1y}\n",
    );
    let errors = load_err(&[d.path().to_path_buf()], NO_ENV);
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn env_lookup_reads_the_process_environment() {
    assert!(env_lookup("PATH").is_some());
    assert_eq!(env_lookup("PARLANCE_CONFIG_SURELY_UNSET_VARIABLE"), None);
}
