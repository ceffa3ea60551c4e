//! The counting rules, shared by the in-process and the Redis counters: one admission checks
//! every applicable limit and, only when all have room, counts the request in all of them at
//! once (a refused request counts nowhere).

use std::sync::Arc;

/// What a [`Check`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Requests in a fixed window: room when `used + 1 <= limit`.
    Requests,
    /// Tokens in a fixed window: room while `used < limit` (the reservation may overshoot by
    /// at most one request's worth; settlement corrects it to the real usage).
    Tokens,
    /// Requests in flight, as leases that expire after [`LEASE_MS`] if never released.
    Concurrent,
    /// Nano-dollars spent in a budget window: room while `used < limit`; nothing is added at
    /// admission (the reply's cost is, when it ends).
    Budget,
}

impl Kind {
    /// The code the batch script switches on ([`super::batch`]).
    pub fn code(self) -> u8 {
        match self {
            Kind::Requests => 1,
            Kind::Tokens => 2,
            Kind::Concurrent => 3,
            Kind::Budget => 4,
        }
    }

    /// The letter the read script switches on.
    pub fn letter(self) -> &'static str {
        match self {
            Kind::Requests => "r",
            Kind::Tokens => "t",
            Kind::Concurrent => "c",
            Kind::Budget => "b",
        }
    }
}

/// How long a concurrency lease lives if its request never releases it (a replica that
/// died mid-request): longer than any stream is expected to run.
pub const LEASE_MS: u64 = 15 * 60 * 1000;

/// One limit to check and count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The counter's name (its Redis key), shared with the key's cached checks.
    pub id: Arc<str>,
    /// What it counts.
    pub kind: Kind,
    /// The limit.
    pub limit: u64,
    /// How much this request adds (1, or the token reservation).
    pub amount: u64,
    /// When the counter's window ends (Unix ms; the lease's expiry for `Concurrent`;
    /// `u64::MAX` for a counter that never expires).
    pub expires_ms: u64,
}

/// The answer to an admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Counted everywhere; for each check, its value after counting.
    Admitted(Vec<u64>),
    /// The check at this index had no room; nothing was counted.
    Refused(usize),
    /// The shared store did not answer and the checks include a budget, which fails closed.
    Unavailable,
}

/// What to do when a reply ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// Token counters to correct (`id`, `real - reserved`), while their window lasts.
    pub tokens: Vec<(Arc<str>, i64)>,
    /// Budget counters to charge (`id`, nano-dollars), while their window lasts.
    pub spend: Vec<(Arc<str>, i64)>,
    /// Concurrency counters to release the lease from.
    pub leases: Vec<Arc<str>>,
    /// The lease id.
    pub lease: String,
}

impl Settlement {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.leases.is_empty() && self.adds().all(|(_, d)| *d == 0)
    }

    /// The token corrections and the charges: every counter to add to.
    pub fn adds(&self) -> impl Iterator<Item = &(Arc<str>, i64)> {
        self.tokens.iter().chain(&self.spend)
    }
}
