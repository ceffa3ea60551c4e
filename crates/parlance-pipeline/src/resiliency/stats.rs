//! Per-component resiliency counters, read by the metrics exporter.
//!
//! [`ResiliencyStats`] is a cheap handle (an `Arc`) on the state the resiliency stage updates:
//! the number of retries performed (a counter) and the circuit breaker (a gauge:
//! [`BreakerState::as_gauge`] gives closed 0, open 1, half-open 2, and
//! [`ResiliencyStats::breaker_opened`] counts trips). Reading takes no lock except the
//! breaker's own, held for a few instructions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::breaker::{Breaker, BreakerState};

/// What the stage and the stats handle share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Retries performed (attempts after the first).
    pub(crate) retries: AtomicU64,
    /// The component's breaker, when its policy has one.
    pub(crate) breaker: Option<Breaker>,
}

/// A read-only view of one component's resiliency state.
#[derive(Debug, Clone)]
pub struct ResiliencyStats(pub(crate) Arc<Shared>);

impl ResiliencyStats {
    /// Retries performed since start-up.
    pub fn retries(&self) -> u64 {
        self.0.retries.load(Ordering::Relaxed)
    }

    /// The breaker's state now; `None` when the component has no breaker.
    pub fn breaker_state(&self) -> Option<BreakerState> {
        self.0.breaker.as_ref().map(Breaker::state)
    }

    /// How many times the breaker has opened since start-up (0 without a breaker).
    pub fn breaker_opened(&self) -> u64 {
        self.0.breaker.as_ref().map_or(0, Breaker::times_opened)
    }
}
