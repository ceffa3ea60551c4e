//! Durations as Dapr writes them: Go `time.ParseDuration` syntax, and for component metadata
//! also a bare integer meaning seconds (`dapr/kit` metadata decoding).

use std::time::Duration;

/// The largest duration Go can represent (`math.MaxInt64` nanoseconds).
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go duration string: an optional sign and a sequence of decimal numbers, each with an
/// optional fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`), e.g. `10m`, `1h30m`,
/// `1.5h`, `500ms`. `0` alone is allowed. Negative durations are refused (nothing in Dapr's
/// configuration means a negative time span).
pub fn parse_go_duration(s: &str) -> Result<Duration, String> {
    let (negative, body) = split_sign(s);
    if body == "0" {
        return Ok(Duration::ZERO);
    }
    if body.is_empty() {
        return Err(format!("invalid duration {s:?}: {HINT}"));
    }
    let nanos = sum_terms(body).map_err(|e| format!("invalid duration {s:?}: {e}"))?;
    if negative && nanos > 0 {
        return Err(format!("invalid duration {s:?}: negative durations are not allowed"));
    }
    Ok(nanos_to_duration(nanos))
}

/// Parses a metadata duration the way `dapr/kit` decodes one: a bare integer is a number of
/// seconds, anything else is a Go duration string.
pub fn parse_dapr_duration(s: &str) -> Result<Duration, String> {
    let trimmed = s.trim();
    match trimmed.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => parse_go_duration(trimmed),
    }
}

const HINT: &str = "use Go syntax like 10m, 1h30m, 500ms or 1.5h";

fn split_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else {
        (false, s.strip_prefix('+').unwrap_or(s))
    }
}

fn nanos_to_duration(nanos: u128) -> Duration {
    let secs = (nanos / 1_000_000_000) as u64;
    let sub = (nanos % 1_000_000_000) as u32;
    Duration::new(secs, sub)
}

/// Adds up every `<number><unit>` term of `body`, in nanoseconds.
fn sum_terms(mut body: &str) -> Result<u128, String> {
    let mut total: u128 = 0;
    while !body.is_empty() {
        let (nanos, rest) = one_term(body)?;
        total = total.saturating_add(nanos);
        if total > MAX_NANOS {
            return Err("too large".to_owned());
        }
        body = rest;
    }
    Ok(total)
}

/// Reads one `<int>[.<frac>]<unit>` term and returns its nanoseconds and the rest of the input.
fn one_term(s: &str) -> Result<(u128, &str), String> {
    let int_len = digits_len(s);
    let (int_part, rest) = s.split_at(int_len);
    let (frac_part, rest) = match rest.strip_prefix('.') {
        Some(after) => after.split_at(digits_len(after)),
        None => ("", rest),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(format!("expected a number at {s:?}; {HINT}"));
    }
    let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let scale = unit_nanos(unit)?;
    Ok((term_nanos(int_part, frac_part, scale)?, rest))
}

fn digits_len(s: &str) -> usize {
    s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())
}

fn unit_nanos(unit: &str) -> Result<u128, String> {
    match unit {
        "ns" => Ok(1),
        "us" | "µs" | "μs" => Ok(1_000),
        "ms" => Ok(1_000_000),
        "s" => Ok(1_000_000_000),
        "m" => Ok(60_000_000_000),
        "h" => Ok(3_600_000_000_000),
        "" => Err(format!("missing unit; {HINT}")),
        other => Err(format!("unknown unit {other:?} (valid units: ns, us, µs, ms, s, m, h)")),
    }
}

fn term_nanos(int_part: &str, frac_part: &str, scale: u128) -> Result<u128, String> {
    let too_large = || "too large".to_owned();
    let int: u128 =
        if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| too_large())? };
    let whole = int.checked_mul(scale).ok_or_else(too_large)?;
    // Go keeps fractions to nanosecond precision: 19 digits are more than enough.
    let frac_digits = &frac_part[..frac_part.len().min(19)];
    if frac_digits.is_empty() {
        return Ok(whole);
    }
    let frac: u128 = frac_digits.parse().map_err(|_| too_large())?;
    let denominator = 10u128.pow(frac_digits.len() as u32);
    Ok(whole + frac * scale / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Duration {
        match parse_go_duration(s) {
            Ok(d) => d,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn go_units() {
        assert_eq!(ok("10m"), Duration::from_secs(600));
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok("300us"), Duration::from_micros(300));
        assert_eq!(ok("300µs"), Duration::from_micros(300));
        assert_eq!(ok("300μs"), Duration::from_micros(300));
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1m0.25s"), Duration::from_millis(60_250));
        assert_eq!(ok("+5s"), Duration::from_secs(5));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("-0s"), Duration::ZERO);
    }

    #[test]
    fn go_errors() {
        for bad in ["", "10", "5x", "s", "1.s5", "-5s", "1h-5m", "99999999999h", "5 s"] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?} should fail");
        }
        let e = parse_go_duration("5x").err().unwrap_or_default();
        assert!(e.contains("unknown unit \"x\""), "{e}");
        let e = parse_go_duration("10").err().unwrap_or_default();
        assert!(e.contains("missing unit"), "{e}");
    }

    #[test]
    fn dapr_bare_integer_is_seconds() {
        assert_eq!(parse_dapr_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_dapr_duration("30s"), Ok(Duration::from_secs(30)));
        assert!(parse_dapr_duration("thirty").is_err());
    }
}
