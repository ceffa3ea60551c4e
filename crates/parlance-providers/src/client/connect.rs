//! The connector under the pooled client: TCP (TCP_NODELAY, keep-alive probes), then, when a
//! proxy intercepts the destination, a `CONNECT` tunnel (`https://`) or a forward-proxy
//! connection (`http://`), then TLS with ALPN for `https://`. The whole of it is bounded by
//! the connect timeout.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tower_service::Service;

use super::error::{BoxError, ConnectError};
use super::proxy::Proxies;

/// TCP keep-alive: first probe after, and between probes (reqwest's defaults).
const KEEPALIVE: Duration = Duration::from_secs(15);
/// Unanswered keep-alive probes before the connection is dropped.
const KEEPALIVE_RETRIES: u32 = 3;
/// How long sent data may stay unacknowledged before the kernel drops the connection (Linux).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens upstream connections for the pooled client.
#[derive(Clone)]
pub(crate) struct Connector {
    tcp: HttpConnector,
    tls: TlsConnector,
    proxies: Proxies,
    timeout: Duration,
}

impl Connector {
    /// A connector with this TLS configuration, these proxies and this connect bound.
    pub(crate) fn new(
        tls: Arc<rustls::ClientConfig>,
        proxies: Proxies,
        timeout: Duration,
    ) -> Connector {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_keepalive(Some(KEEPALIVE));
        tcp.set_keepalive_interval(Some(KEEPALIVE));
        tcp.set_keepalive_retries(Some(KEEPALIVE_RETRIES));
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        tcp.set_tcp_user_timeout(Some(TCP_USER_TIMEOUT));
        Connector { tcp, tls: TlsConnector::from(tls), proxies, timeout }
    }

    async fn connect(mut self, dst: Uri) -> Result<Conn, BoxError> {
        let https = match dst.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(ConnectError::Scheme.into()),
        };
        let proxy = self.proxies.intercept(&dst);
        if proxy.as_ref().is_some_and(|p| p.uri().scheme_str() != Some("http")) {
            return Err(ConnectError::ProxyScheme.into());
        }
        let tcp = match (&proxy, https) {
            (None, _) => self.tcp.call(dst.clone()).await?,
            (Some(p), false) => {
                let io = self.tcp.call(p.uri().clone()).await?;
                return Ok(Conn::Plain { io, forward: true });
            }
            (Some(p), true) => {
                let mut tunnel = Tunnel::new(p.uri().clone(), self.tcp.clone());
                if let Some(auth) = p.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                tunnel.call(dst.clone()).await?
            }
        };
        if !https {
            return Ok(Conn::Plain { io: tcp, forward: false });
        }
        let name = server_name(&dst)?;
        let stream = self.tls.connect(name, tcp.into_inner()).await?;
        Ok(Conn::Tls(TokioIo::new(stream)))
    }
}

/// The name the certificate must carry: the URL's host (an IP address or a DNS name).
fn server_name(dst: &Uri) -> Result<ServerName<'static>, ConnectError> {
    let host = dst.host().ok_or(ConnectError::ServerName)?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    ServerName::try_from(host.to_string()).map_err(|_| ConnectError::ServerName)
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let bound = this.timeout;
            tokio::time::timeout(bound, this.connect(dst))
                .await
                .unwrap_or_else(|_| Err(ConnectError::Timeout.into()))
        })
    }
}

/// One upstream connection.
// Most are TLS, and each lives inside its (already heap-allocated) connection task: boxing the
// TLS state would only add an indirection to every read and write.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Conn {
    /// Plain TCP; `forward`: to a forward proxy (requests then carry absolute URLs).
    Plain {
        /// The socket.
        io: TokioIo<TcpStream>,
        /// Whether the peer is a forward proxy.
        forward: bool,
    },
    /// TLS over TCP (directly or through a `CONNECT` tunnel).
    Tls(TokioIo<TlsStream<TcpStream>>),
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        match self {
            Conn::Plain { forward, .. } => Connected::new().proxy(*forward),
            Conn::Tls(io) => {
                let (_, session) = io.inner().get_ref();
                if session.alpn_protocol() == Some(b"h2") {
                    Connected::new().negotiated_h2()
                } else {
                    Connected::new()
                }
            }
        }
    }
}

impl Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain { io, .. } => Pin::new(io).poll_read(cx, buf),
            Conn::Tls(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain { io, .. } => Pin::new(io).poll_write(cx, buf),
            Conn::Tls(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain { io, .. } => Pin::new(io).poll_write_vectored(cx, bufs),
            Conn::Tls(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain { io, .. } => io.is_write_vectored(),
            Conn::Tls(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain { io, .. } => Pin::new(io).poll_flush(cx),
            Conn::Tls(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain { io, .. } => Pin::new(io).poll_shutdown(cx),
            Conn::Tls(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_come_from_the_host() {
        let name = |u: &str| server_name(&u.parse().unwrap()).map(|n| n.to_str().into_owned());
        assert_eq!(name("https://api.openai.com/v1").unwrap(), "api.openai.com");
        assert_eq!(name("https://127.0.0.1:8443/").unwrap(), "127.0.0.1");
        assert_eq!(name("https://[::1]:8443/").unwrap(), "::1");
    }
}
