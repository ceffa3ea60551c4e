//! Command-line flags, named as daprd names them so that people and tools that know daprd
//! know parlance. Go-style single-dash long flags (`-dapr-http-port 3500`) are accepted too.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// parlance: the Dapr Conversation API in front of many LLM providers, with prompt caching
/// and PII obfuscation.
#[derive(Debug, Parser)]
#[command(name = "parlance", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without a subcommand parlance serves.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Serving flags.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check component files (parse, validate, resolve secrets) without starting servers;
    /// exits non-zero listing every problem.
    Validate {
        /// Folder of component YAML files (repeatable).
        #[arg(
            long = "resources-path",
            visible_alias = "components-path",
            value_name = "DIR",
            required = true
        )]
        resources_path: Vec<PathBuf>,
    },
}

/// Log verbosity, as daprd names its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything, including one line per request.
    Debug,
    /// Start-up, shutdown and configuration.
    Info,
    /// Problems that did not stop a request.
    Warn,
    /// Failures.
    Error,
    /// Only what stops the process.
    Fatal,
}

/// Flags for serving.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Folder of Dapr component YAML files (repeatable). Without one, a built-in `echo`
    /// component is served.
    #[arg(long = "resources-path", visible_alias = "components-path", value_name = "DIR")]
    pub resources_path: Vec<PathBuf>,
    /// Port of the Dapr HTTP API.
    #[arg(long, default_value_t = 3500, value_name = "PORT")]
    pub dapr_http_port: u16,
    /// Port of the Dapr gRPC API.
    #[arg(long, default_value_t = 50001, value_name = "PORT")]
    pub dapr_grpc_port: u16,
    /// Addresses the API servers listen on (comma-separated).
    #[arg(long, default_value = "127.0.0.1", value_delimiter = ',', value_name = "ADDRS")]
    pub dapr_listen_addresses: Vec<String>,
    /// Port of the Prometheus metrics endpoint.
    #[arg(long, default_value_t = 9090, value_name = "PORT")]
    pub metrics_port: u16,
    /// The application id reported by the metadata endpoint.
    #[arg(long, default_value = "", value_name = "ID")]
    pub app_id: String,
    /// Log level.
    #[arg(long, value_enum, default_value_t = LogLevel::Info)]
    pub log_level: LogLevel,
    /// Write logs as JSON lines.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = false, value_name = "BOOL")]
    pub log_as_json: bool,
    /// Largest request body accepted, e.g. `4Mi`, `512Ki`, `10M` or a number of bytes.
    #[arg(long, default_value = "4Mi", value_parser = parse_size, value_name = "SIZE")]
    pub max_body_size: usize,
    /// Upper bound of the in-memory response cache (all components together), same size
    /// syntax as `--max-body-size`. Least recently used entries are evicted beyond it.
    #[arg(long, default_value = "256Mi", value_parser = parse_size, value_name = "SIZE")]
    pub cache_max_bytes: usize,
    /// Serve Prometheus metrics on `--metrics-port`.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", default_value_t = true, value_name = "BOOL")]
    pub enable_metrics: bool,
    /// Conversation requests handled at once; more are refused at once with 503 /
    /// `UNAVAILABLE` instead of queueing (0 = no limit).
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_concurrent_requests: usize,
    /// On SIGTERM/SIGINT, how long in-flight requests may take to finish before exit.
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub dapr_graceful_shutdown_seconds: u64,
}

/// Parses the process arguments (accepting Go-style single-dash long flags).
pub fn parse() -> Cli {
    Cli::parse_from(normalize(std::env::args()))
}

/// Parses the given arguments; for tests.
pub fn try_parse_from<I: IntoIterator<Item = String>>(args: I) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(normalize(args))
}

/// `-dapr-http-port` → `--dapr-http-port` for every long flag parlance knows.
fn normalize<I: IntoIterator<Item = String>>(args: I) -> Vec<String> {
    let cmd = Cli::command();
    let mut longs: Vec<String> = Vec::new();
    for c in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
        for a in c.get_arguments() {
            longs
                .extend(a.get_long_and_visible_aliases().into_iter().flatten().map(str::to_string));
        }
    }
    args.into_iter()
        .map(|a| {
            let single = a.strip_prefix('-').filter(|rest| !rest.starts_with('-'));
            match single {
                Some(rest) if longs.iter().any(|l| l == rest.split('=').next().unwrap_or("")) => {
                    format!("-{a}")
                }
                _ => a,
            }
        })
        .collect()
}

/// Kubernetes-style quantities: `4Mi` = 4 × 2²⁰, `4M` = 4 × 10⁶, plain numbers are bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("invalid size {s:?}"))?;
    let mult: usize = match unit {
        "" | "B" => 1,
        "k" | "K" | "KB" => 1_000,
        "Ki" | "KiB" => 1 << 10,
        "M" | "MB" => 1_000_000,
        "Mi" | "MiB" => 1 << 20,
        "G" | "GB" => 1_000_000_000,
        "Gi" | "GiB" => 1 << 30,
        _ => return Err(format!("invalid size unit in {s:?} (use Ki, Mi, Gi, K, M, G)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        std::iter::once("parlance").chain(a.iter().copied()).map(str::to_string).collect()
    }

    #[test]
    fn defaults_match_daprd() {
        let c = try_parse_from(args(&[])).unwrap();
        assert_eq!(
            (c.run.dapr_http_port, c.run.dapr_grpc_port, c.run.metrics_port),
            (3500, 50001, 9090)
        );
        assert_eq!(c.run.max_body_size, 4 << 20);
        assert_eq!(c.run.cache_max_bytes, 256 << 20);
        assert_eq!(c.run.dapr_listen_addresses, vec!["127.0.0.1"]);
    }

    #[test]
    fn go_style_flags_and_aliases() {
        let c = try_parse_from(args(&[
            "-dapr-http-port",
            "3600",
            "--components-path",
            "a",
            "--resources-path=b",
            "-log-as-json",
        ]))
        .unwrap();
        assert_eq!(c.run.dapr_http_port, 3600);
        assert_eq!(c.run.resources_path, vec![PathBuf::from("a"), PathBuf::from("b")]);
        assert!(c.run.log_as_json);
        let c = try_parse_from(args(&["--log-as-json=false"])).unwrap();
        assert!(!c.run.log_as_json);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512Ki").unwrap(), 512 * 1024);
        assert_eq!(parse_size("10M").unwrap(), 10_000_000);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("4Xi").is_err());
    }

    #[test]
    fn validate_subcommand() {
        let c = try_parse_from(args(&["validate", "--resources-path", "x"])).unwrap();
        assert!(matches!(c.command, Some(Command::Validate { .. })));
    }
}
