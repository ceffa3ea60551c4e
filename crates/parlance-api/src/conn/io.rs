//! The accepted socket, wrapped so that its [`Watch`] deadline is enforced where the server
//! waits: when a read finds nothing and the deadline has passed, the read fails with
//! `TimedOut` and the server closes the connection. Reads and writes in progress are never
//! touched, so a response may stream for as long as it needs.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tonic::transport::server::Connected;

use super::Bounds;
use super::watch::{Mode, Watch};

/// A socket and its connection's clock.
#[derive(Debug)]
pub struct Watched<IO> {
    io: IO,
    watch: Arc<Watch>,
    /// Armed at or before the deadline; when it fires the deadline is looked at again.
    timer: Pin<Box<Sleep>>,
}

impl<IO> Watched<IO> {
    /// Wraps a socket accepted now.
    pub fn new(io: IO, bounds: Bounds, mode: Mode) -> Watched<IO> {
        let watch = Watch::new(bounds, mode);
        let first = watch.deadline().unwrap_or_else(|| Instant::now() + watch.recheck());
        Watched { io, watch, timer: Box::pin(tokio::time::sleep_until(first)) }
    }

    /// The connection's clock, for the service that reports its requests.
    pub fn watch(&self) -> &Arc<Watch> {
        &self.watch
    }

    /// Called when a read found nothing: `Ready(Err)` once the deadline has passed, otherwise
    /// `Pending` with the timer armed no later than the deadline.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.watch.enabled() {
            return Poll::Pending;
        }
        // Moving the timer earlier is rare (a stalled head); later deadlines are caught when
        // the timer fires, so the steady state costs no timer update per request.
        if let Some(due) = self.watch.deadline().filter(|d| *d < self.timer.deadline()) {
            self.timer.as_mut().reset(due);
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            match self.watch.deadline() {
                Some(due) if due <= now => return Poll::Ready(Err(timed_out())),
                Some(due) => self.timer.as_mut().reset(due),
                None => self.timer.as_mut().reset(now + self.watch.recheck()),
            }
        }
        Poll::Pending
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection idle or request headers too slow")
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.watch.on_bytes();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.poll_deadline(cx),
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// What tonic puts in each request's extensions: the connection's clock, so that
/// [`super::track::TrackLayer`] can report the call.
#[derive(Debug, Clone)]
pub struct ConnClock(pub Arc<Watch>);

impl Connected for Watched<TcpStream> {
    type ConnectInfo = ConnClock;

    fn connect_info(&self) -> ConnClock {
        ConnClock(self.watch.clone())
    }
}

/// Accepts connections with TCP_NODELAY (a reply must not wait for the peer's delayed ACK),
/// each wrapped in its clock. An accept error that is not about one connection (out of file
/// descriptors) pauses accepting briefly instead of spinning.
pub fn incoming(
    listener: TcpListener,
    bounds: Bounds,
    mode: Mode,
) -> impl Stream<Item = io::Result<Watched<TcpStream>>> {
    futures::stream::unfold(listener, move |listener| async move {
        let tcp = accept(&listener).await;
        Some((Ok(Watched::new(tcp, bounds, mode)), listener))
    })
}

/// The next connection, with TCP_NODELAY set; accept errors are logged and waited out.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                let _ = tcp.set_nodelay(true);
                return tcp;
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
