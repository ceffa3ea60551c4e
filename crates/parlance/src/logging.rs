//! Logs and traces: `tracing` to stderr, one line per event (human text, coloured only on a
//! terminal, or JSON with `--log-as-json`), and, when the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` variables are set, spans
//! exported over OTLP (HTTP/protobuf) with W3C trace-context propagation.
//!
//! Secrets and prompt text never reach a log line or a span: component metadata is not logged,
//! errors carry codes and short upstream reasons only, and the spans hold GenAI attributes
//! (models, token counts, finish reasons), not content.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::cli::{LogLevel, RunArgs};

/// Keeps the trace exporter alive; [`Guard::shutdown`] flushes it.
pub struct Guard(Option<SdkTracerProvider>);

impl Guard {
    /// Flushes and stops the exporter (call outside the async runtime).
    pub fn shutdown(self) {
        if let Some(p) = self.0 {
            let _ = p.shutdown();
        }
    }
}

/// Installs the global subscriber. `PARLANCE_LOG` (an `EnvFilter`) overrides `--log-level`.
pub fn init(args: &RunArgs) -> Guard {
    let level = match args.log_level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error | LogLevel::Fatal => "error",
    };
    let filter = EnvFilter::try_from_env("PARLANCE_LOG").unwrap_or_else(|_| {
        EnvFilter::new(format!("{level},hyper=warn,h2=warn,reqwest=warn,opentelemetry=warn"))
    });
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(!args.log_as_json && colour_wanted());
    let fmt = if args.log_as_json { fmt.json().boxed() } else { fmt.boxed() };
    let provider = otlp_configured().then(otlp_provider).flatten();
    let otel =
        provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("parlance")));
    // Call spans are info-level only when something exports them (else debug-level).
    parlance_pipeline::trace::set_exporting(provider.is_some());
    let _ = tracing_subscriber::registry().with(filter).with(fmt).with(otel).try_init();
    Guard(provider)
}

/// Colour only for a person at a terminal: a redirected or collected stderr (a file, a pipe, a
/// container runtime's log driver) gets plain text, and `NO_COLOR` (no-color.org) turns it off.
fn colour_wanted() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn env_set(name: &str) -> bool {
    std::env::var(name).map(|v| !v.trim().is_empty()).unwrap_or(false)
}

/// Whether the operator asked for OTLP traces with the standard variables.
fn otlp_configured() -> bool {
    let disabled =
        std::env::var("OTEL_SDK_DISABLED").map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(false);
    let none = std::env::var("OTEL_TRACES_EXPORTER").map(|v| v == "none").unwrap_or(false);
    !disabled
        && !none
        && (env_set("OTEL_EXPORTER_OTLP_ENDPOINT") || env_set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

fn otlp_provider() -> Option<SdkTracerProvider> {
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build();
    let exporter = match exporter {
        Ok(e) => e,
        Err(e) => {
            eprintln!("OTLP trace export disabled: {e}");
            return None;
        }
    };
    let resource = opentelemetry_sdk::Resource::builder().with_service_name("parlance").build();
    let provider =
        SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    Some(provider)
}
