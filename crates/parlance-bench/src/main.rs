//! `parlance-bench`: the load generators `scripts/bench` calls. `grpc` drives
//! `ConverseAlpha2` (throughput, latency); `stream` drives SSE streams against parlance or the
//! fake's OpenAI stream directly (time to first token, gaps between chunks, frames per second,
//! stalls). Each prints one JSON object on stdout.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod grpc;
mod stream;

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Load `ConverseAlpha2`.
    Grpc {
        /// Server URL, e.g. http://127.0.0.1:50001.
        #[arg(long)]
        addr: String,
        /// Requests in flight.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// How long to run.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Which request: `plain`.
        #[arg(long, default_value = "plain")]
        scenario: String,
        /// Component name.
        #[arg(long, default_value = "openai")]
        component: String,
    },
    /// Concurrent SSE streams (parlance's door or the fake's OpenAI stream).
    Stream(stream::StreamArgs),
}

fn main() {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build();
    let Ok(rt) = rt else { std::process::exit(2) };
    let result = match cli.cmd {
        Cmd::Grpc { addr, concurrency, seconds, scenario: _, component } => {
            rt.block_on(grpc::run(addr, concurrency, seconds, component))
        }
        Cmd::Stream(args) => rt.block_on(stream::run(args)),
    };
    if let Err(e) = result {
        eprintln!("parlance-bench: {e}");
        std::process::exit(1);
    }
}
