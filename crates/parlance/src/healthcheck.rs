//! `parlance healthcheck`: probes a running parlance's health endpoint and exits 0 when it
//! answers 2xx, 1 otherwise. It exists for images without a shell or curl (the container image
//! is `FROM scratch`): the image's `HEALTHCHECK` runs the binary itself against its own port.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

/// Flags of `parlance healthcheck`.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// Port of the HTTP API to probe (daprd's `DAPR_HTTP_PORT` when set).
    #[arg(long, env = "DAPR_HTTP_PORT", default_value_t = 3500, value_name = "PORT")]
    pub dapr_http_port: u16,
    /// Address to probe; `127.0.0.1` reaches a server listening on `0.0.0.0` too.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub address: String,
    /// Path to probe: `/v1.0/healthz` (ready to serve) or `/v1.0/healthz/outbound`.
    #[arg(long, default_value = "/v1.0/healthz", value_name = "PATH")]
    pub path: String,
    /// Give up after this long (Go syntax or seconds).
    #[arg(long, default_value = "2s", value_parser = crate::cli::parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

/// Runs the probe; prints the outcome on stderr only when it fails.
pub fn run(args: &HealthcheckArgs) -> ExitCode {
    match probe(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("unhealthy: {why}");
            ExitCode::FAILURE
        }
    }
}

fn probe(args: &HealthcheckArgs) -> Result<(), String> {
    let host = match args.address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        _ => args.address.clone(),
    };
    let url = format!("http://{host}:{}{}", args.dapr_http_port, args.path);
    let client = reqwest::blocking::Client::builder()
        .timeout(args.timeout)
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let status = client.get(&url).send().map_err(|e| format!("{url}: {e}"))?.status();
    if status.is_success() { Ok(()) } else { Err(format!("{url}: {status}")) }
}
