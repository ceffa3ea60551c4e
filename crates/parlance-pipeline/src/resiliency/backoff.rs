//! Retry policies: when to try again and how long to wait first.
//!
//! Mirrors `dapr/kit/retry` on `cenkalti/backoff/v4`: `constant` waits `duration` (default 5 s)
//! between attempts; `exponential` starts at 500 ms and multiplies by 1.5 up to `maxInterval`
//! (default 60 s), each wait randomised by ±50 %. `maxRetries` counts retries, not attempts
//! (-1, the default, retries forever). `matching.httpStatusCodes` narrows which errors that
//! carry an HTTP status are retried; errors without a status are unaffected.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parlance_core::ProviderError;

/// cenkalti/backoff's `DefaultInitialInterval`.
pub const INITIAL_INTERVAL: Duration = Duration::from_millis(500);
/// cenkalti/backoff's `DefaultRandomizationFactor`.
pub const RANDOMIZATION_FACTOR: f64 = 0.5;
/// cenkalti/backoff's `DefaultMultiplier`.
pub const MULTIPLIER: f64 = 1.5;
/// cenkalti/backoff's `DefaultMaxInterval`, and Dapr's `maxInterval` default.
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// Dapr's `duration` default for the constant policy.
pub const CONSTANT_INTERVAL: Duration = Duration::from_secs(5);

/// The shape of the waits between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackoffKind {
    /// The same wait every time.
    Constant(Duration),
    /// Growing waits, capped (before randomisation) at `max_interval`.
    Exponential {
        /// The cap.
        max_interval: Duration,
    },
}

/// A typed `spec.policies.retries.<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How long to wait.
    pub backoff: BackoffKind,
    /// Retries after the first attempt; `None` retries until success or cancellation.
    pub max_retries: Option<u64>,
    /// `matching.httpStatusCodes`, when given.
    pub http_statuses: Option<StatusCodes>,
    /// `matching.gRPCStatusCodes`, when given. Parsed and checked, but provider errors carry
    /// HTTP statuses only, so it never matches anything today.
    pub grpc_statuses: Option<StatusCodes>,
}

impl RetryPolicy {
    /// Dapr's defaults: constant, 5 s, forever.
    pub fn default_constant() -> RetryPolicy {
        RetryPolicy {
            backoff: BackoffKind::Constant(CONSTANT_INTERVAL),
            max_retries: None,
            http_statuses: None,
            grpc_statuses: None,
        }
    }

    /// Whether this error may be retried: the source must have called it retryable, and an
    /// error with an HTTP status must match `httpStatusCodes` when that is set.
    pub fn allows(&self, err: &ProviderError) -> bool {
        let matches = match (err.status, &self.http_statuses) {
            (Some(status), Some(codes)) => codes.contains(status),
            _ => true,
        };
        err.retryable && matches
    }

    /// A fresh wait sequence for one call.
    pub fn start(&self) -> Backoff {
        let current = match self.backoff {
            BackoffKind::Constant(d) => d,
            BackoffKind::Exponential { .. } => INITIAL_INTERVAL,
        };
        Backoff { kind: self.backoff, max_retries: self.max_retries, retries: 0, current }
    }
}

/// The waits of one call's retries.
#[derive(Debug, Clone)]
pub struct Backoff {
    kind: BackoffKind,
    max_retries: Option<u64>,
    retries: u64,
    current: Duration,
}

impl Backoff {
    /// The wait before the next retry, or `None` when the retries are used up. `random` is a
    /// uniform number in `[0, 1)` (only the exponential policy uses it).
    pub fn next(&mut self, random: f64) -> Option<Duration> {
        if self.max_retries.is_some_and(|max| self.retries >= max) {
            return None;
        }
        self.retries += 1;
        match self.kind {
            BackoffKind::Constant(d) => Some(d),
            BackoffKind::Exponential { max_interval } => {
                let wait = randomise(self.current, random);
                self.current = grow(self.current, max_interval);
                Some(wait)
            }
        }
    }

    /// Retries handed out so far.
    pub fn retries(&self) -> u64 {
        self.retries
    }
}

/// cenkalti's `getRandomValueFromInterval`: uniform in `current ± factor × current`.
fn randomise(current: Duration, random: f64) -> Duration {
    let nanos = current.as_nanos() as f64;
    let delta = RANDOMIZATION_FACTOR * nanos;
    let (low, high) = (nanos - delta, nanos + delta);
    Duration::from_nanos((low + random.clamp(0.0, 1.0) * (high - low + 1.0)) as u64)
}

/// cenkalti's `incrementCurrentInterval`.
fn grow(current: Duration, max: Duration) -> Duration {
    if current.as_secs_f64() >= max.as_secs_f64() / MULTIPLIER {
        max
    } else {
        current.mul_f64(MULTIPLIER)
    }
}

/// A set of status codes written as `"429,500-599"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCodes(Vec<(u16, u16)>);

impl StatusCodes {
    /// Parses a comma-separated list of codes and `low-high` ranges within `valid`.
    pub fn parse(text: &str, valid: (u16, u16)) -> Result<StatusCodes, String> {
        let ranges: Result<Vec<_>, String> = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| parse_range(part, valid))
            .collect();
        let ranges = ranges?;
        if ranges.is_empty() {
            return Err(format!("{text:?} lists no status code"));
        }
        Ok(StatusCodes(ranges))
    }

    /// Whether `code` is in the set.
    pub fn contains(&self, code: u16) -> bool {
        self.0.iter().any(|(low, high)| (*low..=*high).contains(&code))
    }
}

fn parse_range(part: &str, (min, max): (u16, u16)) -> Result<(u16, u16), String> {
    let code = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (min..=max).contains(c))
            .ok_or_else(|| format!("{s:?} is not a status code in {min}-{max}"))
    };
    let (low, high) = match part.split_once('-') {
        Some((a, b)) => (code(a)?, code(b)?),
        None => (code(part)?, code(part)?),
    };
    if low > high {
        return Err(format!("range {part:?} is empty (start above end)"));
    }
    Ok((low, high))
}

/// A cheap, lock-free source of jitter (splitmix64), seeded randomly per instance.
#[derive(Debug)]
pub struct Jitter(AtomicU64);

impl Jitter {
    /// A randomly seeded source.
    pub fn new() -> Jitter {
        Jitter(AtomicU64::new(RandomState::new().hash_one(0x5eed_u64)))
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        let seed = self.0.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter::new()
    }
}

#[cfg(test)]
mod tests {
    use parlance_core::FailureKind;

    use super::*;

    fn exponential(max_interval: Duration, max_retries: Option<u64>) -> RetryPolicy {
        RetryPolicy {
            backoff: BackoffKind::Exponential { max_interval },
            max_retries,
            ..RetryPolicy::default_constant()
        }
    }

    #[test]
    fn constant_waits_the_same_and_counts_retries() {
        let policy = RetryPolicy { max_retries: Some(2), ..RetryPolicy::default_constant() };
        let mut b = policy.start();
        assert_eq!(b.next(0.3), Some(CONSTANT_INTERVAL));
        assert_eq!(b.next(0.9), Some(CONSTANT_INTERVAL));
        assert_eq!(b.next(0.1), None);
        assert_eq!(b.retries(), 2);
        let mut none = RetryPolicy { max_retries: Some(0), ..policy }.start();
        assert_eq!(none.next(0.5), None);
    }

    #[test]
    fn exponential_grows_by_one_and_a_half_up_to_the_cap() {
        let mut b = exponential(Duration::from_secs(2), None).start();
        // random 0.5 sits (almost exactly) on the un-randomised interval.
        let waits: Vec<u128> = (0..6).map(|_| b.next(0.5).unwrap().as_millis()).collect();
        assert_eq!(waits, vec![500, 750, 1125, 1687, 2000, 2000]);
    }

    #[test]
    fn exponential_randomises_by_half() {
        let mut low = exponential(MAX_INTERVAL, None).start();
        assert_eq!(low.next(0.0), Some(Duration::from_millis(250)));
        let mut high = exponential(MAX_INTERVAL, None).start();
        let wait = high.next(0.999_999_9).unwrap();
        assert!(
            wait > Duration::from_millis(749) && wait <= Duration::from_millis(751),
            "{wait:?}"
        );
    }

    #[test]
    fn forever_means_forever() {
        let mut b = exponential(MAX_INTERVAL, None).start();
        assert!((0..1000).all(|_| b.next(0.5).is_some()));
    }

    #[test]
    fn status_codes_parse_and_match() {
        let codes = StatusCodes::parse("429, 500-599", (100, 599)).unwrap();
        assert!(codes.contains(429) && codes.contains(500) && codes.contains(599));
        assert!(!codes.contains(400) && !codes.contains(499));
        for bad in ["", "abc", "600", "500-", "599-500", "99"] {
            assert!(StatusCodes::parse(bad, (100, 599)).is_err(), "{bad:?}");
        }
        assert!(StatusCodes::parse("1-4,14", (0, 16)).is_ok());
    }

    #[test]
    fn matching_narrows_retryable_errors_with_a_status() {
        let policy = RetryPolicy {
            http_statuses: StatusCodes::parse("429", (100, 599)).ok(),
            ..RetryPolicy::default_constant()
        };
        assert!(policy.allows(&ProviderError::upstream(429, "slow", None)));
        assert!(!policy.allows(&ProviderError::upstream(503, "down", None)));
        assert!(!policy.allows(&ProviderError::upstream(400, "bad", None)));
        let dropped = ProviderError::transient(FailureKind::Connect, "reset");
        assert!(policy.allows(&dropped), "errors without a status are not filtered");
        let plain = RetryPolicy::default_constant();
        assert!(!plain.allows(&ProviderError::upstream(400, "bad", None)));
        assert!(plain.allows(&ProviderError::upstream(500, "oops", None)));
    }

    #[test]
    fn jitter_is_in_the_unit_interval() {
        let j = Jitter::new();
        assert!((0..10_000).map(|_| j.unit()).all(|u| (0.0..1.0).contains(&u)));
    }
}
