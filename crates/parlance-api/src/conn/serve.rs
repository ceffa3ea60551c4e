//! The HTTP door's accept loop: HTTP/1.1 and HTTP/2 (h2c, by prior knowledge) on one port,
//! each connection watched ([`super::io`]) and its requests reported ([`super::track`]). On
//! shutdown it stops accepting, asks every connection to close once its request in progress
//! is answered, and returns when all have closed.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::Transport;
use super::io::{Watched, accept};
use super::track::{App, Tracked};
use super::watch::Mode;

/// Serves `app` on `listener` until `shutdown` resolves, then drains the connections.
pub async fn serve_http(
    listener: TcpListener,
    app: impl Into<App>,
    transport: &Transport,
    shutdown: impl Future<Output = ()>,
) {
    let app = app.into();
    let builder = Arc::new(builder(transport));
    let bounds = transport.http;
    // Each connection holds a receiver; when the sender is dropped they begin to close, and
    // `closed()` on the second channel resolves once every connection task has ended.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            () = &mut shutdown => break,
            tcp = accept(&listener) => tcp,
        };
        let io = Watched::new(tcp, bounds, Mode::Http);
        let conn = Conn { builder: builder.clone(), app: app.clone(), stop: stop_rx.clone() };
        tokio::spawn(conn.serve(io, done_rx.clone()));
    }
    drop(listener);
    drop(stop_tx);
    drop((stop_rx, done_rx));
    done_tx.closed().await;
}

/// What one connection task needs.
struct Conn {
    builder: Arc<Builder<TokioExecutor>>,
    app: App,
    stop: watch::Receiver<()>,
}

impl Conn {
    async fn serve(mut self, io: Watched<TcpStream>, _done: watch::Receiver<()>) {
        let service = Tracked::new(self.app, io.watch().clone());
        let mut conn = pin!(self.builder.serve_connection(TokioIo::new(io), service));
        let result = tokio::select! {
            r = conn.as_mut() => r,
            _ = self.stop.changed() => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!("HTTP connection closed: {e}");
        }
    }
}

/// hyper's settings: the header cap is HTTP/1's read-buffer limit (a head that does not fit
/// is answered `431`) and HTTP/2's header-list limit. hyper's own header timer stays off: it
/// would also cut the idle wait between requests to the header bound. Half-close stays off:
/// hyper's read during a request in progress is how a client that hangs up is noticed, and
/// its provider call cancelled (`tests/connections.rs`).
fn builder(transport: &Transport) -> Builder<TokioExecutor> {
    let mut b = Builder::new(TokioExecutor::new());
    b.http1()
        .header_read_timeout(None)
        .max_buf_size(transport.max_header_bytes.max(super::MIN_HEADER_BYTES));
    b.http2().timer(TokioTimer::new()).max_header_list_size(transport.max_header_list());
    b
}
