//! The streaming response body: writes a [`StreamAnswer`]'s pieces one at a time (so a client
//! that stops reading stops the fake), spacing them as the paced mode asks, striking the
//! injected stream fault, and keeping the request's [`StreamStats`] up to date.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::StreamBody;
use http_body_util::combinators::UnsyncBoxBody;
use hyper::body::Frame;
use tokio::sync::Notify;

use super::{PieceKind, Pieces, StreamAnswer, StreamState, StreamStats};
use crate::fault::Fault;
use crate::wire::Protocol;

/// How long a dropped stream waits, so hyper flushes what was written, before the close.
const FLUSH_BEFORE_DROP: Duration = Duration::from_millis(20);

/// The shortest keep-alive period (a zero period would spin).
const MIN_KEEPALIVE: Duration = Duration::from_millis(1);

/// What ends a stream early.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Strike {
    /// The protocol's error event, of this type if given, then the end.
    Error(Option<String>),
    /// The connection closes.
    Drop,
    /// Silence (with keep-alives this often).
    Stall(Option<Duration>),
    /// One unparseable event, then the end.
    Malformed,
    /// One frame with a bad message CRC, then the end.
    BadCrc,
}

/// How to write one stream: its fault and its pacing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The strike, and after how many events.
    strike: Option<(u64, Strike)>,
    /// Time between two content deltas.
    pace: Option<Duration>,
    /// Time before every event (`slow-body`).
    every_event: Option<Duration>,
}

impl Plan {
    /// The plan a fault asks for (faults that act before the stream give the default plan).
    pub(crate) fn of(fault: Option<&Fault>) -> Plan {
        let strike = |after: &u32, s: Strike| Plan {
            strike: Some((u64::from(*after), s)),
            ..Plan::default()
        };
        match fault {
            Some(Fault::StreamErrorAfter { after, kind }) => {
                strike(after, Strike::Error(kind.clone()))
            }
            Some(Fault::StreamDropAfter(after)) => strike(after, Strike::Drop),
            Some(Fault::StreamStallAfter { after, keepalive }) => {
                strike(after, Strike::Stall(*keepalive))
            }
            Some(Fault::StreamMalformedAfter(after)) => strike(after, Strike::Malformed),
            Some(Fault::MalformedJson) => strike(&0, Strike::Malformed),
            Some(Fault::StreamBadCrcAfter(after)) => strike(after, Strike::BadCrc),
            Some(Fault::Pace { every, .. }) => Plan { pace: Some(*every), ..Plan::default() },
            Some(Fault::SlowBody(d)) => Plan { every_event: Some(*d), ..Plan::default() },
            _ => Plan::default(),
        }
    }
}

/// The body that writes `answer` under `plan`; `kill` closes the connection.
pub(crate) fn body(
    answer: StreamAnswer,
    plan: Plan,
    stats: StreamStats,
    kill: Arc<Notify>,
) -> UnsyncBoxBody<Bytes, Infallible> {
    stats.open();
    let writer = Writer {
        pieces: answer.pieces,
        protocol: answer.protocol,
        plan,
        stats,
        kill,
        phase: Phase::Running,
        content_sent: false,
    };
    let frames = futures::stream::unfold(writer, |mut w| async move {
        let bytes = w.next_bytes().await?;
        Some((Ok::<_, Infallible>(Frame::data(bytes)), w))
    });
    UnsyncBoxBody::new(StreamBody::new(frames))
}

/// Where the writer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Writing pieces.
    Running,
    /// Stalled, with keep-alives this often.
    Stalled(Option<Duration>),
    /// The last event was written: the next poll ends the body.
    Done,
}

struct Writer {
    pieces: Pieces,
    protocol: Protocol,
    plan: Plan,
    stats: StreamStats,
    kill: Arc<Notify>,
    phase: Phase,
    content_sent: bool,
}

impl Writer {
    /// The next bytes to write, or `None` at the end of the body.
    async fn next_bytes(&mut self) -> Option<Bytes> {
        match self.phase {
            Phase::Running => {}
            Phase::Stalled(keepalive) => return self.stalled(keepalive).await,
            Phase::Done => return self.finish(),
        }
        let Some(piece) = self.pieces.next() else { return self.finish() };
        let due = self.plan.strike.as_ref().is_some_and(|(n, _)| *n == self.stats.events_written());
        if due {
            if let Some((_, strike)) = self.plan.strike.take() {
                return self.strike(strike).await;
            }
        }
        self.wait_before(piece.kind).await;
        match piece.kind {
            PieceKind::KeepAlive => self.stats.keepalive(piece.bytes.len()),
            PieceKind::Event | PieceKind::Content => self.stats.event(piece.bytes.len()),
        }
        Some(piece.bytes)
    }

    fn finish(&mut self) -> Option<Bytes> {
        self.stats.end(StreamState::Finished);
        None
    }

    async fn wait_before(&mut self, kind: PieceKind) {
        if let Some(d) = self.plan.every_event {
            tokio::time::sleep(d).await;
        }
        if kind != PieceKind::Content {
            return;
        }
        if let Some(pace) = self.plan.pace.filter(|p| !p.is_zero() && self.content_sent) {
            tokio::time::sleep(pace).await;
        }
        self.content_sent = true;
    }

    async fn strike(&mut self, strike: Strike) -> Option<Bytes> {
        let last = match strike {
            Strike::Error(kind) => self.protocol.stream_error(kind.as_deref()),
            Strike::Malformed => self.protocol.malformed_event(),
            Strike::BadCrc => self.protocol.bad_crc_event(),
            Strike::Stall(keepalive) => {
                self.phase = Phase::Stalled(keepalive);
                return self.stalled(keepalive).await;
            }
            Strike::Drop => {
                tokio::time::sleep(FLUSH_BEFORE_DROP).await;
                self.stats.end(StreamState::Dropped);
                self.kill.notify_one();
                return std::future::pending().await;
            }
        };
        self.phase = Phase::Done;
        self.stats.event(last.len());
        Some(last)
    }

    async fn stalled(&mut self, keepalive: Option<Duration>) -> Option<Bytes> {
        let (Some(every), Some(bytes)) = (keepalive, self.protocol.keepalive()) else {
            return std::future::pending().await;
        };
        tokio::time::sleep(every.max(MIN_KEEPALIVE)).await;
        self.stats.keepalive(bytes.len());
        Some(bytes)
    }
}

impl Drop for Writer {
    /// A body dropped before its end: the connection went away (no-op once it ended).
    fn drop(&mut self) {
        self.stats.end(StreamState::ClientClosed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_faults() {
        assert_eq!(Plan::of(None), Plan::default());
        assert_eq!(Plan::of(Some(&Fault::Drop)), Plan::default());
        let p = Plan::of(Some(&Fault::StreamDropAfter(3)));
        assert_eq!(p.strike, Some((3, Strike::Drop)));
        let p = Plan::of(Some(&Fault::MalformedJson));
        assert_eq!(p.strike, Some((0, Strike::Malformed)));
        let every = Duration::from_millis(20);
        assert_eq!(Plan::of(Some(&Fault::Pace { deltas: 4, every })).pace, Some(every));
        assert_eq!(Plan::of(Some(&Fault::SlowBody(every))).every_event, Some(every));
    }
}
