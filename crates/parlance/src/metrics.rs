//! The Prometheus endpoint: `GET /metrics` on `--metrics-port` (daprd's default 9090), in the
//! text exposition format, rendered from the registry at scrape time.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use parlance_api::conn::Transport;
use parlance_pipeline::telemetry::Telemetry;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The content type Prometheus expects for the text format.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn scrape(State(t): State<Arc<Telemetry>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], t.encode())
}

/// The metrics app, for tests that call it without a socket.
pub fn router(telemetry: Arc<Telemetry>) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(telemetry)
}

/// Binds the metrics port and serves until `stop` turns true, with the HTTP port's connection
/// bounds (a scraper that connects and stalls is closed like any other client).
pub async fn serve(
    host: &str,
    port: u16,
    telemetry: Arc<Telemetry>,
    transport: Arc<Transport>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind((host, port)).await?;
    let addr = listener.local_addr()?;
    let app = router(telemetry);
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        parlance_api::conn::serve_http(listener, app, &transport, shutdown).await;
    });
    Ok((addr, task))
}
