//! Counters in a `state.redis` component, shared by every replica: admissions and settlements
//! go through server-side Lua scripts (sent once, then called by `EVALSHA`), so that checking
//! every limit and counting in all of them is one atomic step however many replicas race.
//! The requests of one replica share their scripts ([`super::batch`]): one script, and one
//! round trip, for everything queued while the previous one was on its way.
//!
//! Redis lost: each call is bounded by [`TIMEOUT`]; a failure keeps Redis out of the path for
//! [`BACKOFF`] and the same limits are counted in this process instead (rate limits then hold
//! per replica), with a warning at most every 10 s. Calls go back to Redis after the back-off,
//! so shared counting resumes by itself. A script that timed out may still have counted in
//! Redis: the error is on the safe side.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use super::batch::Batcher;
use super::counters::{Check, Settlement, Verdict};
use super::memory::MemoryCounters;
use crate::cache::RedisConfig;

/// The bound on one limit script (longer than the cache's: a timed-out admission falls
/// back to per-replica counting, which is less exact).
pub const TIMEOUT: Duration = Duration::from_secs(1);
/// How long Redis is left out after a failure.
pub const BACKOFF: Duration = Duration::from_millis(500);
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Reads counters without counting. KEYS: the counters. ARGV: now, then each one's kind.
const READ: &str = r"
local out = {}
for i = 1, #KEYS do
  if ARGV[i + 1] == 'c' then
    out[i] = redis.call('ZCOUNT', KEYS[i], '(' .. ARGV[1], '+inf')
  else
    out[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
return out
";

/// Which counters admitted a request (its settlement goes to the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The shared Redis counters.
    Redis,
    /// This process's counters.
    Memory,
}

/// One store's counters, with their in-process fallback.
pub struct RedisCounters {
    conn: Option<ConnectionManager>,
    batcher: Option<Arc<Batcher>>,
    read: redis::Script,
    fallback: MemoryCounters,
    health: Arc<Health>,
}

impl std::fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounters").field("name", &self.health.name).finish_non_exhaustive()
    }
}

impl RedisCounters {
    /// Sets up the connection without connecting (start-up never waits for Redis).
    pub fn connect(config: &RedisConfig) -> RedisCounters {
        let conn =
            crate::cache::redis::manager(&RedisConfig { timeout: TIMEOUT, ..config.clone() });
        let conn = conn.map_err(
            |e| tracing::warn!(store = %config.name, "limit counters kept per replica: {e}"),
        );
        let health = Arc::new(Health::new(&config.name));
        let conn = conn.ok();
        let batcher = conn.clone().map(|c| Arc::new(Batcher::new(c, health.clone())));
        RedisCounters {
            conn,
            batcher,
            read: redis::Script::new(READ),
            fallback: MemoryCounters::default(),
            health,
        }
    }

    /// Admits in Redis, or in this process while Redis is unreachable — unless the checks
    /// include a budget (`fail_closed`): then [`Verdict::Unavailable`].
    pub async fn admit(
        &self,
        now_ms: u64,
        checks: &[Check],
        lease: &str,
        fail_closed: bool,
    ) -> (Verdict, Via) {
        if let Some(verdict) = self.admit_shared(now_ms, checks, lease).await {
            return (verdict, Via::Redis);
        }
        if fail_closed {
            return (Verdict::Unavailable, Via::Memory);
        }
        (self.fallback.admit(now_ms, checks, lease), Via::Memory)
    }

    async fn admit_shared(&self, now_ms: u64, checks: &[Check], lease: &str) -> Option<Verdict> {
        let batcher = self.batcher.as_ref().filter(|_| self.health.available())?;
        let answer = batcher.admit(now_ms, checks, lease)?;
        match tokio::time::timeout(TIMEOUT, answer).await {
            // `None`: the batch failed, and said why.
            Ok(Ok(verdict)) => verdict,
            Ok(Err(_)) => self.health.failed("the batch was dropped"),
            Err(_) => self.health.failed(&format!("no answer within {TIMEOUT:?}")),
        }
    }

    /// The current value of each check's counter: Redis's, or this process's while Redis
    /// does not answer.
    pub async fn read(&self, now_ms: u64, checks: &[Check]) -> Vec<u64> {
        if let Some(mut conn) = self.conn.clone().filter(|_| self.health.available()) {
            let mut call = self.read.prepare_invoke();
            call.arg(now_ms);
            for c in checks {
                call.key(&*c.id).arg(c.kind.letter());
            }
            let answer = tokio::time::timeout(TIMEOUT, call.invoke_async::<Vec<u64>>(&mut conn));
            let health = &self.health;
            match answer.await {
                Ok(Ok(v)) if v.len() == checks.len() => return v,
                Ok(Ok(v)) => health.failed::<()>(&format!("unexpected script answer {v:?}")),
                Ok(Err(e)) => health.failed::<()>(&e.to_string()),
                Err(_) => health.failed::<()>(&format!("no answer within {TIMEOUT:?}")),
            };
        }
        self.fallback.read(now_ms, checks)
    }

    /// Settles where the request was admitted, waiting until Redis has applied it (at most
    /// [`TIMEOUT`]).
    pub async fn settle(&self, now_ms: u64, s: &Settlement, via: Via) {
        let Some(answer) = self.settle_queued(now_ms, s, via, true) else { return };
        if tokio::time::timeout(TIMEOUT, answer).await.is_err() {
            self.health.failed::<()>(&format!("no answer within {TIMEOUT:?}"));
        }
    }

    /// Settles where the request was admitted, without waiting: queued for the next script.
    pub fn settle_later(&self, now_ms: u64, s: &Settlement, via: Via) {
        let _ = self.settle_queued(now_ms, s, via, false);
    }

    fn settle_queued(
        &self,
        now_ms: u64,
        s: &Settlement,
        via: Via,
        wait: bool,
    ) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        if via == Via::Memory {
            self.fallback.settle(now_ms, s);
            return None;
        }
        let batcher = self.batcher.as_ref().filter(|_| self.health.available())?;
        batcher.settle(s, wait)
    }
}

/// Whether a store answers: a failure keeps it out of the path for [`BACKOFF`], with a
/// warning at most every 10 s.
#[derive(Debug)]
pub struct Health {
    name: String,
    epoch: Instant,
    down_until_ms: AtomicU64,
    last_warn_ms: AtomicU64,
}

impl Health {
    fn new(name: &str) -> Health {
        Health {
            name: name.to_string(),
            epoch: Instant::now(),
            down_until_ms: AtomicU64::new(0),
            last_warn_ms: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn available(&self) -> bool {
        self.now_ms() >= self.down_until_ms.load(Ordering::Relaxed)
    }

    /// Records a failure (`why`: for the warning); `None` for the caller's convenience.
    pub fn failed<T>(&self, why: &str) -> Option<T> {
        let now = self.now_ms();
        self.down_until_ms.store(now + BACKOFF.as_millis() as u64, Ordering::Relaxed);
        let last = self.last_warn_ms.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= WARN_EVERY.as_millis() as u64;
        if due
            && self
                .last_warn_ms
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(store = %self.name, "limit store unavailable, limits are counted per replica: {why}");
        }
        None
    }
}
