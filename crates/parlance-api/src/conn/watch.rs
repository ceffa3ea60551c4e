//! One connection's clock: whether a request is in progress, since when it has been idle, and
//! so when the connection must be closed. Pure bookkeeping (atomics, no I/O); [`super::io`]
//! enforces the deadline and [`super::track`] reports the requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::Bounds;

/// "Not yet" for the two timestamps.
const NEVER: u64 = u64::MAX;

/// Which rules a connection follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// HTTP/1.1, or HTTP/2 once a request says so: `first` bounds reading each request's
    /// headers, `idle` the wait for the next request.
    Http,
    /// HTTP/2 only (gRPC): `first` bounds the wait for the client's first bytes (its preface),
    /// `idle` the time without a call in progress.
    H2,
}

/// The shared state of one connection.
#[derive(Debug)]
pub struct Watch {
    start: Instant,
    bounds: Bounds,
    /// Requests in progress (from the service call until the response body is done).
    active: AtomicUsize,
    /// Nanoseconds after `start` when the last request finished; `NEVER` before that.
    idle_since: AtomicU64,
    /// Nanoseconds after `start` of the first bytes read since the connection went idle (the
    /// next request's head has begun); `NEVER` when none came.
    head_since: AtomicU64,
    /// HTTP/2 rules apply.
    h2: AtomicBool,
}

impl Watch {
    /// The clock of a connection accepted now.
    pub fn new(bounds: Bounds, mode: Mode) -> Arc<Watch> {
        Arc::new(Watch {
            start: Instant::now(),
            bounds,
            active: AtomicUsize::new(0),
            idle_since: AtomicU64::new(NEVER),
            head_since: AtomicU64::new(NEVER),
            h2: AtomicBool::new(mode == Mode::H2),
        })
    }

    /// Whether any bound is set (otherwise nothing needs watching).
    pub fn enabled(&self) -> bool {
        self.bounds.first.is_some() || self.bounds.idle.is_some()
    }

    /// How often to look again while a request is in progress: a deadline that follows the
    /// request's end is never earlier than this after any moment during the request.
    pub fn recheck(&self) -> Duration {
        self.bounds.idle.or(self.bounds.first).unwrap_or(Duration::from_secs(3600))
    }

    /// When the connection must be closed if nothing changes; `None` while a request is in
    /// progress (a response may stream for as long as it needs) or when no bound applies.
    pub fn deadline(&self) -> Option<Instant> {
        if self.active.load(Ordering::Acquire) > 0 {
            return None;
        }
        let idle_since = self.idle_since.load(Ordering::Acquire);
        let head_since = self.head_since.load(Ordering::Acquire);
        let Bounds { first, idle } = self.bounds;
        if self.h2.load(Ordering::Relaxed) {
            if idle_since == NEVER && head_since == NEVER {
                return self.after(0, first);
            }
            return self.after(if idle_since == NEVER { 0 } else { idle_since }, idle);
        }
        // Without a header bound, the idle bound still holds a head that never ends.
        match (idle_since, head_since) {
            // The first request's headers, counted from the connection's start.
            (NEVER, _) => self.after(0, first).or_else(|| self.after(0, idle)),
            (_, NEVER) => self.after(idle_since, idle),
            (_, head) => self.after(head, first).or_else(|| self.after(idle_since, idle)),
        }
    }

    /// Bytes arrived: if the connection was idle, the next request's head has begun.
    pub fn on_bytes(&self) {
        if self.head_since.load(Ordering::Relaxed) == NEVER
            && self.active.load(Ordering::Relaxed) == 0
        {
            self.head_since.store(self.now(), Ordering::Release);
        }
    }

    /// A request was handed to the service; `h2` when it came over HTTP/2.
    pub fn begin(&self, h2: bool) {
        self.active.fetch_add(1, Ordering::AcqRel);
        if h2 && !self.h2.load(Ordering::Relaxed) {
            self.h2.store(true, Ordering::Relaxed);
        }
    }

    /// A request's response is done (or was dropped).
    pub fn end(&self) {
        // The idle clock starts before the count drops, so a reader that sees no request in
        // progress also sees when the last one ended (never an older, already past, time).
        self.idle_since.store(self.now(), Ordering::Release);
        self.head_since.store(NEVER, Ordering::Release);
        self.active.fetch_sub(1, Ordering::AcqRel);
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(NEVER - 1)
    }

    fn after(&self, nanos: u64, bound: Option<Duration>) -> Option<Instant> {
        bound.map(|b| self.start + Duration::from_nanos(nanos) + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn bounds() -> Bounds {
        Bounds { first: Some(10 * MS), idle: Some(90 * MS) }
    }

    #[tokio::test(start_paused = true)]
    async fn http_first_request_counts_from_the_start() {
        let w = Watch::new(bounds(), Mode::Http);
        let start = Instant::now();
        assert_eq!(w.deadline(), Some(start + 10 * MS));
        tokio::time::advance(3 * MS).await;
        w.on_bytes();
        assert_eq!(w.deadline(), Some(start + 10 * MS), "bytes do not extend the first bound");
    }

    #[tokio::test(start_paused = true)]
    async fn http_idle_then_next_head() {
        let w = Watch::new(bounds(), Mode::Http);
        let start = Instant::now();
        w.begin(false);
        tokio::time::advance(500 * MS).await;
        w.on_bytes();
        assert_eq!(w.deadline(), None, "no bound while a response is in progress");
        w.end();
        assert_eq!(w.deadline(), Some(start + 590 * MS), "idle bound from the end");
        tokio::time::advance(20 * MS).await;
        w.on_bytes();
        assert_eq!(w.deadline(), Some(start + 530 * MS), "header bound from the first byte");
        w.begin(false);
        assert_eq!(w.deadline(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn h2_handshake_then_idle() {
        let w = Watch::new(bounds(), Mode::H2);
        let start = Instant::now();
        assert_eq!(w.deadline(), Some(start + 10 * MS));
        tokio::time::advance(2 * MS).await;
        w.on_bytes();
        assert_eq!(w.deadline(), Some(start + 90 * MS), "idle counts from the start");
        w.begin(true);
        w.begin(true);
        tokio::time::advance(100 * MS).await;
        w.end();
        assert_eq!(w.deadline(), None, "one call still in progress");
        w.end();
        w.on_bytes();
        assert_eq!(w.deadline(), Some(start + 192 * MS), "pings do not shorten the idle bound");
    }

    #[tokio::test(start_paused = true)]
    async fn an_http2_request_switches_to_h2_rules() {
        let w = Watch::new(bounds(), Mode::Http);
        let start = Instant::now();
        w.begin(true);
        w.end();
        w.on_bytes();
        assert_eq!(w.deadline(), Some(start + 90 * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_header_bound_the_idle_bound_still_holds() {
        let w = Watch::new(Bounds { first: None, idle: Some(90 * MS) }, Mode::Http);
        let start = Instant::now();
        assert_eq!(w.deadline(), Some(start + 90 * MS));
        w.begin(false);
        tokio::time::advance(5 * MS).await;
        w.end();
        w.on_bytes();
        assert_eq!(w.deadline(), Some(start + 95 * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn unbounded() {
        let w = Watch::new(Bounds { first: None, idle: None }, Mode::Http);
        assert!(!w.enabled());
        assert_eq!(w.deadline(), None);
    }
}
