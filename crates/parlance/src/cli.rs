//! Command-line flags, named as daprd names them so that people and tools that know daprd
//! know parlance. Go-style single-dash long flags (`-dapr-http-port 3500`) are accepted too.

use std::path::PathBuf;
use std::time::Duration;

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
    /// Probe a running parlance's health endpoint; exit 0 when it answers 2xx (for container
    /// health checks in images without curl).
    Healthcheck(crate::healthcheck::HealthcheckArgs),
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
    /// Turn hot reload off: the resources folders are read once at start-up (no polling,
    /// no reload on SIGHUP).
    #[arg(long)]
    pub no_watch: bool,
    /// How often the resources folders are checked for changes (a change is applied once
    /// two checks in a row agree). Go syntax (`500ms`, `2s`) or seconds.
    #[arg(long, default_value = "500ms", value_parser = parse_interval, value_name = "DURATION")]
    pub watch_interval: Duration,
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
    /// A `state.redis` component of the resources that holds the Responses door's stored
    /// responses, shared by every replica (read at start; a reload does not change it).
    /// Absent: they are kept in this process's memory.
    #[arg(long, value_name = "NAME")]
    pub responses_store: Option<String>,
    /// How long a response stays in `--responses-store` (OpenAI keeps them 30 days).
    #[arg(long, default_value = "720h", value_parser = parse_duration, value_name = "DURATION")]
    pub responses_ttl: Duration,
    /// The largest response (its body and conversation) `--responses-store` takes; a larger
    /// one is answered but not stored.
    #[arg(long, default_value = "8Mi", value_parser = parse_size, value_name = "SIZE")]
    pub responses_max_entry_size: usize,
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
    /// Time a client has to send a request's headers on the HTTP port: for the first request
    /// counted from the connection's start (a silent connection is closed too), for later ones
    /// from their first byte. Go syntax (`10s`, `500ms`) or seconds; 0 = no bound.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub http_read_header_timeout: Duration,
    /// How long an HTTP keep-alive connection may wait for its next request; 0 = no bound.
    #[arg(long, default_value = "90s", value_parser = parse_duration, value_name = "DURATION")]
    pub http_idle_timeout: Duration,
    /// Largest request head: HTTP/1 request line and headers (larger gets
    /// `431 Request Header Fields Too Large`) and the HTTP/2 header list on both ports. Same
    /// size syntax as `--max-body-size`; at least `8Ki`.
    #[arg(long, default_value = "64Ki", value_parser = parse_header_size, value_name = "SIZE")]
    pub max_header_size: usize,
    /// Time a client has to start the HTTP/2 handshake on the gRPC port (its first bytes);
    /// 0 = no bound.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub grpc_handshake_timeout: Duration,
    /// How long a gRPC connection may stay open with no call in progress; 0 = no bound.
    #[arg(long, default_value = "90s", value_parser = parse_duration, value_name = "DURATION")]
    pub grpc_max_connection_idle: Duration,
    /// Interval of the HTTP/2 pings the gRPC server sends to find dead peers; 0 = no pings.
    #[arg(long, default_value = "2h", value_parser = parse_duration, value_name = "DURATION")]
    pub grpc_keepalive_time: Duration,
    /// How long a keep-alive ping may go unanswered before the connection is closed.
    #[arg(long, default_value = "20s", value_parser = parse_duration, value_name = "DURATION")]
    pub grpc_keepalive_timeout: Duration,
    /// Age after which a gRPC connection is asked to go away (GOAWAY; calls in progress
    /// finish); 0 = no limit.
    #[arg(long, default_value = "0", value_parser = parse_duration, value_name = "DURATION")]
    pub grpc_max_connection_age: Duration,
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

/// Go durations (`10s`, `1m30s`, `500ms`) or a number of seconds, as component metadata takes them.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    parlance_config::parse_dapr_duration(s)
}

/// A duration (as [`parse_duration`]) of at least 10 ms.
fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_millis(10) {
        return Err("must be at least 10ms".to_string());
    }
    Ok(d)
}

/// A size (as [`parse_size`]) of at least 8 KiB, the smallest read buffer hyper accepts.
fn parse_header_size(s: &str) -> Result<usize, String> {
    let n = parse_size(s)?;
    let min = parlance_api::conn::MIN_HEADER_BYTES;
    if n < min {
        return Err(format!("must be at least {min} bytes (8Ki)"));
    }
    Ok(n)
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
    fn connection_bounds() {
        let secs = Duration::from_secs;
        let c = try_parse_from(args(&[])).unwrap().run;
        assert_eq!((c.http_read_header_timeout, c.http_idle_timeout), (secs(10), secs(90)));
        assert_eq!((c.grpc_handshake_timeout, c.grpc_max_connection_idle), (secs(10), secs(90)));
        assert_eq!((c.grpc_keepalive_time, c.grpc_keepalive_timeout), (secs(7200), secs(20)));
        assert_eq!((c.grpc_max_connection_age, c.max_header_size), (secs(0), 64 << 10));
        let c = try_parse_from(args(&[
            "-http-read-header-timeout",
            "300ms",
            "--http-idle-timeout=1m30s",
            "--max-header-size",
            "16Ki",
        ]))
        .unwrap()
        .run;
        assert_eq!(c.http_read_header_timeout, Duration::from_millis(300));
        assert_eq!((c.http_idle_timeout, c.max_header_size), (secs(90), 16 << 10));
        assert!(try_parse_from(args(&["--max-header-size", "4Ki"])).is_err());
        assert!(try_parse_from(args(&["--http-idle-timeout", "soon"])).is_err());
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
    fn hot_reload_flags() {
        let c = try_parse_from(args(&[])).unwrap().run;
        assert_eq!((c.no_watch, c.watch_interval), (false, Duration::from_millis(500)));
        let c = try_parse_from(args(&["-no-watch", "--watch-interval", "2s"])).unwrap().run;
        assert_eq!((c.no_watch, c.watch_interval), (true, Duration::from_secs(2)));
        assert!(try_parse_from(args(&["--watch-interval", "0"])).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512Ki").unwrap(), 512 * 1024);
        assert_eq!(parse_size("10M").unwrap(), 10_000_000);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("4Xi").is_err());
    }

    #[test]
    fn healthcheck_subcommand() {
        let c = try_parse_from(args(&["healthcheck", "-dapr-http-port", "3600"])).unwrap();
        let Some(Command::Healthcheck(h)) = c.command else { panic!("{:?}", c.command) };
        assert_eq!((h.dapr_http_port, h.path.as_str()), (3600, "/v1.0/healthz"));
        assert_eq!((h.address.as_str(), h.timeout), ("127.0.0.1", Duration::from_secs(2)));
    }

    #[test]
    fn validate_subcommand() {
        let c = try_parse_from(args(&["validate", "--resources-path", "x"])).unwrap();
        assert!(matches!(c.command, Some(Command::Validate { .. })));
    }
}
