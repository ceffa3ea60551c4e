//! The official Dapr Python SDK (PyPI `dapr`, pinned in `tests/sdk/python/requirements.txt`)
//! as an unchanged client: parlance runs in-process on port 0 (HTTP for the SDK's health
//! polling, gRPC for the calls) and pytest runs `tests/sdk/python` against it.
//! `./scripts/test` creates the virtualenv and sets `PARLANCE_TEST_PYTHON`; without it this
//! test fails — it is never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{ECHO_COMPONENTS, path, resources, run, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_against_parlance() {
    let python = std::env::var("PARLANCE_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("PARLANCE_TEST_PYTHON is not set: run ./scripts/test (it creates .venv with the Dapr Python SDK)")
    });
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sdk/python"])
        .current_dir(&root)
        .env("DAPR_RUNTIME_HOST", "127.0.0.1")
        .env("DAPR_HTTP_PORT", p.running.http_addrs[0].port().to_string())
        .env("DAPR_GRPC_PORT", p.running.grpc_addrs[0].port().to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("DAPR_API_TOKEN")
        .env_remove("DAPR_HTTP_ENDPOINT")
        .env_remove("DAPR_GRPC_ENDPOINT");
    let (ok, out) =
        tokio::task::spawn_blocking(move || run(cmd, Duration::from_secs(300))).await.unwrap();
    p.running.shutdown().await;
    assert!(ok, "pytest failed:\n{out}");
    println!("{out}");
}
