//! Issue 24: the Kubernetes manifests under `deploy/` are valid and the components they mount
//! load. pytest runs `tests/deploy` (kubernetes-validate against the Kubernetes schemas,
//! offline, plus the ServiceMonitor's own schema and cross-references) with the virtualenv
//! `./scripts/test` creates; without `PARLANCE_TEST_PYTHON` this fails, it is never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::run;
use serde::Deserialize as _;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn manifests_validate_against_kubernetes_schemas() {
    let python = std::env::var("PARLANCE_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("PARLANCE_TEST_PYTHON is not set: run ./scripts/test (it creates .venv with kubernetes-validate)")
    });
    let mut cmd = Command::new(python);
    cmd.args(["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/deploy"])
        .current_dir(root())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let (ok, out) = run(cmd, Duration::from_secs(300));
    assert!(ok, "pytest tests/deploy failed:\n{out}");
    println!("{out}");
}

/// The files of every ConfigMap in `manifest`, written into a fresh folder.
fn config_map_files(manifest: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut written = 0;
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let doc = serde_yaml::Value::deserialize(doc).unwrap();
        if doc["kind"] != "ConfigMap" {
            continue;
        }
        for (name, content) in doc["data"].as_mapping().unwrap() {
            let (name, content) = (name.as_str().unwrap(), content.as_str().unwrap());
            std::fs::write(dir.path().join(name), content).unwrap();
            written += 1;
        }
    }
    assert!(written > 0, "no ConfigMap data in {}", manifest.display());
    dir
}

#[test]
fn mounted_components_pass_parlance_validate() {
    for form in ["gateway", "sidecar"] {
        let dir = config_map_files(&root().join("deploy").join(form).join("components.yaml"));
        // The keys the pods get from their Secret (envFrom), as the `env` store reads them.
        let out = Command::new(env!("CARGO_BIN_EXE_parlance"))
            .args(["validate", "--resources-path"])
            .arg(dir.path())
            .env("OPENAI_API_KEY", "sk-test")
            .env("REDIS_PASSWORD", "secret")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{form}: {text}");
        assert!(text.contains("openai (conversation.openai, model gpt-4o-mini)"), "{form}: {text}");
    }
}
