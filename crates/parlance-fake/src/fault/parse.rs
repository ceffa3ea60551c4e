//! The textual fault grammar (the `x-fake-fault` header and `fault:<spec>` models):
//!
//! ```text
//! status=CODE[,retry-after=SECS] | delay=DUR | slow-body=DUR | malformed | drop | hang
//! stream-error-after=N[,kind=TYPE] | stream-drop-after=N | stream-stall-after=N[,keepalive=DUR]
//! stream-malformed-after=N | stream-bad-crc-after=N | pace=COUNTxDUR
//! ```
//! `DUR` is `250ms`, `2s`, `1.5s` or a bare number of milliseconds; spaces around parts are
//! ignored.

use std::str::FromStr;
use std::time::Duration;

use super::{Fault, FaultParseError};

impl FromStr for Fault {
    type Err = FaultParseError;

    /// Parses one spec of the grammar in this module's documentation.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let spec = spec.trim();
        let mut parts = spec.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (key, value) = match head.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (head, None),
        };
        let mut opt = |name: &str| option(parts.next(), name);
        let fault = match (key, value) {
            ("status", Some(v)) => parse_status(v, opt("retry-after")?)?,
            ("delay", Some(v)) => Fault::Delay(parse_duration(v)?),
            ("slow-body", Some(v)) => Fault::SlowBody(parse_duration(v)?),
            ("malformed", None) => Fault::MalformedJson,
            ("drop", None) => Fault::Drop,
            ("hang", None) => Fault::Hang,
            ("stream-error-after", Some(v)) => Fault::StreamErrorAfter {
                after: parse_count(v)?,
                kind: opt("kind")?.map(|k| k.to_owned()).filter(|k| !k.is_empty()),
            },
            ("stream-drop-after", Some(v)) => Fault::StreamDropAfter(parse_count(v)?),
            ("stream-stall-after", Some(v)) => Fault::StreamStallAfter {
                after: parse_count(v)?,
                keepalive: opt("keepalive")?.map(parse_duration).transpose()?,
            },
            ("stream-malformed-after", Some(v)) => Fault::StreamMalformedAfter(parse_count(v)?),
            ("stream-bad-crc-after", Some(v)) => Fault::StreamBadCrcAfter(parse_count(v)?),
            ("pace", Some(v)) => parse_pace(v)?,
            _ => return Err(FaultParseError(format!("unknown fault `{spec}`"))),
        };
        match parts.next() {
            Some(extra) => Err(FaultParseError(format!("unexpected `{extra}` in `{spec}`"))),
            None => Ok(fault),
        }
    }
}

/// The value of an optional `name=value` part, if `part` is present.
fn option<'a>(part: Option<&'a str>, name: &str) -> Result<Option<&'a str>, FaultParseError> {
    let Some(part) = part else { return Ok(None) };
    match part.split_once('=') {
        Some((k, v)) if k.trim() == name => Ok(Some(v.trim())),
        _ => Err(FaultParseError(format!("expected `{name}=…`, got `{part}`"))),
    }
}

fn parse_status(code: &str, retry_after: Option<&str>) -> Result<Fault, FaultParseError> {
    let code: u16 = code
        .parse()
        .ok()
        .filter(|c| (100..=999).contains(c))
        .ok_or_else(|| FaultParseError(format!("bad status code `{code}`")))?;
    let retry_after = retry_after
        .map(|secs| secs.parse().map_err(|_| FaultParseError(format!("bad retry-after `{secs}`"))))
        .transpose()?;
    Ok(Fault::Status { code, retry_after })
}

/// A count of events.
fn parse_count(text: &str) -> Result<u32, FaultParseError> {
    text.parse().map_err(|_| FaultParseError(format!("bad count `{text}`")))
}

/// `COUNTxDUR`, e.g. `64x20ms`; the count must be at least 1.
fn parse_pace(text: &str) -> Result<Fault, FaultParseError> {
    let bad = || FaultParseError(format!("bad pace `{text}` (expected e.g. `64x20ms`)"));
    let (count, every) = text.split_once('x').ok_or_else(bad)?;
    let deltas = parse_count(count.trim()).ok().filter(|n| *n >= 1).ok_or_else(bad)?;
    Ok(Fault::Pace { deltas, every: parse_duration(every.trim())? })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn parses_every_kind() {
        let cases = [
            ("status=500", Fault::Status { code: 500, retry_after: None }),
            ("status=429,retry-after=2", Fault::Status { code: 429, retry_after: Some(2) }),
            (" status=503 , retry-after=0 ", Fault::Status { code: 503, retry_after: Some(0) }),
            ("delay=200ms", Fault::Delay(ms(200))),
            ("delay=2s", Fault::Delay(Duration::from_secs(2))),
            ("delay=1.5s", Fault::Delay(ms(1500))),
            ("delay=30", Fault::Delay(ms(30))),
            ("malformed", Fault::MalformedJson),
            ("slow-body=50ms", Fault::SlowBody(ms(50))),
            ("drop", Fault::Drop),
            ("hang", Fault::Hang),
            ("stream-error-after=3", Fault::StreamErrorAfter { after: 3, kind: None }),
            (
                "stream-error-after=0,kind=throttlingException",
                Fault::StreamErrorAfter { after: 0, kind: Some("throttlingException".into()) },
            ),
            ("stream-drop-after=5", Fault::StreamDropAfter(5)),
            ("stream-stall-after=2", Fault::StreamStallAfter { after: 2, keepalive: None }),
            (
                "stream-stall-after=2,keepalive=1s",
                Fault::StreamStallAfter { after: 2, keepalive: Some(Duration::from_secs(1)) },
            ),
            ("stream-malformed-after=4", Fault::StreamMalformedAfter(4)),
            ("stream-bad-crc-after=1", Fault::StreamBadCrcAfter(1)),
            ("pace=64x20ms", Fault::Pace { deltas: 64, every: ms(20) }),
            ("pace=5x0", Fault::Pace { deltas: 5, every: ms(0) }),
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
            "stream-error-after",
            "stream-error-after=-1",
            "stream-error-after=2,type=x",
            "stream-drop-after=x",
            "stream-stall-after=1,keepalive=soon",
            "stream-stall-after=1,keepalive=1s,x",
            "stream-bad-crc-after=",
            "pace=64",
            "pace=0x20ms",
            "pace=64x",
            "pace=ax20ms",
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
            "stream-error-after=3",
            "stream-error-after=1,kind=overloaded_error",
            "stream-drop-after=5",
            "stream-stall-after=2",
            "stream-stall-after=2,keepalive=1000ms",
            "stream-malformed-after=4",
            "stream-bad-crc-after=1",
            "pace=64x20ms",
        ] {
            let fault: Fault = spec.parse().unwrap();
            assert_eq!(fault.to_string(), spec);
        }
    }

    #[test]
    fn stream_only_faults_are_flagged() {
        assert!("pace=2x1ms".parse::<Fault>().unwrap().is_stream_only());
        assert!("stream-drop-after=1".parse::<Fault>().unwrap().is_stream_only());
        assert!(!Fault::Drop.is_stream_only());
    }
}
