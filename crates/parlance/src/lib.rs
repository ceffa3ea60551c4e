//! The parlance sidecar as a library: flags ([`cli`]), start-up and shutdown ([`server`]).
//! `main.rs` only parses flags and calls [`run`]; tests call [`server::start`] directly.

pub mod cli;
pub mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use cli::{Cli, Command, LogLevel, RunArgs};

/// Runs the command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(&cli.run);
    match cli.command {
        Some(Command::Validate { resources_path }) => validate(&resources_path),
        None => serve(cli.run),
    }
}

fn init_logging(args: &RunArgs) {
    let level = match args.log_level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error | LogLevel::Fatal => "error",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PARLANCE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},hyper=warn,h2=warn,reqwest=warn"))
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if args.log_as_json { builder.json().try_init() } else { builder.try_init() };
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
