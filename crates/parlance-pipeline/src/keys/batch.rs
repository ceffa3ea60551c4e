//! One Redis script for many requests: admissions and settlements queued by the requests of
//! this replica while a script is on its way go together in the next one. The script applies
//! the batch's settlements first (see [`BATCH`] for why that order is one they could have
//! arrived in), then its admissions in the order they were queued, each exactly as if it had
//! been its own script (every check of an admission against the counters as the operations
//! before it left them; all counted or none), so limits stay exact across replicas, while
//! Redis runs one script — and this process one round trip — per batch rather than two per
//! request.
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

/// Operations in one script at most (a bound on the script's arguments).
pub const MAX_OPS: usize = 512;

/// Settlements, then admissions in order, on the counters named in `KEYS` (each once).
/// Packed little-endian (read with Redis's `struct`: one call per check instead of five
/// arguments to parse, intern and convert; numbers are doubles, as `tonumber` made them):
/// - `ARGV[1]`, the admissions: per admission `d` now, `B` checks, `B` lease length + the
///   lease (empty without a concurrency check), then per check `H` key index, `B` kind
///   (1 requests, 2 tokens, 3 concurrent, 4 budget), `d` limit, `d` amount, `d` expiry
///   (0: never);
/// - `ARGV[2]`, the settlements, merged: `H` adds, per add `H` key index, `B` 1 when a
///   missing counter is created (an all-time spend) and `d` the sum of the batch's deltas to
///   that counter; `H` leases, per lease `H` key index and `B` length
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
  local k, create, d
  k, create, d, q = sunpack('<HBd', settle, q)
  load(k)
  if not cur[k] and create == 1 then
    cur[k] = 0
  end
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
    /// An admission of `checks` checks, of which those in the `unsent` mask stayed here.
    Admit { checks: usize, unsent: u32, tx: oneshot::Sender<Option<Verdict>> },
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
    /// The settlements' sum per counter (key index, whether a missing counter is created,
    /// delta).
    adds: Vec<(u16, bool, f64)>,
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

    /// Encodes an admission; answers the mask of the checks it leaves out: an all-time spend
    /// without a `total` budget can refuse nothing and counts nothing at admission (its
    /// charge creates it at settlement, [`lasting`]).
    fn admit(&mut self, now_ms: u64, checks: &[Check], lease: &str) -> u32 {
        let mut keys = [0u16; 255];
        let checks = &checks[..checks.len().min(keys.len())];
        let mut unsent = 0u32;
        for (i, (k, c)) in keys.iter_mut().zip(checks).enumerate() {
            let idle = c.kind == Kind::Budget && c.limit == u64::MAX && c.expires_ms == u64::MAX;
            if idle && i < 32 {
                unsent |= 1 << i;
            } else {
                *k = self.key(&c.id);
            }
        }
        let concurrent = checks.iter().any(|c| c.kind == Kind::Concurrent);
        let out = &mut self.admissions;
        out.extend_from_slice(&(now_ms as f64).to_le_bytes());
        // An admission has at most 14 checks (requests, tokens, concurrency and four budget
        // windows, for a key and its group).
        out.push((checks.len() - unsent.count_ones() as usize) as u8);
        push_lease(out, if concurrent { lease } else { "" });
        for (i, (k, c)) in keys.iter().zip(checks).enumerate() {
            if i < 32 && unsent & (1 << i) != 0 {
                continue;
            }
            out.extend_from_slice(&k.to_le_bytes());
            out.push(c.kind.code());
            let expires = if c.expires_ms == u64::MAX { 0 } else { c.expires_ms };
            out.extend_from_slice(&(c.limit as f64).to_le_bytes());
            out.extend_from_slice(&(c.amount as f64).to_le_bytes());
            out.extend_from_slice(&(expires as f64).to_le_bytes());
        }
        unsent
    }

    fn settle(&mut self, s: &Settlement) {
        for (id, delta) in s.adds().filter(|(_, d)| *d != 0) {
            let k = self.key(id);
            match self.adds.iter_mut().find(|(i, _, _)| *i == k) {
                Some((_, _, sum)) => *sum += *delta as f64,
                None => self.adds.push((k, lasting(id), *delta as f64)),
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
        let mut settle = Vec::with_capacity(4 + self.adds.len() * 11 + self.releases.len());
        let adds = u16::try_from(self.adds.len()).unwrap_or(u16::MAX);
        settle.extend_from_slice(&adds.to_le_bytes());
        for (k, create, d) in self.adds.iter().take(usize::from(adds)) {
            settle.extend_from_slice(&k.to_le_bytes());
            settle.push(u8::from(*create));
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

/// Whether counter `id` is an all-time spend (the budget window `total`, [`calendar`]): it
/// never expires, so a charge creates it when no admission has (see [`Batch::admit`]).
///
/// [`calendar`]: super::budget::calendar
fn lasting(id: &str) -> bool {
    id.starts_with("parlance:v1:bud:") && id.ends_with(":total")
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
            let unsent = b.admit(now_ms, checks, lease);
            b.waiters.push(Waiter::Admit { checks: checks.len(), unsent, tx });
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
            Waiter::Admit { tx, .. } => {
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
        let Waiter::Admit { checks, unsent, .. } = w else { continue };
        // The checks the script saw, by their index among all.
        let mut sent = (0..*checks).filter(|i| *i >= 32 || unsent & (1 << i) == 0);
        let (status, tail) = rest.split_first()?;
        if *status == 1 {
            let n = checks - unsent.count_ones() as usize;
            let (values, tail) = (tail.get(..n * 8)?, tail.get(n * 8..)?);
            let mut values = values.chunks_exact(8).map(|b| {
                // A count is a whole number below 2^53 (the script's doubles).
                f64::from_le_bytes(b.try_into().unwrap_or_default()) as u64
            });
            let mut used = vec![0; *checks];
            for i in sent {
                *used.get_mut(i)? = values.next()?;
            }
            out.push(Verdict::Admitted(used));
            rest = tail;
        } else {
            let (index, tail) = tail.split_first()?;
            out.push(Verdict::Refused(sent.nth(usize::from(*index))?));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn admit(checks: usize, unsent: u32) -> Waiter {
        Waiter::Admit { checks, unsent, tx: oneshot::channel().0 }
    }

    #[test]
    fn answers_are_split_back_onto_every_check_including_the_unsent() {
        // Three admissions: the second check of the first and the first of the third stayed
        // here (an all-time spend without a budget); a settlement between them answers nothing.
        let waiters = [admit(3, 0b010), Waiter::Settle(None), admit(2, 0), admit(3, 0b001)];
        let mut answer = vec![1];
        for v in [7.0f64, 1030.0] {
            answer.extend_from_slice(&v.to_le_bytes());
        }
        answer.extend_from_slice(&[0, 1]);
        // The third's second sent check is its third of all.
        answer.extend_from_slice(&[0, 1]);
        let verdicts = split(&waiters, &answer).unwrap();
        assert_eq!(
            verdicts,
            [Verdict::Admitted(vec![7, 0, 1030]), Verdict::Refused(1), Verdict::Refused(2)]
        );
        assert_eq!(split(&waiters, &answer[..answer.len() - 1]), None, "a short answer");
    }

    #[test]
    fn an_unlimited_all_time_spend_is_left_out_and_created_by_its_charge() {
        let check = |id: &str, kind, limit, expires_ms| Check {
            id: Arc::from(id),
            kind,
            limit,
            amount: 0,
            expires_ms,
        };
        let checks = [
            check("parlance:v1:lim:key:a:rpm:1", Kind::Requests, 5, 60_000),
            check("parlance:v1:bud:key:a:total", Kind::Budget, u64::MAX, u64::MAX),
            check("parlance:v1:bud:key:a:day20261208", Kind::Budget, u64::MAX, 86_400_000),
        ];
        let mut b = Batch::default();
        assert_eq!(b.admit(0, &checks, ""), 0b010);
        assert_eq!(b.keys.len(), 2, "the all-time counter is not among the script's keys");
        let s = Settlement {
            spend: vec![(checks[1].id.clone(), 5), (checks[2].id.clone(), 5)],
            ..Settlement::default()
        };
        b.settle(&s);
        b.settle(&s);
        assert_eq!(b.adds, [(3, true, 10.0), (2, false, 10.0)], "merged per counter");
    }
}
