//! Codex itself (npm `@openai/codex`, pinned in `tests/agents/package.json`) as an unchanged
//! client of the Responses door: its `config.toml` names parlance as a provider on the Responses
//! wire (`wire_api = "responses"`, a base URL and a key variable) and parlance serves its own
//! `gpt-*` model name through `modelAliases` — once onto an OpenAI component, once onto an
//! Anthropic component (translated), both on the fake upstream. For each, one question answered
//! and one tool round trip: the fake model asks `exec_command` for the backticked command of the
//! prompt, Codex runs it, the output goes back as a `function_call_output`, and Codex's last
//! message (the fake echoes the tool result) carries it. `./scripts/test` installs the agent
//! and sets `PARLANCE_TEST_CODEX`; without it this test fails — it is never skipped. Update
//! checks are off; Codex sends no telemetry to a custom provider.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Parlance, anthropic, openai, path, resources, run, start};
use parlance_fake::{FakeOptions, FakeUpstream};

/// Runs `codex exec PROMPT` against `p`; returns (success, transcript, last message).
async fn codex(p: &Parlance, prompt: &str) -> (bool, String, String) {
    let cli = std::env::var("PARLANCE_TEST_CODEX").unwrap_or_else(|_| {
        panic!("PARLANCE_TEST_CODEX is not set: run ./scripts/test (it installs Codex under tests/agents)")
    });
    let home = tempfile::tempdir().unwrap();
    let codex_home = home.path().join(".codex");
    std::fs::create_dir_all(&codex_home).unwrap();
    let config = format!(
        "model = \"gpt-5.2-codex\"\nmodel_provider = \"parlance\"\napproval_policy = \"never\"\n\
         sandbox_mode = \"danger-full-access\"\ncheck_for_update_on_startup = false\n\n\
         [model_providers.parlance]\nname = \"parlance\"\nbase_url = \"{}/v1\"\n\
         env_key = \"PARLANCE_API_KEY\"\nwire_api = \"responses\"\nrequest_max_retries = 0\n\
         stream_max_retries = 0\nstream_idle_timeout_ms = 60000\n",
        p.base
    );
    std::fs::write(codex_home.join("config.toml"), config).unwrap();
    let last = home.path().join("last.txt");
    let mut cmd = Command::new("node");
    cmd.arg(&cli)
        .args(["exec", "--skip-git-repo-check", "--ephemeral"])
        .args(["--dangerously-bypass-approvals-and-sandbox", "-o"])
        .arg(&last)
        .arg(prompt)
        .current_dir(home.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("CODEX_HOME", &codex_home)
        .env("PARLANCE_API_KEY", "sk-parlance-test");
    let (ok, out) =
        tokio::task::spawn_blocking(move || run(cmd, Duration::from_secs(180))).await.unwrap();
    let message = std::fs::read_to_string(&last).unwrap_or_default();
    (ok, out, message)
}

/// The question and the tool round trip through `p`, whose `gpt-*` names reach `upstream`.
async fn answers_and_runs_a_tool(p: &Parlance, upstream: &str) {
    let (ok, out, last) = codex(p, "Say hello to the parlance gateway").await;
    assert!(ok, "codex exec failed through the {upstream} component:\n{out}");
    assert!(
        last.starts_with("echo:") && last.contains("Say hello to the parlance gateway"),
        "the answer is not the fake model's echo ({upstream}): {last:?}\n{out}"
    );
    let prompt =
        "Use the exec_command tool to run `echo $((6*7))-parlance-ok` and tell me what it printed.";
    let (ok, out, last) = codex(p, prompt).await;
    assert!(ok, "the tool round trip failed through the {upstream} component:\n{out}");
    // "42-parlance-ok" is not in the prompt: only the shell Codex ran could print it, and only
    // the function_call_output sent back through parlance brings it into the model's answer.
    assert!(
        last.starts_with("echo:") && last.contains("42-parlance-ok"),
        "the tool's output did not come back ({upstream}): {last:?}\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_through_an_openai_and_an_anthropic_component() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let gpt_yaml = openai("gpt", &fake, &[("modelAliases", "gpt-*")]);
    let to_openai = resources(&[("gpt.yaml", gpt_yaml.as_str())]);
    let claude_yaml = anthropic("claude", &fake, &[("modelAliases", "gpt-*")]);
    let to_anthropic = resources(&[("claude.yaml", claude_yaml.as_str())]);
    let o = start(&[path(&to_openai)]).await;
    let a = start(&[path(&to_anthropic)]).await;
    answers_and_runs_a_tool(&o, "OpenAI").await;
    answers_and_runs_a_tool(&a, "Anthropic").await;
    o.running.shutdown().await;
    a.running.shutdown().await;
}
