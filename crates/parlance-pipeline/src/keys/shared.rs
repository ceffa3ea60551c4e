//! Counters in a `state.redis` component, shared by every replica: each admission and each
//! settlement is one server-side Lua script (sent once, then called by `EVALSHA`), so that
//! checking every limit and counting in all of them is one atomic step however many
//! replicas race.
//!
//! Redis lost: each call is bounded by [`TIMEOUT`]; a failure keeps Redis out of the path for
//! [`BACKOFF`] and the same limits are counted in this process instead (rate limits then hold
//! per replica), with a warning at most every 10 s. Calls go back to Redis after the back-off,
//! so shared counting resumes by itself. A script that timed out may still have counted in
//! Redis: the error is on the safe side.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use super::counters::{Check, Settlement, Verdict};
use super::memory::MemoryCounters;
use crate::cache::RedisConfig;

/// The bound on one limit script (longer than the cache's: a timed-out admission falls
/// back to per-replica counting, which is less exact).
pub const TIMEOUT: Duration = Duration::from_secs(1);
/// How long Redis is left out after a failure.
pub const BACKOFF: Duration = Duration::from_millis(500);
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Checks every limit, then counts in all of them or none.
/// KEYS: one per check. ARGV: now, lease id, then per check: kind, limit, amount, expiry
/// (0: never).
const ADMIT: &str = r"
local now, lease = tonumber(ARGV[1]), ARGV[2]
local used = {}
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 4
  local kind, limit, amount = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  local cur
  if kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    cur = redis.call('ZCARD', KEYS[i])
  else
    cur = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
  local soft = kind == 't' or kind == 'b'
  if (soft and cur >= limit) or (not soft and cur + amount > limit) then
    return {0, i - 1}
  end
  used[i] = cur + amount
end
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 4
  local kind, amount, expires = ARGV[b + 1], tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  if kind == 'c' then
    redis.call('ZADD', KEYS[i], expires, lease)
  else
    redis.call('INCRBY', KEYS[i], amount)
  end
  if expires > 0 then
    redis.call('PEXPIRE', KEYS[i], math.max(expires - now, 1) + 1000)
  end
end
return {1, unpack(used)}
";

/// Corrects token reservations and charges budgets (while their window's counter lives) and
/// releases leases. KEYS: counters to add to, then lease sets. ARGV: number of counters,
/// lease id, deltas.
const SETTLE: &str = r"
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    if redis.call('INCRBY', KEYS[i], ARGV[2 + i]) < 0 then
      redis.call('SET', KEYS[i], 0, 'KEEPTTL')
    end
  end
end
for i = n + 1, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[2])
end
return 1
";

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
    name: String,
    conn: Option<ConnectionManager>,
    admit: redis::Script,
    settle: redis::Script,
    read: redis::Script,
    fallback: MemoryCounters,
    epoch: Instant,
    down_until_ms: AtomicU64,
    last_warn_ms: AtomicU64,
}

impl std::fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounters").field("name", &self.name).finish_non_exhaustive()
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
        RedisCounters {
            name: config.name.clone(),
            conn: conn.ok(),
            admit: redis::Script::new(ADMIT),
            settle: redis::Script::new(SETTLE),
            read: redis::Script::new(READ),
            fallback: MemoryCounters::default(),
            epoch: Instant::now(),
            down_until_ms: AtomicU64::new(0),
            last_warn_ms: AtomicU64::new(0),
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
        let mut conn = self.conn.clone().filter(|_| self.available())?;
        let mut call = self.admit.prepare_invoke();
        call.arg(now_ms).arg(lease);
        for c in checks {
            let expires = if c.expires_ms == u64::MAX { 0 } else { c.expires_ms };
            call.key(&c.id).arg(c.kind.letter()).arg(c.limit).arg(c.amount).arg(expires);
        }
        let answer = tokio::time::timeout(TIMEOUT, call.invoke_async::<Vec<u64>>(&mut conn)).await;
        match answer {
            Ok(Ok(v)) => match v.split_first() {
                Some((1, used)) => Some(Verdict::Admitted(used.to_vec())),
                Some((0, [index])) => Some(Verdict::Refused(*index as usize)),
                _ => self.failed(&format!("unexpected script answer {v:?}")),
            },
            Ok(Err(e)) => self.failed(&e.to_string()),
            Err(_) => self.failed(&format!("no answer within {TIMEOUT:?}")),
        }
    }

    /// The current value of each check's counter: Redis's, or this process's while Redis
    /// does not answer.
    pub async fn read(&self, now_ms: u64, checks: &[Check]) -> Vec<u64> {
        if let Some(mut conn) = self.conn.clone().filter(|_| self.available()) {
            let mut call = self.read.prepare_invoke();
            call.arg(now_ms);
            for c in checks {
                call.key(&c.id).arg(c.kind.letter());
            }
            let answer = tokio::time::timeout(TIMEOUT, call.invoke_async::<Vec<u64>>(&mut conn));
            match answer.await {
                Ok(Ok(v)) if v.len() == checks.len() => return v,
                Ok(Ok(v)) => self.failed::<()>(&format!("unexpected script answer {v:?}")),
                Ok(Err(e)) => self.failed::<()>(&e.to_string()),
                Err(_) => self.failed::<()>(&format!("no answer within {TIMEOUT:?}")),
            };
        }
        self.fallback.read(now_ms, checks)
    }

    /// Settles where the request was admitted.
    pub async fn settle(&self, now_ms: u64, s: &Settlement, via: Via) {
        if via == Via::Memory {
            return self.fallback.settle(now_ms, s);
        }
        let Some(mut conn) = self.conn.clone().filter(|_| self.available()) else { return };
        let mut call = self.settle.prepare_invoke();
        call.arg(s.adds().count()).arg(&s.lease);
        for (id, delta) in s.adds() {
            call.key(id).arg(*delta);
        }
        for id in &s.leases {
            call.key(id);
        }
        let answer = tokio::time::timeout(TIMEOUT, call.invoke_async::<i64>(&mut conn)).await;
        match answer {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                self.failed::<()>(&e.to_string());
            }
            Err(_) => {
                self.failed::<()>(&format!("no answer within {TIMEOUT:?}"));
            }
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn available(&self) -> bool {
        self.now_ms() >= self.down_until_ms.load(Ordering::Relaxed)
    }

    fn failed<T>(&self, why: &str) -> Option<T> {
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
