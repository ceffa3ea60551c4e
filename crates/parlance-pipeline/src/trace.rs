//! One span per conversation call, with the OpenTelemetry GenAI attributes (operation,
//! provider, request/response model, token usage, finish reasons) and never the prompt or the
//! completion text. The W3C `traceparent` of the incoming request becomes the span's parent, and
//! the span becomes the parent of the upstream call.
//!
//! When no OpenTelemetry layer is installed (no `OTEL_EXPORTER_OTLP_*` configuration) the span
//! is an ordinary debug-level `tracing` span — so at the default log level it is never built,
//! and a request pays nothing for it — and the incoming `traceparent` is passed upstream
//! unchanged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use parlance_core::{ApiError, ChatResponse};
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Set once an exporter consumes spans (see [`set_exporting`]).
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Says that spans are exported (an OpenTelemetry layer is installed): call spans are then
/// info-level, so the default log level keeps them; otherwise they are debug-level.
pub fn set_exporting(on: bool) {
    EXPORTING.store(on, Ordering::Relaxed);
}

/// One `chat` span at `$level`, with every GenAI field declared (most recorded later).
macro_rules! span {
    ($level:expr, $name:expr, $component:expr, $provider:expr, $model:expr) => {
        tracing::span!(
            $level,
            "chat",
            otel.name = %$name,
            otel.kind = "client",
            otel.status_code = Empty,
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = $provider,
            gen_ai.request.model = $model,
            gen_ai.response.model = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.response.finish_reasons = Empty,
            dapr.component = $component,
            parlance.answered_by = Empty,
            error.type = Empty,
        )
    };
}

/// Opens the span of one conversation call: info-level when spans are exported, debug-level
/// otherwise (a disabled span, built for nothing, when that level is filtered out).
pub fn call_span(component: &str, provider: &'static str, model: &str) -> Span {
    let exporting = EXPORTING.load(Ordering::Relaxed);
    let wanted = if exporting {
        tracing::enabled!(tracing::Level::INFO)
    } else {
        tracing::enabled!(tracing::Level::DEBUG)
    };
    if !wanted {
        return Span::none();
    }
    let name = if model.is_empty() { "chat".to_string() } else { format!("chat {model}") };
    if !exporting {
        return span!(tracing::Level::DEBUG, name, component, provider, model);
    }
    span!(tracing::Level::INFO, name, component, provider, model)
}

/// Makes the incoming `traceparent` the span's parent.
pub fn link_parent(span: &Span, traceparent: Option<&str>) {
    let Some(tp) = traceparent.filter(|_| !span.is_disabled()) else { return };
    let carrier: HashMap<String, String> =
        HashMap::from([("traceparent".to_string(), tp.to_string())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    if cx.span().span_context().is_valid() {
        let _ = span.set_parent(cx);
    }
}

/// The `traceparent` to send upstream: this span when it is exported, else the incoming one.
pub fn outgoing_traceparent(span: &Span, incoming: Option<String>) -> Option<String> {
    if span.is_disabled() {
        return incoming;
    }
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return incoming;
    }
    let mut carrier: HashMap<String, String> = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove("traceparent").or(incoming)
}

/// Records the reply's GenAI attributes.
pub fn record_reply(span: &Span, chat: &ChatResponse) {
    if span.is_disabled() {
        return;
    }
    if let Some(m) = &chat.model {
        span.record("gen_ai.response.model", m.as_str());
    }
    if let Some(u) = &chat.usage {
        span.record("gen_ai.usage.input_tokens", u.prompt_tokens);
        span.record("gen_ai.usage.output_tokens", u.completion_tokens);
    }
    let reasons: Vec<&str> = chat.choices.iter().map(|c| c.finish_reason.as_str()).collect();
    span.record("gen_ai.response.finish_reasons", format!("{reasons:?}").as_str());
}

/// Records the component that answered when it is not the one called (a pool's member, a
/// fallback), as `parlance.answered_by`.
pub fn record_answered_by(span: &Span, answered_by: Option<&str>) {
    if let Some(name) = answered_by.filter(|_| !span.is_disabled()) {
        span.record("parlance.answered_by", name);
    }
}

/// Records a failure (its Dapr code, not its message, which may quote upstream text).
pub fn record_error(span: &Span, err: &ApiError) {
    span.record("error.type", err.code.as_str());
    span.record("otel.status_code", "ERROR");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_exporter_the_incoming_traceparent_passes_through() {
        let span = call_span("echo", "echo", "");
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string();
        link_parent(&span, Some(&tp));
        assert_eq!(outgoing_traceparent(&span, Some(tp.clone())), Some(tp));
        assert_eq!(outgoing_traceparent(&span, None), None);
    }

    /// At `info` (the default log level) the span exists only when something exports it; at
    /// `debug` it always does. One test, because `set_exporting` is process-wide.
    #[test]
    fn span_level_follows_the_exporter() {
        use tracing_subscriber::filter::LevelFilter;
        use tracing_subscriber::layer::SubscriberExt;
        let at = |level: LevelFilter, exporting: bool| {
            set_exporting(exporting);
            let subscriber = tracing_subscriber::registry().with(level);
            let disabled = tracing::subscriber::with_default(subscriber, || {
                call_span("openai", "openai", "gpt-4o").is_disabled()
            });
            set_exporting(false);
            disabled
        };
        assert!(at(LevelFilter::INFO, false), "no exporter, info: no span");
        assert!(!at(LevelFilter::INFO, true), "exporter, info: a span");
        assert!(!at(LevelFilter::DEBUG, false), "no exporter, debug: a span");
        assert!(at(LevelFilter::WARN, true), "warn: never");
    }
}
