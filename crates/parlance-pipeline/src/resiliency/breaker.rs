//! A circuit breaker with sony/gobreaker's state machine, one per component.
//!
//! Closed: calls pass and are counted; `trip` is checked after each failure and opens the
//! breaker; with `interval` > 0 the counts are cleared every `interval`. Open: calls fail fast
//! for `timeout`, then the breaker is half-open. Half-open: `maxRequests` calls pass; that many
//! successes in a row close it, one failure opens it again. Every state change starts a new
//! generation, so the outcome of a call that began in an older generation is ignored.
//!
//! Time is `tokio::time::Instant`, so tests drive it with a paused clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use parlance_core::{FailureKind, ProviderError};
use tokio::time::Instant;

use super::trip::{Counts, Trip};

/// gobreaker's default `MaxRequests` (for 0).
pub const DEFAULT_MAX_REQUESTS: u32 = 1;
/// gobreaker's default open-state `Timeout` (for 0).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A typed `spec.policies.circuitBreakers.<name>`, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Calls let through while half-open (≥ 1).
    pub max_requests: u32,
    /// Closed-state count reset period; `None` never resets.
    pub interval: Option<Duration>,
    /// How long the breaker stays open before going half-open.
    pub timeout: Duration,
    /// When to open.
    pub trip: Trip,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            max_requests: DEFAULT_MAX_REQUESTS,
            interval: None,
            timeout: DEFAULT_TIMEOUT,
            trip: Trip::default_rule(),
        }
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls fail fast.
    Open,
    /// A few trial calls pass.
    HalfOpen,
}

impl BreakerState {
    /// The gauge value exported by metrics: closed 0, open 1, half-open 2.
    pub fn as_gauge(self) -> u8 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::Open => 1,
            BreakerState::HalfOpen => 2,
        }
    }

    /// `closed`, `open` or `half-open`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// The mutable part, behind a short-held mutex.
#[derive(Debug)]
struct Inner {
    state: BreakerState,
    generation: u64,
    counts: Counts,
    /// When the current closed interval or open period ends.
    expiry: Option<Instant>,
}

/// One component's circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    component: String,
    policy: BreakerPolicy,
    inner: Mutex<Inner>,
    /// Times the breaker opened, for metrics.
    opened: AtomicU64,
}

/// Leave to make one call; report its outcome with [`Permit::record`]. Dropped without a
/// report (the caller went away), it counts as a failure, as a cancelled context does in Dapr.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a Breaker,
    generation: u64,
    done: bool,
}

impl Breaker {
    /// A closed breaker for the component named `component` (the name is for logs).
    pub fn new(component: &str, policy: BreakerPolicy) -> Breaker {
        let expiry = policy.interval.map(|i| Instant::now() + i);
        let inner =
            Inner { state: BreakerState::Closed, generation: 0, counts: Counts::default(), expiry };
        Breaker {
            component: component.to_string(),
            policy,
            inner: Mutex::new(inner),
            opened: AtomicU64::new(0),
        }
    }

    /// The state now (an open breaker whose timeout has passed reports half-open).
    pub fn state(&self) -> BreakerState {
        let mut inner = self.lock();
        self.refresh(&mut inner, Instant::now());
        inner.state
    }

    /// How many times the breaker has opened.
    pub fn times_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Asks to make a call: refused with gobreaker's errors when open, or when half-open and
    /// `maxRequests` calls are already under way. Refusals are permanent (not retried).
    pub fn acquire(&self) -> Result<Permit<'_>, ProviderError> {
        let mut inner = self.lock();
        self.refresh(&mut inner, Instant::now());
        match inner.state {
            BreakerState::Open => {
                return Err(ProviderError::permanent(
                    FailureKind::Rejected,
                    "circuit breaker is open",
                ));
            }
            BreakerState::HalfOpen
                if inner.counts.requests >= u64::from(self.policy.max_requests) =>
            {
                return Err(ProviderError::permanent(FailureKind::Rejected, "too many requests"));
            }
            _ => {}
        }
        inner.counts.requests += 1;
        Ok(Permit { breaker: self, generation: inner.generation, done: false })
    }

    fn after(&self, generation: u64, success: bool) {
        let mut inner = self.lock();
        let now = Instant::now();
        self.refresh(&mut inner, now);
        if inner.generation != generation {
            return;
        }
        if success {
            self.on_success(&mut inner, now);
        } else {
            self.on_failure(&mut inner, now);
        }
    }

    fn on_success(&self, inner: &mut Inner, now: Instant) {
        inner.counts.on_success();
        let enough = inner.counts.consecutive_successes >= u64::from(self.policy.max_requests);
        if inner.state == BreakerState::HalfOpen && enough {
            self.set_state(inner, BreakerState::Closed, now);
        }
    }

    fn on_failure(&self, inner: &mut Inner, now: Instant) {
        match inner.state {
            BreakerState::Closed => {
                inner.counts.on_failure();
                if self.policy.trip.eval(&inner.counts) {
                    self.set_state(inner, BreakerState::Open, now);
                }
            }
            BreakerState::HalfOpen => self.set_state(inner, BreakerState::Open, now),
            BreakerState::Open => {}
        }
    }

    /// gobreaker's `currentState`: expire the closed interval or the open period.
    fn refresh(&self, inner: &mut Inner, now: Instant) {
        let expired = inner.expiry.is_some_and(|e| e <= now);
        match inner.state {
            BreakerState::Closed if expired => self.new_generation(inner, now),
            BreakerState::Open if expired => self.set_state(inner, BreakerState::HalfOpen, now),
            _ => {}
        }
    }

    fn set_state(&self, inner: &mut Inner, state: BreakerState, now: Instant) {
        if state == BreakerState::Open {
            self.opened.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(component = %self.component, timeout = ?self.policy.timeout, "circuit breaker opened");
        }
        inner.state = state;
        self.new_generation(inner, now);
    }

    fn new_generation(&self, inner: &mut Inner, now: Instant) {
        inner.generation += 1;
        inner.counts = Counts::default();
        inner.expiry = match inner.state {
            BreakerState::Closed => self.policy.interval.map(|i| now + i),
            BreakerState::Open => Some(now + self.policy.timeout),
            BreakerState::HalfOpen => None,
        };
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Permit<'_> {
    /// Reports the call's outcome.
    pub fn record(mut self, success: bool) {
        self.done = true;
        self.breaker.after(self.generation, success);
    }

    /// Lets go of the borrow for an outcome known only later (a stream's end): the
    /// [`Pending`] is settled with [`Breaker::settle`].
    pub fn defer(mut self) -> Pending {
        self.done = true;
        Pending { generation: self.generation }
    }
}

/// A call the breaker let through whose outcome is still to come.
#[derive(Debug)]
pub struct Pending {
    generation: u64,
}

impl Breaker {
    /// Reports the outcome of a deferred call.
    pub fn settle(&self, pending: Pending, success: bool) {
        self.after(pending.generation, success);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.after(self.generation, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(trip: &str, timeout_s: u64, max_requests: u32) -> Breaker {
        Breaker::new(
            "c",
            BreakerPolicy {
                max_requests,
                interval: None,
                timeout: Duration::from_secs(timeout_s),
                trip: Trip::parse(trip).unwrap(),
            },
        )
    }

    fn fail(b: &Breaker) {
        b.acquire().unwrap().record(false);
    }

    #[tokio::test(start_paused = true)]
    async fn opens_fails_fast_half_opens_and_closes() {
        let b = breaker("consecutiveFailures >= 2", 30, 1);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Closed);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.acquire().unwrap_err().message, "circuit breaker is open");
        tokio::time::advance(Duration::from_secs(29)).await;
        assert_eq!(b.state(), BreakerState::Open);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let trial = b.acquire().unwrap();
        let second = b.acquire().unwrap_err();
        assert_eq!((second.message.as_str(), second.retryable), ("too many requests", false));
        trial.record(true);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.times_opened(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_half_open_failure_reopens() {
        let b = breaker("consecutiveFailures >= 1", 10, 2);
        fail(&b);
        tokio::time::advance(Duration::from_secs(10)).await;
        let (one, two) = (b.acquire().unwrap(), b.acquire().unwrap());
        one.record(true);
        assert_eq!(b.state(), BreakerState::HalfOpen, "needs maxRequests successes");
        two.record(false);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn default_rule_needs_six_consecutive_failures() {
        let b = Breaker::new("c", BreakerPolicy::default());
        (0..5).for_each(|_| fail(&b));
        b.acquire().unwrap().record(true);
        (0..5).for_each(|_| fail(&b));
        assert_eq!(b.state(), BreakerState::Closed);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        tokio::time::advance(DEFAULT_TIMEOUT).await;
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }

    #[tokio::test(start_paused = true)]
    async fn interval_clears_counts_while_closed() {
        let b = Breaker::new(
            "c",
            BreakerPolicy {
                interval: Some(Duration::from_secs(5)),
                trip: Trip::parse("totalFailures >= 3").unwrap(),
                ..BreakerPolicy::default()
            },
        );
        fail(&b);
        fail(&b);
        tokio::time::advance(Duration::from_secs(5)).await;
        fail(&b);
        assert_eq!(b.state(), BreakerState::Closed, "counts were cleared");
        fail(&b);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn stale_outcomes_and_dropped_permits() {
        let b = breaker("consecutiveFailures >= 1", 10, 1);
        let old = b.acquire().unwrap();
        fail(&b);
        old.record(false); // from the closed generation: ignored
        tokio::time::advance(Duration::from_secs(10)).await;
        drop(b.acquire().unwrap()); // a cancelled trial call counts as a failure
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.times_opened(), 2);
    }

    #[test]
    fn gauge_values() {
        let states = [BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen];
        assert_eq!(states.map(BreakerState::as_gauge), [0, 1, 2]);
        assert_eq!(BreakerState::HalfOpen.as_str(), "half-open");
    }
}
