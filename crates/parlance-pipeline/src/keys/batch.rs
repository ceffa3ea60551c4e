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

use super::counters::{Check, Settlement, Verdict};
use super::shared::{Health, TIMEOUT};

/// Operations in one script at most (a bound on the script's arguments).
pub const MAX_OPS: usize = 512;

/// Admissions and settlements, in order, on the counters named in `KEYS` (each once).
/// ARGV: `a, now, lease, n`, then `n ×` (key index, kind, limit, amount, expiry; 0: never)
/// for an admission; `s, lease, n, n ×` (key index, delta), `m, m ×` key index of a lease
/// set, for a settlement. Answers, per admission in order, `1` and each check's value after
/// counting, or `0` and the index of the check without room.
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
local out, i = {}, 1
while i <= #ARGV do
  if ARGV[i] == 'a' then
    local now, lease, n = tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
    local base, used, refused = i + 4, {}, nil
    for j = 0, n - 1 do
      local b = base + j * 5
      local k, kind = tonumber(ARGV[b]), ARGV[b + 1]
      local limit, amount = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
      local c
      if kind == 'c' then
        redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now)
        c = redis.call('ZCARD', KEYS[k])
      else
        c = load(k)
      end
      local soft = kind == 't' or kind == 'b'
      if (soft and c >= limit) or (not soft and c + amount > limit) then
        refused = j
        break
      end
      used[j + 1] = c + amount
    end
    if refused then
      out[#out + 1] = 0
      out[#out + 1] = refused
    else
      out[#out + 1] = 1
      for j = 0, n - 1 do
        local b = base + j * 5
        local k, kind = tonumber(ARGV[b]), ARGV[b + 1]
        local amount, expires = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
        local life = math.max(expires - now, 1) + 1000
        if kind == 'c' then
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
        out[#out + 1] = used[j + 1]
      end
    end
    i = base + n * 5
  else
    local lease, n = ARGV[i + 1], tonumber(ARGV[i + 2])
    for j = 0, n - 1 do
      local k, d = tonumber(ARGV[i + 3 + j * 2]), tonumber(ARGV[i + 4 + j * 2])
      load(k)
      if cur[k] then
        if cur[k] + d < 0 then
          d = -cur[k]
        end
        cur[k] = cur[k] + d
        add[k] = add[k] + d
      end
    end
    local at = i + 3 + n * 2
    local m = tonumber(ARGV[at])
    for j = 1, m do
      redis.call('ZREM', KEYS[tonumber(ARGV[at + j])], lease)
    end
    i = at + m + 1
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
return out
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
    keys: Vec<String>,
    index: HashMap<String, usize>,
    args: redis::Cmd,
    waiters: Vec<Waiter>,
}

impl Batch {
    /// The 1-based `KEYS` index of counter `id`, added on first use.
    fn key(&mut self, id: &str) -> usize {
        if let Some(&k) = self.index.get(id) {
            return k;
        }
        self.keys.push(id.to_string());
        self.index.insert(id.to_string(), self.keys.len());
        self.keys.len()
    }

    fn admit(&mut self, now_ms: u64, checks: &[Check], lease: &str) {
        self.args.arg("a").arg(now_ms).arg(lease).arg(checks.len());
        for c in checks {
            let k = self.key(&c.id);
            let expires = if c.expires_ms == u64::MAX { 0 } else { c.expires_ms };
            self.args.arg(k).arg(c.kind.letter()).arg(c.limit).arg(c.amount).arg(expires);
        }
    }

    fn settle(&mut self, s: &Settlement) {
        self.args.arg("s").arg(&s.lease).arg(s.adds().count());
        for (id, delta) in s.adds() {
            let k = self.key(id);
            self.args.arg(k).arg(*delta);
        }
        self.args.arg(s.leases.len());
        for id in &s.leases {
            let k = self.key(id);
            self.args.arg(k);
        }
    }

    /// The `EVALSHA` of this batch.
    fn command(&self, sha: &str) -> redis::Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(sha).arg(self.keys.len()).arg(&self.keys);
        for arg in self.args.args_iter() {
            if let redis::Arg::Simple(bytes) = arg {
                cmd.arg(bytes);
            }
        }
        cmd
    }
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

    async fn call(&self, batch: &Batch) -> Result<Vec<u64>, String> {
        let mut conn = self.conn.clone();
        let cmd = batch.command(self.script.get_hash());
        let first = tokio::time::timeout(TIMEOUT, cmd.query_async::<Vec<u64>>(&mut conn)).await;
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
            cmd.query_async::<Vec<u64>>(&mut conn).await
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
fn deliver(waiters: Vec<Waiter>, answer: Option<Vec<u64>>) {
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
fn split(waiters: &[Waiter], answer: &[u64]) -> Option<Vec<Verdict>> {
    let mut rest = answer;
    let mut out = Vec::new();
    for w in waiters {
        let Waiter::Admit(n, _) = w else { continue };
        let (status, tail) = rest.split_first()?;
        let take = if *status == 1 { *n } else { 1 };
        let (values, tail) = (tail.get(..take)?, tail.get(take..)?);
        out.push(match status {
            1 => Verdict::Admitted(values.to_vec()),
            _ => Verdict::Refused(usize::try_from(values[0]).ok()?),
        });
        rest = tail;
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
