//! Live counters of one streamed answer, readable by tests while the stream runs: how many
//! events the fake has handed to the HTTP layer, and how the stream ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Where a streamed answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// The request was not answered with a stream (a plain reply or an error), or not yet.
    NotStream,
    /// The stream is being written (or stalled, or paced).
    Open,
    /// The fake wrote the whole body and ended it (also after an injected error, malformed
    /// event or bad CRC, which end the body cleanly).
    Finished,
    /// The client went away (the connection closed, or the HTTP/2 stream was reset) before the
    /// fake ended the body. (Dropping the [`crate::FakeUpstream`] mid-stream ends here too.)
    ClientClosed,
    /// The fake closed the connection on purpose (`stream-drop-after`).
    Dropped,
}

impl StreamState {
    /// Whether the stream is over (finished, closed by the client, or dropped).
    pub fn is_over(self) -> bool {
        matches!(self, StreamState::Finished | StreamState::ClientClosed | StreamState::Dropped)
    }
}

/// A live view of one request's streamed answer. Clones share the same counters; every
/// [`crate::RecordedRequest`] carries one (in state [`StreamState::NotStream`] when the answer
/// was not a stream).
///
/// An event counts as written when the fake hands it to hyper, so when a client stops reading,
/// [`StreamStats::events_written`] stops growing once the socket buffers and hyper's write
/// buffer are full.
#[derive(Debug, Clone)]
pub struct StreamStats(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    events: AtomicU64,
    keepalives: AtomicU64,
    bytes: AtomicU64,
    state: watch::Sender<StreamState>,
    started: watch::Sender<Option<Instant>>,
    ended: watch::Sender<Option<Instant>>,
}

impl Default for StreamStats {
    fn default() -> Self {
        StreamStats(Arc::new(Inner {
            events: AtomicU64::new(0),
            keepalives: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            state: watch::Sender::new(StreamState::NotStream),
            started: watch::Sender::new(None),
            ended: watch::Sender::new(None),
        }))
    }
}

impl StreamStats {
    /// Events (SSE events or event-stream frames) written so far, keep-alives excluded.
    pub fn events_written(&self) -> u64 {
        self.0.events.load(Ordering::Acquire)
    }

    /// Keep-alive comments or pings written during a stall.
    pub fn keepalives_written(&self) -> u64 {
        self.0.keepalives.load(Ordering::Acquire)
    }

    /// Body bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.0.bytes.load(Ordering::Acquire)
    }

    /// The stream's state now.
    pub fn state(&self) -> StreamState {
        *self.0.state.borrow()
    }

    /// Whether the request was answered with a stream.
    pub fn is_stream(&self) -> bool {
        self.state() != StreamState::NotStream
    }

    /// Whether the client closed the connection before the stream ended.
    pub fn client_closed(&self) -> bool {
        self.state() == StreamState::ClientClosed
    }

    /// How long the stream lasted (from its first poll to its end), once it is over.
    pub fn duration(&self) -> Option<Duration> {
        let started = (*self.0.started.borrow())?;
        let ended = (*self.0.ended.borrow())?;
        Some(ended.saturating_duration_since(started))
    }

    /// Waits until the stream is over and returns how it ended. Returns at once for a
    /// request that was not streamed (after it was answered).
    pub async fn ended(&self) -> StreamState {
        let mut rx = self.0.state.subscribe();
        let state = rx.wait_for(|s| *s != StreamState::Open).await.map(|s| *s);
        state.unwrap_or(StreamState::Dropped)
    }

    /// Marks the stream open (called when its body is created).
    pub(crate) fn open(&self) {
        self.0.started.send_replace(Some(Instant::now()));
        self.0.state.send_replace(StreamState::Open);
    }

    /// Counts one written event of `len` bytes.
    pub(crate) fn event(&self, len: usize) {
        self.0.bytes.fetch_add(len as u64, Ordering::AcqRel);
        self.0.events.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts one written keep-alive of `len` bytes.
    pub(crate) fn keepalive(&self, len: usize) {
        self.0.bytes.fetch_add(len as u64, Ordering::AcqRel);
        self.0.keepalives.fetch_add(1, Ordering::AcqRel);
    }

    /// Ends the stream in `state`, unless it already ended.
    pub(crate) fn end(&self, state: StreamState) {
        let changed = self.0.state.send_if_modified(|s| {
            let open = *s == StreamState::Open;
            if open {
                *s = state;
            }
            open
        });
        if changed {
            self.0.ended.send_replace(Some(Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ends_once() {
        let s = StreamStats::default();
        assert!(!s.is_stream());
        s.open();
        s.event(10);
        s.event(5);
        s.keepalive(3);
        assert_eq!((s.events_written(), s.keepalives_written(), s.bytes_written()), (2, 1, 18));
        assert_eq!(s.duration(), None);
        s.end(StreamState::ClientClosed);
        s.end(StreamState::Finished);
        assert!(s.client_closed());
        assert!(s.duration().is_some());
    }

    #[tokio::test]
    async fn ended_waits_for_the_end() {
        let s = StreamStats::default();
        s.open();
        let clone = s.clone();
        let waiter = tokio::spawn(async move { clone.ended().await });
        tokio::task::yield_now().await;
        s.end(StreamState::Finished);
        assert_eq!(waiter.await.unwrap(), StreamState::Finished);
    }
}
