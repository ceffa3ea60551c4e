//! Faults a test can inject into a fake upstream's answer, and where they come from.
//!
//! A fault is chosen per request, in this order: the scripted FIFO queue (`push_fault`),
//! the `x-fake-fault` request header, a model named `fault:<spec>`, then the default fault.
//! The textual grammar (header and model) is parsed by [`Fault::from_str`].

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Request header that selects a fault for one request.
pub const FAULT_HEADER: &str = "x-fake-fault";

/// Model-name prefix that selects a fault for one request (`fault:status=429`).
pub const FAULT_MODEL_PREFIX: &str = "fault:";

/// One way for the fake to misbehave on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this HTTP status with a body in the provider's error shape.
    Status {
        /// HTTP status code (400..=599 makes sense; anything 100..=999 is accepted).
        code: u16,
        /// Value of the `retry-after` header, in seconds, if any.
        retry_after: Option<u64>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer 200 with a truncated, unparseable JSON body.
    MalformedJson,
    /// Send the headers at once, then the body in 8 chunks, waiting this long before each
    /// (so the whole body takes 8 × the duration).
    SlowBody(Duration),
    /// Close the TCP connection without answering (over HTTP/2 this ends every stream on it).
    Drop,
    /// Never answer (the connection stays open until the client gives up).
    Hang,
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

impl FromStr for Fault {
    type Err = FaultParseError;

    /// Parses `status=500`, `status=429,retry-after=2`, `delay=200ms`, `malformed`,
    /// `slow-body=50ms`, `drop` or `hang` (surrounding whitespace is ignored).
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let spec = spec.trim();
        let mut parts = spec.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (key, value) = match head.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (head, None),
        };
        let fault = match (key, value) {
            ("status", Some(v)) => parse_status(v, parts.next())?,
            ("delay", Some(v)) => Fault::Delay(parse_duration(v)?),
            ("slow-body", Some(v)) => Fault::SlowBody(parse_duration(v)?),
            ("malformed", None) => Fault::MalformedJson,
            ("drop", None) => Fault::Drop,
            ("hang", None) => Fault::Hang,
            _ => return Err(FaultParseError(format!("unknown fault `{spec}`"))),
        };
        match parts.next() {
            Some(extra) => Err(FaultParseError(format!("unexpected `{extra}` in `{spec}`"))),
            None => Ok(fault),
        }
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
        }
    }
}

fn parse_status(code: &str, extra: Option<&str>) -> Result<Fault, FaultParseError> {
    let code: u16 = code
        .parse()
        .ok()
        .filter(|c| (100..=999).contains(c))
        .ok_or_else(|| FaultParseError(format!("bad status code `{code}`")))?;
    let retry_after = match extra.map(|e| e.split_once('=')) {
        None => None,
        Some(Some(("retry-after", secs))) => Some(
            secs.trim()
                .parse()
                .map_err(|_| FaultParseError(format!("bad retry-after `{secs}`")))?,
        ),
        Some(_) => return Err(FaultParseError("expected `retry-after=<seconds>`".into())),
    };
    Ok(Fault::Status { code, retry_after })
}

/// Parses `250ms`, `2s`, `1.5s` or a bare number of milliseconds.
fn parse_duration(text: &str) -> Result<Duration, FaultParseError> {
    let bad = || FaultParseError(format!("bad duration `{text}`"));
    let (number, scale_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(value * scale_ms / 1000.0))
}

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
    fn parses_every_kind() {
        let cases = [
            ("status=500", Fault::Status { code: 500, retry_after: None }),
            ("status=429,retry-after=2", Fault::Status { code: 429, retry_after: Some(2) }),
            (" status=503 , retry-after=0 ", Fault::Status { code: 503, retry_after: Some(0) }),
            ("delay=200ms", Fault::Delay(Duration::from_millis(200))),
            ("delay=2s", Fault::Delay(Duration::from_secs(2))),
            ("delay=1.5s", Fault::Delay(Duration::from_millis(1500))),
            ("delay=30", Fault::Delay(Duration::from_millis(30))),
            ("malformed", Fault::MalformedJson),
            ("slow-body=50ms", Fault::SlowBody(Duration::from_millis(50))),
            ("drop", Fault::Drop),
            ("hang", Fault::Hang),
        ];
        for (spec, want) in cases {
            assert_eq!(spec.parse::<Fault>(), Ok(want), "{spec}");
        }
    }

    #[test]
    fn rejects_bad_specs() {
        for spec in [
            "",
            "status",
            "status=abc",
            "status=42",
            "status=429,retry=2",
            "status=429,retry-after=x",
            "delay=",
            "delay=-1ms",
            "delay=fast",
            "slow-body",
            "drop=1",
            "explode",
            "drop,hang",
            "status=500,retry-after=1,x",
        ] {
            assert!(spec.parse::<Fault>().is_err(), "{spec:?} should not parse");
        }
    }

    #[test]
    fn display_round_trips() {
        for spec in [
            "status=500",
            "status=429,retry-after=2",
            "delay=200ms",
            "malformed",
            "slow-body=50ms",
            "drop",
            "hang",
        ] {
            let fault: Fault = spec.parse().unwrap();
            assert_eq!(fault.to_string(), spec);
        }
    }

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
