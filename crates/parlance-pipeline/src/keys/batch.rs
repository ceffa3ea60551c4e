//! One Redis script for many requests: admissions and settlements queued by the requests of
//! this replica while a script is on its way go together in the next one, in the order they
//! were queued. The script applies them one after another exactly as if each had been its
//! own script (every check of an admission against the counters as the operations before it
//! left them; all counted or none), so limits stay exact across replicas, while Redis runs
//! one script — and this process one round trip — per batch rather than two per request.
//!
//! At one request in flight a batch is that request alone: nothing waits to fill a batch.
//! The queue is drained by a task spawned when the first operation arrives and ending when
//! the queue is empty. Each counter a batch touches is read once and written once (an
//! `INCRBY` of the batch's sum, so values beyond 2^53 stay exact in Redis).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use redis::aio::ConnectionManager;
use tokio::sync::oneshot;

use super::counters::{Check, Kind, Settlement, Verdict};
use super::shared::{Health, TIMEOUT};

/// Operations in one script at most (a bound on the script's argument).
pub const MAX_OPS: usize = 512;

/// Settlements, then admissions in order, on the counters named in `KEYS` (each once).
/// Packed little-endian (read with Redis's `struct`: one call per check instead of five
/// arguments to parse, intern and convert; numbers are doubles, as `tonumber` made them):
/// - `ARGV[1]`, the admissions: per admission `d` now, `B` checks, `B` lease length + the
///   lease (empty without a concurrency check), then per check `H` key index, `B` kind
///   (1 requests, 2 tokens, 3 concurrent, 4 budget), `d` limit, `d` amount, `d` expiry
///   (0: never);
/// - `ARGV[2]`, the settlements, merged: `H` adds, per add `H` key index and `d` the sum of
///   the batch's deltas to that counter; `H` leases, per lease `H` key index and `B` length
///   + the lease id to remove.
///
/// A settlement is always of a request admitted by an earlier script, and every operation
/// of one batch was waiting at once: applying the batch's settlements first is one order
/// in which they could have arrived.
///
/// Answers one string (a bulk reply is parsed at once, an array element by element): per
/// admission in order, `B` 1 and `d` each check's value after counting, or `B` 0 and `B` the
/// index of the check without room.
const BATCH: &str = r"
local cur, add, made, ttl = {}, {}, {}, {}
local function load(k)
  if cur[k] == nil then
    local v = redis.call('GET', KEYS[k])
    cur[k] = v and tonumber(v) or false
    add[k] = 0
  end
  return cur[k] or 0
end
local sunpack, pack, formats = struct.unpack, struct.pack, {}
local settle, q = ARGV[2], 1
local n
n, q = sunpack('<H', settle, q)
for _ = 1, n do
  local k, d
  k, d, q = sunpack('<Hd', settle, q)
  load(k)
  if cur[k] then
    if cur[k] + d < 0 then
      d = -cur[k]
    end
    cur[k] = cur[k] + d
    add[k] = add[k] + d
  end
end
n, q = sunpack('<H', settle, q)
for _ = 1, n do
  local k, lease
  k, lease, q = sunpack('<HBc0', settle, q)
  redis.call('ZREM', KEYS[k], lease)
end
local data = ARGV[1]
local out, p, size = {}, 1, #data
local ks, kinds, limits, amounts, ends = {}, {}, {}, {}, {}
while p <= size do
  local now, lease
  now, n, lease, p = sunpack('<dBBc0', data, p)
  local refused = nil
  for j = 1, n do
    local k, kind, limit, amount, expires
    k, kind, limit, amount, expires, p = sunpack('<HBddd', data, p)
    ks[j], kinds[j], amounts[j], ends[j] = k, kind, amount, expires
    if not refused then
      local c
      if kind == 3 then
        redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now)
        c = redis.call('ZCARD', KEYS[k])
      else
        c = load(k)
      end
      local soft = kind == 2 or kind == 4
      if (soft and c >= limit) or (not soft and c + amount > limit) then
        refused = j - 1
      else
        limits[j] = c + amount
      end
    end
  end
  if refused then
    out[#out + 1] = pack('<BB', 0, refused)
  else
    for j = 1, n do
      local k, kind, amount, expires = ks[j], kinds[j], amounts[j], ends[j]
      local life = math.max(expires - now, 1) + 1000
      if kind == 3 then
        redis.call('ZADD', KEYS[k], expires, lease)
        if expires > 0 then
          redis.call('PEXPIRE', KEYS[k], life)
        end
      else
        cur[k] = (cur[k] or 0) + amount
        add[k] = add[k] + amount
        made[k] = true
        if expires > 0 then
          ttl[k] = life
        end
      end
    end
    local f = formats[n]
    if not f then
      f = '<B' .. string.rep('d', n)
      formats[n] = f
    end
    out[#out + 1] = pack(f, 1, unpack(limits, 1, n))
  end
end
for k, a in pairs(add) do
  if made[k] or a ~= 0 then
    if redis.call('INCRBY', KEYS[k], a) < 0 then
      redis.call('SET', KEYS[k], 0, 'KEEPTTL')
    end
    if ttl[k] then
      redis.call('PEXPIRE', KEYS[k], ttl[k])
    end
  end
end
return table.concat(out)
";

/// Who waits for an operation's outcome.
enum Waiter {
    /// An admission of this many checks.
    Admit(usize, oneshot::Sender<Option<Verdict>>),
    /// A settlement; `None` when nobody waits for it.
    Settle(Option<oneshot::Sender<bool>>),
}

/// The operations of one script, encoded as they are queued.
#[derive(Default)]
struct Batch {
    keys: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u16>,
    /// `ARGV[1]`: the admissions, packed ([`BATCH`]).
    admissions: Vec<u8>,
    /// The settlements' sum per counter (key index, delta).
    adds: Vec<(u16, f64)>,
    /// The settlements' leases to release, packed (key index, lease), and how many.
    releases: Vec<u8>,
    released: u16,
    waiters: Vec<Waiter>,
}

impl Batch {
    /// The 1-based `KEYS` index of counter `id`, added on first use. A key's checks share
    /// their names ([`super::gate`] makes them once per window), so the name is most often
    /// one of the last few added, the same allocation: compared by address before hashing.
    fn key(&mut self, id: &Arc<str>) -> u16 {
        let recent = self.keys.len().saturating_sub(16);
        if let Some(i) = self.keys[recent..].iter().position(|k| Arc::ptr_eq(k, id)) {
            return index_of(recent + i);
        }
        if let Some(&k) = self.index.get(&**id) {
            return k;
        }
        self.keys.push(id.clone());
        let k = index_of(self.keys.len() - 1);
        self.index.insert(id.clone(), k);
        k
    }

    fn admit(&mut self, now_ms: u64, checks: &[Check], lease: &str) {
        let mut keys = [0u16; 255];
        let checks = &checks[..checks.len().min(keys.len())];
        for (k, c) in keys.iter_mut().zip(checks) {
            *k = self.key(&c.id);
        }
        let concurrent = checks.iter().any(|c| c.kind == Kind::Concurrent);
        let out = &mut self.admissions;
        out.extend_from_slice(&(now_ms as f64).to_le_bytes());
        // An admission has at most eight checks (requests, tokens, concurrency and budgets,
        // for a key and its group).
        out.push(checks.len() as u8);
        push_lease(out, if concurrent { lease } else { "" });
        for (k, c) in keys.iter().zip(checks) {
            out.extend_from_slice(&k.to_le_bytes());
            out.push(c.kind.code());
            let expires = if c.expires_ms == u64::MAX { 0 } else { c.expires_ms };
            out.extend_from_slice(&(c.limit as f64).to_le_bytes());
            out.extend_from_slice(&(c.amount as f64).to_le_bytes());
            out.extend_from_slice(&(expires as f64).to_le_bytes());
        }
    }

    fn settle(&mut self, s: &Settlement) {
        for (id, delta) in s.adds().filter(|(_, d)| *d != 0) {
            let k = self.key(id);
            match self.adds.iter_mut().find(|(i, _)| *i == k) {
                Some((_, sum)) => *sum += *delta as f64,
                None => self.adds.push((k, *delta as f64)),
            }
        }
        for id in &s.leases {
            let k = self.key(id);
            self.releases.extend_from_slice(&k.to_le_bytes());
            push_lease(&mut self.releases, &s.lease);
            self.released += 1;
        }
    }

    /// The `EVALSHA` of this batch.
    fn command(&self, sha: &str) -> redis::Cmd {
        let mut settle = Vec::with_capacity(4 + self.adds.len() * 10 + self.releases.len());
        let adds = u16::try_from(self.adds.len()).unwrap_or(u16::MAX);
        settle.extend_from_slice(&adds.to_le_bytes());
        for (k, d) in self.adds.iter().take(usize::from(adds)) {
            settle.extend_from_slice(&k.to_le_bytes());
            settle.extend_from_slice(&d.to_le_bytes());
        }
        settle.extend_from_slice(&self.released.to_le_bytes());
        settle.extend_from_slice(&self.releases);
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(sha).arg(self.keys.len());
        for k in &self.keys {
            cmd.arg(k.as_bytes());
        }
        cmd.arg(&self.admissions[..]).arg(settle);
        cmd
    }
}

/// The 1-based `KEYS` index of the counter at `i`: a batch has at most `MAX_OPS` operations
/// of a few counters each, far below `u16::MAX`.
fn index_of(i: usize) -> u16 {
    u16::try_from(i + 1).unwrap_or(u16::MAX)
}

/// A lease id as its length (a byte) and its bytes: an id is 16 hex digits, a dash and a
/// count, far below 255 bytes.
fn push_lease(out: &mut Vec<u8>, lease: &str) {
    let lease = &lease.as_bytes()[..lease.len().min(255)];
    out.push(lease.len() as u8);
    out.extend_from_slice(lease);
}

#[derive(Default)]
struct Queue {
    batches: VecDeque<Batch>,
    /// A drain task is running (it takes what is queued before it ends).
    running: bool,
}

/// The queue of one store's operations and the connection they go through.
pub struct Batcher {
    conn: ConnectionManager,
    script: redis::Script,
    health: Arc<Health>,
    queue: Mutex<Queue>,
}

impl Batcher {
    /// A batcher on `conn`; failures are recorded in `health`.
    pub fn new(conn: ConnectionManager, health: Arc<Health>) -> Batcher {
        let queue = Mutex::new(Queue::default());
        Batcher { conn, script: redis::Script::new(BATCH), health, queue }
    }

    /// Queues an admission; the answer is `None` when Redis did not give one (or when there
    /// is no runtime to send it from).
    pub fn admit(
        self: &Arc<Self>,
        now_ms: u64,
        checks: &[Check],
        lease: &str,
    ) -> Option<oneshot::Receiver<Option<Verdict>>> {
        let (tx, rx) = oneshot::channel();
        self.push(|b| {
            b.admit(now_ms, checks, lease);
            b.waiters.push(Waiter::Admit(checks.len(), tx));
        })
        .then_some(rx)
    }

    /// Queues a settlement; with `wait`, the receiver answers whether Redis applied it.
    pub fn settle(self: &Arc<Self>, s: &Settlement, wait: bool) -> Option<oneshot::Receiver<bool>> {
        let (tx, rx) = if wait {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let queued = self.push(|b| {
            b.settle(s);
            b.waiters.push(Waiter::Settle(tx));
        });
        if queued { rx } else { None }
    }

    /// Adds to the last batch (or a new one when it is full) and starts a drain task unless
    /// one is running; `false` when there is no runtime to run it on (nothing is queued).
    fn push(self: &Arc<Self>, add: impl FnOnce(&mut Batch)) -> bool {
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return false };
        let start = {
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            let full = q.batches.back().is_none_or(|b| b.waiters.len() >= MAX_OPS);
            if full {
                q.batches.push_back(Batch::default());
            }
            if let Some(b) = q.batches.back_mut() {
                add(b);
            }
            !std::mem::replace(&mut q.running, true)
        };
        if start {
            rt.spawn(Drain(self.clone(), false).run());
        }
        true
    }

    /// The next batch, or `None` (and no drain running) when the queue is empty.
    fn next(&self) -> Option<Batch> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let batch = q.batches.pop_front();
        q.running = batch.is_some();
        batch
    }

    /// Runs one batch's script and hands each waiter its answer.
    async fn flush(&self, batch: Batch) {
        let answer = match self.call(&batch).await {
            Ok(v) => Some(v),
            Err(why) => {
                self.health.failed::<()>(&why);
                None
            }
        };
        deliver(batch.waiters, answer);
    }

    async fn call(&self, batch: &Batch) -> Result<Vec<u8>, String> {
        let mut conn = self.conn.clone();
        let cmd = batch.command(self.script.get_hash());
        let first = tokio::time::timeout(TIMEOUT, cmd.query_async::<Vec<u8>>(&mut conn)).await;
        let no_script = redis::ErrorKind::Server(redis::ServerErrorKind::NoScript);
        match first {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) if e.kind() != no_script => return Err(e.to_string()),
            Ok(Err(_)) => {}
            Err(_) => return Err(format!("no answer within {TIMEOUT:?}")),
        }
        // Redis restarted (or was flushed) since the script was last loaded.
        let mut load = redis::cmd("SCRIPT");
        load.arg("LOAD").arg(BATCH);
        let again = async {
            load.query_async::<String>(&mut conn).await?;
            cmd.query_async::<Vec<u8>>(&mut conn).await
        };
        match tokio::time::timeout(TIMEOUT, again).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {TIMEOUT:?}")),
        }
    }
}

/// Each waiter's share of the script's answer (`None` for all when there is none, or when
/// it does not have the expected shape).
fn deliver(waiters: Vec<Waiter>, answer: Option<Vec<u8>>) {
    let verdicts = answer.and_then(|v| split(&waiters, &v));
    let mut verdicts = verdicts.map(Vec::into_iter);
    for w in waiters {
        match w {
            Waiter::Admit(_, tx) => {
                let v = verdicts.as_mut().and_then(Iterator::next);
                let _ = tx.send(v);
            }
            Waiter::Settle(Some(tx)) => {
                let _ = tx.send(verdicts.is_some());
            }
            Waiter::Settle(None) => {}
        }
    }
}

/// The admissions' verdicts, in order, from the script's flat answer.
fn split(waiters: &[Waiter], answer: &[u8]) -> Option<Vec<Verdict>> {
    let mut rest = answer;
    let mut out = Vec::new();
    for w in waiters {
        let Waiter::Admit(n, _) = w else { continue };
        let (status, tail) = rest.split_first()?;
        if *status == 1 {
            let (values, tail) = (tail.get(..n * 8)?, tail.get(n * 8..)?);
            let used = values.chunks_exact(8).map(|b| {
                let v = f64::from_le_bytes(b.try_into().unwrap_or_default());
                // A count is a whole number below 2^53 (the script's doubles).
                v as u64
            });
            out.push(Verdict::Admitted(used.collect()));
            rest = tail;
        } else {
            let (index, tail) = tail.split_first()?;
            out.push(Verdict::Refused(usize::from(*index)));
            rest = tail;
        }
    }
    rest.is_empty().then_some(out)
}

/// The drain task: flushes batches until the queue is empty. Dropped before that (the
/// runtime shutting down), it lets the next operation start another.
struct Drain(Arc<Batcher>, bool);

impl Drain {
    async fn run(mut self) {
        while let Some(batch) = self.0.next() {
            self.0.flush(batch).await;
        }
        // `next` found the queue empty and cleared `running` under the lock.
        self.1 = true;
    }
}

impl Drop for Drain {
    fn drop(&mut self) {
        if !self.1 {
            self.0.queue.lock().unwrap_or_else(|e| e.into_inner()).running = false;
        }
    }
}
