//! The official OpenAI Python SDK (PyPI `openai`, pinned in `tests/sdk/python/requirements.txt`)
//! as an unchanged client of the `/v1` doors (Chat Completions in `test_openai.py`, the
//! Responses API in `test_responses.py`): parlance runs in-process on port 0 with echo and
//! the fake's OpenAI, Anthropic and Bedrock components (and two whose fakes always fail with
//! 429 and 500), a second parlance has an API token, and pytest runs `tests/sdk/openai`.
//! `./scripts/test` creates the virtualenv and sets `PARLANCE_TEST_PYTHON`; without it this
//! test fails — it is never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{
    ECHO_COMPONENTS, args, component, failing, openai, path, resources, run, start, start_with,
};
use parlance_fake::{FakeOptions, FakeUpstream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_python_sdk_against_the_v1_door() {
    let python = std::env::var("PARLANCE_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("PARLANCE_TEST_PYTHON is not set: run ./scripts/test (it creates .venv with the OpenAI Python SDK)")
    });
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let (limited, broken) = (failing(429, Some(1)).await, failing(500, None).await);
    let anthropic_url = format!("{}/v1/", fake.url());
    let bedrock_url = fake.url();
    let files = [
        ("a-echo.yaml", ECHO_COMPONENTS.to_string()),
        ("b-gpt.yaml", openai("gpt", &fake, &[("allowedModels", "gpt-4o")])),
        (
            "c-claude.yaml",
            component(
                "claude",
                "conversation.anthropic",
                &[
                    ("key", "sk-ant"),
                    ("model", "claude-sonnet-4-20250514"),
                    ("endpoint", &anthropic_url),
                ],
            ),
        ),
        (
            "d-nova.yaml",
            component(
                "nova",
                "conversation.aws.bedrock",
                &[
                    ("model", "anthropic.claude-3-5-haiku-20241022-v1:0"),
                    ("endpoint", &bedrock_url),
                    ("region", "us-east-1"),
                    ("accessKey", "AKIDTEST"),
                    ("secretKey", "secret/key"),
                ],
            ),
        ),
        ("e-limited.yaml", openai("limited", &limited, &[])),
        ("f-broken.yaml", openai("broken", &broken, &[])),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let dir = resources(&refs);
    let p = start(&[path(&dir)]).await;
    let echo = resources(&[("echo.yaml", ECHO_COMPONENTS)]);
    let guarded = start_with(args(&[path(&echo)]), Some("sdk-token")).await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sdk/openai"])
        .current_dir(&root)
        .env("PARLANCE_OPENAI_BASE_URL", format!("{}/v1", p.base))
        .env("PARLANCE_OPENAI_TOKEN_BASE_URL", format!("{}/v1", guarded.base))
        .env("PARLANCE_OPENAI_TOKEN", "sdk-token")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL");
    let (ok, out) =
        tokio::task::spawn_blocking(move || run(cmd, Duration::from_secs(300))).await.unwrap();
    p.running.shutdown().await;
    guarded.running.shutdown().await;
    assert!(ok, "pytest failed:\n{out}");
    println!("{out}");
}
