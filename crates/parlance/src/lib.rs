//! The parlance sidecar as a library: flags ([`cli`]), start-up and shutdown ([`server`]),
//! hot reload of the resources ([`reload`]).
//! `main.rs` only parses flags and calls [`run`]; tests call [`server::start`] directly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod cli;
pub mod healthcheck;
pub mod logging;
pub mod metrics;
pub mod reload;
pub mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use cli::{Cli, Command, RunArgs};

/// Runs the command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    let guard = logging::init(&cli.run);
    let code = match cli.command {
        Some(Command::Validate { resources_path }) => validate(&resources_path),
        Some(Command::Healthcheck(args)) => healthcheck::run(&args),
        None => serve(cli.run),
    };
    guard.shutdown();
    code
}

fn validate(paths: &[PathBuf]) -> ExitCode {
    match server::load_plan(paths) {
        Ok(plan) => {
            for w in &plan.warnings {
                eprintln!("warning: {w}");
            }
            println!("ok: {} conversation component(s)", plan.conversation.len());
            for c in &plan.conversation {
                println!(
                    "  {} ({}, model {})",
                    c.name,
                    c.kind.type_name(),
                    c.provider.model().unwrap_or("-")
                );
            }
            for p in &plan.pools {
                let members: Vec<String> =
                    p.pool.members.iter().map(|m| format!("{}:{}", m.name, m.weight)).collect();
                println!(
                    "  {} (conversation.pool, {:?}: {})",
                    p.name,
                    p.pool.strategy,
                    members.join(", ")
                );
            }
            ExitCode::SUCCESS
        }
        Err(problems) => report(&problems),
    }
}

fn report(problems: &[parlance_config::ConfigProblem]) -> ExitCode {
    eprintln!("{} problem(s) in the resources:", problems.len());
    for p in problems {
        eprintln!("  {p}");
    }
    ExitCode::FAILURE
}

fn serve(args: RunArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let token = std::env::var("DAPR_API_TOKEN").ok().filter(|t| !t.is_empty());
    rt.block_on(async move {
        match server::start(&args, token).await {
            Ok(running) => {
                server::shutdown_signal().await;
                tracing::info!("shutting down");
                running.shutdown().await;
                ExitCode::SUCCESS
            }
            Err(server::StartError::Config(problems)) => report(&problems),
            Err(e) => {
                eprintln!("parlance failed to start: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
