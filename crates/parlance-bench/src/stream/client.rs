//! One benchmark client: an HTTP/1.1 connection (hyper, `TCP_NODELAY`) over which it runs its
//! streams one after another, timing each content chunk as the socket hands it over. A stream
//! that fails or is abandoned (`--first-only`) closes the connection; the next one reconnects.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{SendRequest, handshake};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::sse::{Event, Scanner};
use super::tally::Tally;

/// Where and what a client sends.
#[derive(Debug, Clone)]
pub struct Target {
    /// Address to connect to.
    pub addr: SocketAddr,
    /// `Host` header value.
    pub authority: String,
    /// Request path and query.
    pub path: String,
    /// Request body (JSON).
    pub body: Bytes,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
}

/// How a client runs its streams.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Streams to run, one after another.
    pub streams: u64,
    /// Read up to the first content chunk, then close the connection.
    pub first_only: bool,
    /// Content chunks a complete stream must have (0: any).
    pub expect_frames: u64,
    /// Longest a single stream may take before it counts as failed.
    pub stream_timeout: Duration,
}

/// A connection: its request handle and the task driving it (aborted, the socket closes).
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    task: AbortOnDrop,
}

/// Aborts the connection task when dropped, so that an abandoned stream closes its socket at
/// once instead of being read to its end in the background.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn connect(addr: SocketAddr) -> Result<Conn, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, conn) =
        handshake(TokioIo::new(tcp)).await.map_err(|e| format!("handshake: {e}"))?;
    let task = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    Ok(Conn { sender, task })
}

/// Runs `plan.streams` streams against `target`, starting after `delay`.
pub async fn run(target: &Target, plan: Plan, delay: Duration, mut tally: Tally) -> Tally {
    tokio::time::sleep(delay).await;
    let mut conn: Option<Conn> = None;
    let mut scanner = Scanner::default();
    for _ in 0..plan.streams {
        scanner.clear();
        let outcome = tokio::time::timeout(
            plan.stream_timeout,
            one(target, plan, &mut conn, &mut scanner, &mut tally),
        )
        .await;
        match outcome {
            Ok(Ok(Done::Complete)) => tally.complete(plan.expect_frames),
            Ok(Ok(Done::Abandoned)) => {
                tally.abandon();
                conn = None;
            }
            Ok(Err(why)) => {
                tally.fail(why);
                conn = None;
            }
            Err(_) => {
                tally.fail("stream timed out".to_owned());
                conn = None;
            }
        }
    }
    tally
}

/// How a stream ended without failing.
enum Done {
    Complete,
    Abandoned,
}

/// One stream: connect if needed, send, read events until the terminal one.
async fn one(
    target: &Target,
    plan: Plan,
    conn: &mut Option<Conn>,
    scanner: &mut Scanner,
    tally: &mut Tally,
) -> Result<Done, String> {
    let start = Instant::now();
    tally.start(start);
    let c = match conn {
        Some(c) if !c.sender.is_closed() && !c.task.0.is_finished() => c,
        _ => conn.insert(connect(target.addr).await?),
    };
    let s = &mut c.sender;
    s.ready().await.map_err(|e| format!("not ready: {e}"))?;
    let mut req = Request::post(target.path.as_str())
        .header(header::HOST, target.authority.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "text/event-stream");
    for (k, v) in &target.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req.body(Full::new(target.body.clone())).map_err(|e| e.to_string())?;
    let resp = s.send_request(req).await.map_err(|e| format!("send: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("status {}", resp.status()));
    }
    let mut body = resp.into_body();
    let mut seen = Seen::Nothing;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("body: {e}"))?;
        let Some(data) = frame.data_ref() else { continue };
        let at = Instant::now();
        scanner.push(data, |e| seen = seen.max(note(e, at, tally)));
        match seen {
            Seen::Error => return Err("error event".to_owned()),
            Seen::End => return Ok(Done::Complete),
            Seen::Content if plan.first_only => return Ok(Done::Abandoned),
            _ => {}
        }
    }
    Err("body ended before the terminal event".to_owned())
}

/// The most telling event of a read, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    Nothing,
    Content,
    End,
    Error,
}

fn note(e: Event, at: Instant, tally: &mut Tally) -> Seen {
    match e {
        Event::Content(n) => {
            tally.frame(at, n);
            Seen::Content
        }
        Event::End => Seen::End,
        Event::Error => Seen::Error,
        Event::Other => Seen::Nothing,
    }
}
