//! Faults a test can inject into a fake upstream's answer, and where they come from.
//!
//! A fault is chosen per request, in this order: the scripted FIFO queue (`push_fault`),
//! the `x-fake-fault` request header, a model named `fault:<spec>`, then the default fault.
//! The textual grammar (header and model) is parsed by `Fault::from_str` (in `parse.rs`).
//!
//! Faults named `stream-…` and `pace` act on streamed answers only; a non-streaming request
//! that gets one is answered normally, as if it had no fault.

mod parse;

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Request header that selects a fault for one request.
pub const FAULT_HEADER: &str = "x-fake-fault";

/// Model-name prefix that selects a fault for one request (`fault:status=429`).
pub const FAULT_MODEL_PREFIX: &str = "fault:";

/// One way for the fake to misbehave on a request.
///
/// "After N" counts the events (SSE events, or event-stream frames) already written, keep-alive
/// comments excluded: `0` strikes before the first event, still inside an HTTP 200. When the
/// stream has N events or fewer, it ends normally and the fault never strikes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this HTTP status with a body in the provider's error shape.
    Status {
        /// HTTP status code (400..=599 makes sense; anything 100..=999 is accepted).
        code: u16,
        /// Value of the `retry-after` header, in seconds, if any.
        retry_after: Option<u64>,
    },
    /// Wait this long, then answer normally (a stream: before its headers).
    Delay(Duration),
    /// Answer 200 with a truncated, unparseable JSON body. On a streaming request this acts as
    /// [`Fault::StreamMalformedAfter`] with `0`.
    MalformedJson,
    /// Send the headers at once, then the body in 8 chunks, waiting this long before each
    /// (so the whole body takes 8 × the duration). On a stream: wait this long before every
    /// event.
    SlowBody(Duration),
    /// Close the TCP connection without answering (over HTTP/2 this ends every stream on it).
    Drop,
    /// Never answer (the connection stays open until the client gives up).
    Hang,
    /// Stream: after `after` events, send the protocol's mid-stream error and end the body
    /// (OpenAI `data: {"error":…}` of type `server_error`, no `[DONE]`; Anthropic
    /// `event: error` of type `overloaded_error`; Bedrock an exception frame, by default
    /// `modelStreamErrorException`).
    StreamErrorAfter {
        /// Events written before the error.
        after: u32,
        /// The error type instead of the protocol's default (OpenAI and Anthropic
        /// `error.type`, Bedrock `:exception-type`).
        kind: Option<String>,
    },
    /// Stream: after this many events, close the TCP connection mid-body.
    StreamDropAfter(u32),
    /// Stream: after `after` events, send nothing more and keep the connection open.
    StreamStallAfter {
        /// Events written before the stall.
        after: u32,
        /// While stalled, send a keep-alive this often (OpenAI family `: keep-alive` comment,
        /// Anthropic `ping` event; Bedrock has none and stays silent).
        keepalive: Option<Duration>,
    },
    /// Stream: after this many events, send one event whose JSON does not parse (Bedrock: a
    /// frame with valid CRCs and a truncated JSON payload), then end the body.
    StreamMalformedAfter(u32),
    /// Stream: after this many events, send a frame whose message CRC is wrong, then end the
    /// body (Bedrock; the SSE protocols have no CRC and send a malformed event instead).
    StreamBadCrcAfter(u32),
    /// Stream benchmark mode: a text reply becomes exactly `deltas` words (the words of the
    /// normal reply, repeated; `max_tokens` and stop sequences do not cut it), sent as
    /// `deltas` content deltas `every` apart (the first at once). Tool-call and
    /// structured-output replies keep their content, their deltas `every` apart.
    Pace {
        /// Number of content deltas (at least 1).
        deltas: u32,
        /// Time between two content deltas.
        every: Duration,
    },
}

impl Fault {
    /// Whether this fault acts only on streamed answers (ignored on a plain request).
    pub fn is_stream_only(&self) -> bool {
        matches!(
            self,
            Fault::StreamErrorAfter { .. }
                | Fault::StreamDropAfter(_)
                | Fault::StreamStallAfter { .. }
                | Fault::StreamMalformedAfter(_)
                | Fault::StreamBadCrcAfter(_)
                | Fault::Pace { .. }
        )
    }
}

impl fmt::Display for Fault {
    /// Writes the fault in the spec grammar, so that `to_string().parse()` round-trips.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status { code, retry_after: None } => write!(f, "status={code}"),
            Fault::Status { code, retry_after: Some(s) } => {
                write!(f, "status={code},retry-after={s}")
            }
            Fault::Delay(d) => write!(f, "delay={}ms", d.as_millis()),
            Fault::MalformedJson => f.write_str("malformed"),
            Fault::SlowBody(d) => write!(f, "slow-body={}ms", d.as_millis()),
            Fault::Drop => f.write_str("drop"),
            Fault::Hang => f.write_str("hang"),
            Fault::StreamErrorAfter { after, kind } => {
                write!(f, "stream-error-after={after}")?;
                kind.as_ref().map_or(Ok(()), |k| write!(f, ",kind={k}"))
            }
            Fault::StreamDropAfter(n) => write!(f, "stream-drop-after={n}"),
            Fault::StreamStallAfter { after, keepalive } => {
                write!(f, "stream-stall-after={after}")?;
                keepalive.map_or(Ok(()), |d| write!(f, ",keepalive={}ms", d.as_millis()))
            }
            Fault::StreamMalformedAfter(n) => write!(f, "stream-malformed-after={n}"),
            Fault::StreamBadCrcAfter(n) => write!(f, "stream-bad-crc-after={n}"),
            Fault::Pace { deltas, every } => write!(f, "pace={deltas}x{}ms", every.as_millis()),
        }
    }
}

/// Why a fault spec could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(String);

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault spec: {}", self.0)
    }
}

impl std::error::Error for FaultParseError {}

/// The scripted faults of one fake: a FIFO queue and a default.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    queue: Mutex<VecDeque<Fault>>,
    default: Mutex<Option<Fault>>,
    /// Set once anything was scripted, so the hot path can skip both locks.
    armed: AtomicBool,
}

impl FaultPlan {
    /// Queues a fault for the next request that has none.
    pub(crate) fn push(&self, fault: Fault) {
        lock(&self.queue).push_back(fault);
        self.armed.store(true, Ordering::Release);
    }

    /// Sets (or clears) the fault used when nothing else selects one.
    pub(crate) fn set_default(&self, fault: Option<Fault>) {
        *lock(&self.default) = fault;
        self.armed.store(true, Ordering::Release);
    }

    /// Takes the next scripted fault, if any.
    pub(crate) fn next_scripted(&self) -> Option<Fault> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        lock(&self.queue).pop_front()
    }

    /// The default fault, if one is set.
    pub(crate) fn default_fault(&self) -> Option<Fault> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        lock(&self.default).clone()
    }
}

/// Locks a mutex, recovering the data if a holder panicked (the data is plain values).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_fifo_then_default() {
        let plan = FaultPlan::default();
        assert_eq!(plan.next_scripted(), None);
        plan.push(Fault::Drop);
        plan.push(Fault::Hang);
        plan.set_default(Some(Fault::MalformedJson));
        assert_eq!(plan.next_scripted(), Some(Fault::Drop));
        assert_eq!(plan.next_scripted(), Some(Fault::Hang));
        assert_eq!(plan.next_scripted(), None);
        assert_eq!(plan.default_fault(), Some(Fault::MalformedJson));
        plan.set_default(None);
        assert_eq!(plan.default_fault(), None);
    }
}
