//! The official Dapr JavaScript SDK (npm `@dapr/dapr`, locked in `tests/sdk/js`) as an
//! unchanged client: parlance runs in-process on port 0 and `node --test` runs the scripts of
//! `tests/sdk/js` against it. `./scripts/test` runs `npm ci` and sets `PARLANCE_TEST_NODE_DIR`;
//! without it this test fails — it is never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::{ECHO_COMPONENTS, path, resources, run, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_sdk_against_parlance() {
    let node_dir = std::env::var("PARLANCE_TEST_NODE_DIR").unwrap_or_else(|_| {
        panic!(
            "PARLANCE_TEST_NODE_DIR is not set: run ./scripts/test (it runs npm ci in tests/sdk/js)"
        )
    });
    let dir = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let p = start(&[path(&dir)]).await;
    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .current_dir(&node_dir)
        .env("DAPR_HTTP_PORT", p.running.http_addrs[0].port().to_string())
        .env("DAPR_GRPC_PORT", p.running.grpc_addrs[0].port().to_string())
        .env_remove("DAPR_API_TOKEN")
        .env_remove("DAPR_HTTP_ENDPOINT")
        .env_remove("DAPR_GRPC_ENDPOINT");
    let (ok, out) =
        tokio::task::spawn_blocking(move || run(cmd, Duration::from_secs(300))).await.unwrap();
    p.running.shutdown().await;
    assert!(ok, "node --test failed:\n{out}");
    println!("{out}");
}
