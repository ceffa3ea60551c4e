//! Claude Code itself (npm `@anthropic-ai/claude-code`, pinned in `tests/agents/package.json`) as
//! an unchanged client of the Messages door: only `ANTHROPIC_BASE_URL` and a key point it at
//! parlance, which serves its own default `claude-*` model name through `modelAliases` — once onto an
//! Anthropic component, once onto an OpenAI component (translated), both on the fake upstream.
//! For each, one question answered and one tool round trip: the fake model asks for the
//! backticked shell command of the prompt, Claude Code runs it with its `Bash` tool, the output
//! goes back as a `tool_result`, and the final answer (the fake echoes the tool result) carries
//! it. `./scripts/test` installs the agent and sets `PARLANCE_TEST_CLAUDE`; without it this test
//! fails — it is never skipped. Telemetry, error reporting and updates are off.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Parlance, anthropic, openai, path, resources, run, start};
use parlance_fake::{FakeOptions, FakeUpstream};

/// Runs `claude -p PROMPT` with `extra` flags against `p`; returns (success, output).
async fn claude(p: &Parlance, prompt: &str, extra: &[&str]) -> (bool, String) {
    let cli = std::env::var("PARLANCE_TEST_CLAUDE").unwrap_or_else(|_| {
        panic!("PARLANCE_TEST_CLAUDE is not set: run ./scripts/test (it installs Claude Code under tests/agents)")
    });
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("node");
    cmd.arg(&cli)
        .args(["-p", prompt, "--output-format", "text"])
        .args(extra)
        .current_dir(home.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("ANTHROPIC_BASE_URL", &p.base)
        .env("ANTHROPIC_API_KEY", "sk-ant-parlance-test")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("CLAUDE_CODE_MAX_RETRIES", "1")
        .env("API_TIMEOUT_MS", "60000");
    let (ok, out) =
        tokio::task::spawn_blocking(move || run(cmd, Duration::from_secs(180))).await.unwrap();
    drop(home);
    (ok, out)
}

/// The question and the tool round trip through `p`, whose `claude-*` names reach `upstream`.
async fn answers_and_runs_a_tool(p: &Parlance, upstream: &str) {
    let (ok, out) = claude(p, "Say hello to the parlance gateway", &["--tools", ""]).await;
    assert!(ok, "claude -p failed through the {upstream} component:\n{out}");
    assert!(
        out.contains("echo:") && out.contains("Say hello to the parlance gateway"),
        "the answer is not the fake model's echo ({upstream}):\n{out}"
    );
    let prompt =
        "Use the Bash tool to run `echo $((6*7))-parlance-ok` and tell me what it printed.";
    let (ok, out) = claude(p, prompt, &["--tools", "Bash", "--allowedTools", "Bash"]).await;
    assert!(ok, "the tool round trip failed through the {upstream} component:\n{out}");
    // "42-parlance-ok" is not in the prompt: only the shell Claude Code ran could print it, and
    // only the tool result sent back through parlance brings it into the final answer.
    assert!(
        out.contains("echo: 42-parlance-ok"),
        "the tool's output did not come back ({upstream}):\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_through_an_anthropic_and_an_openai_component() {
    let fake = FakeUpstream::start(FakeOptions::default()).await.unwrap();
    let claude_yaml = anthropic("claude", &fake, &[("modelAliases", "claude-*")]);
    let to_anthropic = resources(&[("claude.yaml", claude_yaml.as_str())]);
    let gpt_yaml = openai("gpt", &fake, &[("modelAliases", "claude-*")]);
    let to_openai = resources(&[("gpt.yaml", gpt_yaml.as_str())]);
    let a = start(&[path(&to_anthropic)]).await;
    let o = start(&[path(&to_openai)]).await;
    answers_and_runs_a_tool(&a, "Anthropic").await;
    answers_and_runs_a_tool(&o, "OpenAI").await;
    a.running.shutdown().await;
    o.running.shutdown().await;
}
