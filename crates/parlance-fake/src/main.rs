//! `parlance-fake`: serves the fake LLM upstreams on 127.0.0.1 until SIGINT/SIGTERM.
//!
//! Prints `listening on http://127.0.0.1:PORT` (one line, flushed) once it accepts requests;
//! with `--tls`, `https://…`, after writing the generated CA's certificate to `--ca-out`.
//! Streaming requests are served as by the library; `--fault pace=64x20ms` makes every stream
//! the benchmark's paced one (a request's own `x-fake-fault` header still wins).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use parlance_fake::{FakeOptions, FakeUpstream, Fault};

/// Fake OpenAI / Anthropic / Bedrock Converse upstream for tests and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "parlance-fake", version)]
struct Cli {
    /// Port to bind on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Require this API key (bearer, api-key, x-api-key or SigV4 access key id).
    #[arg(long)]
    api_key: Option<String>,
    /// Fixed-reply benchmark mode: minimal validation, precomputed replies, no recording.
    #[arg(long)]
    fixed: bool,
    /// Default fault for requests that name none (the fault grammar, e.g. `pace=64x20ms`).
    #[arg(long)]
    fault: Option<Fault>,
    /// Serve HTTPS (h2 or HTTP/1.1 by ALPN) with a certificate generated at start-up.
    #[arg(long)]
    tls: bool,
    /// With `--tls`: write the generated CA's certificate (PEM) here, for clients to trust.
    #[arg(long, requires = "tls")]
    ca_out: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

async fn run(cli: Cli) -> std::io::Result<()> {
    let opts = FakeOptions {
        api_key: cli.api_key,
        fixed_reply: cli.fixed,
        record: !cli.fixed,
        port: cli.port,
        tls: cli.tls,
    };
    let fake = FakeUpstream::start(opts).await?;
    if let (Some(path), Some(pem)) = (&cli.ca_out, fake.ca_pem()) {
        std::fs::write(path, pem)?;
    }
    if let Some(fault) = cli.fault {
        fake.set_default_fault(Some(fault));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", fake.url())?;
    out.flush()?;
    drop(out);
    shutdown_signal().await
}

#[cfg(unix)]
async fn shutdown_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn shutdown_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}

fn fail(message: &str) -> ExitCode {
    eprintln!("parlance-fake: {message}");
    ExitCode::FAILURE
}
