//! Cache counters, shared by every component's cache stage: lock-free atomics, read as a
//! [`CacheSnapshot`] by whoever exports metrics.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of the response cache.
#[derive(Debug, Default)]
pub struct CacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    bypasses: AtomicU64,
    coalesced: AtomicU64,
    redis_errors: AtomicU64,
    tokens_saved: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheSnapshot {
    /// Answers served from the cache (memory or Redis).
    pub hits: u64,
    /// Answers computed upstream and stored.
    pub misses: u64,
    /// Answers computed upstream without the cache: asked by the client (`no-store`) or the
    /// shared store was unreachable or slow.
    pub bypasses: u64,
    /// Requests that waited for an identical in-flight request instead of calling upstream.
    pub coalesced: u64,
    /// Redis calls that failed or timed out.
    pub redis_errors: u64,
    /// Total tokens (as stored) of answers served without calling upstream.
    pub tokens_saved: u64,
}

impl CacheStats {
    /// Counts a hit that saved `tokens`.
    pub fn hit(&self, tokens: u64) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        self.tokens_saved.fetch_add(tokens, Ordering::Relaxed);
    }

    /// Counts a miss.
    pub fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a bypass.
    pub fn bypass(&self) {
        self.bypasses.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request answered by another's in-flight call, which saved `tokens`.
    pub fn coalesced(&self, tokens: u64) {
        self.coalesced.fetch_add(1, Ordering::Relaxed);
        self.tokens_saved.fetch_add(tokens, Ordering::Relaxed);
    }

    /// Counts a failed Redis call.
    pub fn redis_error(&self) {
        self.redis_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> CacheSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheSnapshot {
            hits: get(&self.hits),
            misses: get(&self.misses),
            bypasses: get(&self.bypasses),
            coalesced: get(&self.coalesced),
            redis_errors: get(&self.redis_errors),
            tokens_saved: get(&self.tokens_saved),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let s = CacheStats::default();
        s.hit(10);
        s.miss();
        s.bypass();
        s.coalesced(5);
        s.redis_error();
        let want = CacheSnapshot {
            hits: 1,
            misses: 1,
            bypasses: 1,
            coalesced: 1,
            redis_errors: 1,
            tokens_saved: 15,
        };
        assert_eq!(s.snapshot(), want);
    }
}
