//! Admission: a key's component and model lists (403 before any upstream call), then every
//! applicable limit and budget of the key and its group checked in one step (429 with
//! `retry-after` when one has no room), and the [`Admission`] that settles tokens, charges
//! the reply's cost and releases the concurrency lease when the reply ends — or when it is
//! dropped (client gone, error).
//!
//! With a Redis store, a request whose key or group has a budget is refused (503) while
//! Redis does not answer: budgets fail closed; rate limits fall back to this process.

use std::sync::Arc;
use std::time::Duration;

use std::collections::BTreeMap;

use parlance_config::keys::{Budget, BudgetWindow, Limits};
use parlance_core::{AnthropicPart, ApiError, ChatRequest, ErrorCode, Part, ThinkingBlock, Usage};

use super::budget::{NEVER, calendar, nanos};
use super::clock::window;
use super::counters::{Check, Kind, LEASE_MS, Settlement, Verdict};
use super::quota::{Quota, Window};
use super::shared::Via;
use super::{Counters, Entry, Principal};

/// Completion tokens reserved when the request sets no `max_tokens`.
pub const DEFAULT_COMPLETION_RESERVE: u64 = 1024;

const MINUTE_MS: u64 = 60_000;

/// An admitted request's hold on its key's counters.
pub struct Admission {
    entry: Arc<Entry>,
    settlement: Settlement,
    reserved: u64,
    /// The prompt's part of `reserved` ([`prompt_estimate`]).
    prompt: u64,
    via: Via,
    quota: Quota,
    /// A budget applies: the settlement is awaited before the reply ([`Admission::finish`]).
    budgeted: bool,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission").field("key", &self.entry.spec.name).finish_non_exhaustive()
    }
}

impl Principal {
    /// Checks that the key may call `component` with `model` (the model the call will use;
    /// empty when the component has none), then admits the request against every limit.
    pub async fn admit(
        &self,
        component: &str,
        model: &str,
        chat: &ChatRequest,
    ) -> Result<Admission, ApiError> {
        let name = &self.entry.spec.name;
        if !self.allows_component(component) {
            let m = format!("API key {name} may not call component {component}");
            return Err(ApiError::new(ErrorCode::Forbidden, m));
        }
        if !model.is_empty() && !self.allows_model(model) {
            let m = format!("API key {name} may not use model {model:?} (component {component})");
            return Err(ApiError::new(ErrorCode::Forbidden, m));
        }
        let now = self.entry.clock.now_ms();
        let reserved = estimate(chat);
        let checks = self.checks(now, reserved);
        // A lease id names a concurrency lease; without one, no id is made.
        let concurrent = checks.iter().any(|c| c.kind == Kind::Concurrent);
        let lease = if concurrent { lease_id() } else { String::new() };
        let budgeted = checks.iter().any(|c| c.kind == Kind::Budget && c.limit != u64::MAX);
        let (verdict, via) = match self.entry.counters.as_ref() {
            Counters::Memory(m) => (m.admit(now, &checks, &lease), Via::Memory),
            Counters::Redis(r) => r.admit(now, &checks, &lease, budgeted).await,
        };
        let used = match verdict {
            Verdict::Admitted(used) => used,
            Verdict::Refused(i) => return Err(refusal(name, &checks[i], now)),
            Verdict::Unavailable => return Err(unavailable(name)),
        };
        let mut admission = self.admission(now, checks, &used, reserved, via, lease);
        admission.budgeted = budgeted;
        admission.prompt = prompt_estimate(chat);
        Ok(admission)
    }

    /// Every counter that applies to this key: its limits and budgets, its group's. The
    /// counters' names are made once per window and kept in the key ([`Templates`]); only
    /// the token reservation and a lease's expiry are the request's own.
    pub(super) fn checks(&self, now: u64, reserved: u64) -> Vec<Check> {
        let mut checks = self.entry.templates.get(now, || self.fresh_checks(now));
        for c in &mut checks {
            match c.kind {
                Kind::Tokens => c.amount = reserved,
                Kind::Concurrent => c.expires_ms = now + LEASE_MS,
                Kind::Requests | Kind::Budget => {}
            }
        }
        checks
    }

    /// The checks at `now`, their names made anew (the token reservation 0).
    fn fresh_checks(&self, now: u64) -> Vec<Check> {
        let mut checks = Vec::new();
        let key = format!("parlance:v1:lim:key:{}", self.entry.spec.name);
        scope(&mut checks, &key, &self.entry.spec.limits, now, 0);
        let key = format!("parlance:v1:bud:key:{}", self.entry.spec.name);
        budgets(&mut checks, &key, &self.entry.spec.budgets, now);
        if let Some(g) = &self.entry.group {
            let group = format!("parlance:v1:lim:group:{}", g.name);
            scope(&mut checks, &group, &g.limits, now, 0);
            let group = format!("parlance:v1:bud:group:{}", g.name);
            budgets(&mut checks, &group, &g.budgets, now);
        }
        checks
    }

    fn admission(
        &self,
        now: u64,
        checks: Vec<Check>,
        used: &[u64],
        reserved: u64,
        via: Via,
        lease: String,
    ) -> Admission {
        let mut quota = Quota::default();
        let mut settlement = Settlement { lease, ..Settlement::default() };
        for (c, used) in checks.into_iter().zip(used) {
            let w = Window {
                limit: c.limit,
                remaining: c.limit.saturating_sub(*used),
                reset_ms: c.expires_ms.saturating_sub(now),
            };
            match c.kind {
                Kind::Requests => Quota::tighten(&mut quota.requests, w),
                Kind::Tokens => {
                    Quota::tighten(&mut quota.tokens, w);
                    settlement.tokens.push((c.id, 0));
                }
                Kind::Concurrent => settlement.leases.push(c.id),
                Kind::Budget => settlement.spend.push((c.id, 0)),
            }
        }
        let entry = self.entry.clone();
        Admission { entry, settlement, reserved, prompt: 0, via, quota, budgeted: false }
    }
}

impl Admission {
    /// The limits' state after this request was counted, for the reply's headers.
    pub fn quota(&self) -> Quota {
        self.quota
    }

    /// The prompt's tokens as estimated at admission (~4 bytes a token): what a stream that
    /// ends before the provider reports its usage is charged for its prompt.
    pub fn prompt_estimate(&self) -> u64 {
        self.prompt
    }

    /// The reply ended with `usage` and cost `cost_usd`: token reservations are corrected to
    /// the usage (without one, the reservation stands) and the cost is charged to every
    /// budget (none when unpriced). The lease is released by [`Admission::finish`] or when
    /// the admission is dropped.
    pub fn settle(&mut self, usage: Option<&Usage>, cost_usd: Option<f64>) {
        let charge = i64::try_from(nanos(cost_usd.unwrap_or(0.0))).unwrap_or(i64::MAX);
        for (_, d) in &mut self.settlement.spend {
            *d = charge;
        }
        let Some(u) = usage else { return };
        let real = u.total_tokens.max(u.prompt_tokens + u.completion_tokens);
        let delta = i64::try_from(real).unwrap_or(i64::MAX) - self.reserved as i64;
        for (_, d) in &mut self.settlement.tokens {
            *d = delta;
        }
    }
}

impl Admission {
    /// With a budget, settles now, waiting for the shared store (at most its time bound), so
    /// that the next request — on any replica — sees this one's cost; without one, the
    /// settlement is queued for the store's next script (dropped here), off the reply's path.
    pub async fn finish(mut self) {
        if !self.budgeted {
            return;
        }
        let s = std::mem::take(&mut self.settlement);
        if s.is_empty() {
            return;
        }
        let now = self.entry.clock.now_ms();
        match self.entry.counters.as_ref() {
            Counters::Memory(m) => m.settle(now, &s),
            Counters::Redis(r) => r.settle(now, &s, self.via).await,
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let s = std::mem::take(&mut self.settlement);
        if s.is_empty() {
            return;
        }
        let now = self.entry.clock.now_ms();
        match self.entry.counters.as_ref() {
            Counters::Memory(m) => m.settle(now, &s),
            Counters::Redis(r) => r.settle_later(now, &s, self.via),
        }
    }
}

/// A key's checks as made for the current window: reused while `now` stays inside the
/// minute they were made in and before any of their windows ends, so that a request clones
/// shared names instead of formatting them.
#[derive(Default)]
pub(crate) struct Templates {
    cached: std::sync::Mutex<Option<Cached>>,
}

struct Cached {
    from_ms: u64,
    until_ms: u64,
    checks: Vec<Check>,
}

impl Templates {
    /// The cached checks when they hold at `now`, else `make()`'s (then cached).
    fn get(&self, now: u64, make: impl FnOnce() -> Vec<Check>) -> Vec<Check> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cached.as_ref().filter(|c| c.from_ms <= now && now < c.until_ms) {
            return c.checks.clone();
        }
        let checks = make();
        let (minute, left) = window(now, MINUTE_MS);
        let from_ms = minute.saturating_mul(MINUTE_MS);
        let until_ms = checks
            .iter()
            .filter(|c| c.kind != Kind::Concurrent)
            .map(|c| c.expires_ms)
            .fold(now + left, u64::min);
        *cached = Some(Cached { from_ms, until_ms, checks: checks.clone() });
        checks
    }
}

/// The checks of one scope (the key, or its group).
fn scope(checks: &mut Vec<Check>, prefix: &str, limits: &Limits, now: u64, reserved: u64) {
    let (minute, left) = window(now, MINUTE_MS);
    let end = now + left;
    if let Some(limit) = limits.requests_per_minute {
        let id = format!("{prefix}:rpm:{minute}").into();
        checks.push(Check { id, kind: Kind::Requests, limit, amount: 1, expires_ms: end });
    }
    if let Some(limit) = limits.tokens_per_minute {
        let id = format!("{prefix}:tpm:{minute}").into();
        checks.push(Check { id, kind: Kind::Tokens, limit, amount: reserved, expires_ms: end });
    }
    if let Some(limit) = limits.concurrent {
        let id = format!("{prefix}:conc").into();
        let expires_ms = now + LEASE_MS;
        checks.push(Check { id, kind: Kind::Concurrent, limit, amount: 1, expires_ms });
    }
}

/// The budget checks of one scope: one counter per window (the smallest budget of a window
/// applies), and always the all-time spend (unlimited without a `total` budget).
fn budgets(checks: &mut Vec<Check>, prefix: &str, budgets: &[Budget], now: u64) {
    let mut windows: BTreeMap<&str, (BudgetWindow, u64)> = BTreeMap::new();
    windows.insert("total", (BudgetWindow::Total, u64::MAX));
    for b in budgets {
        let limit = nanos(b.usd);
        let slot = windows.entry(b.window.as_str()).or_insert((b.window, limit));
        slot.1 = slot.1.min(limit);
    }
    for (window, limit) in windows.into_values() {
        let (id, expires_ms) = calendar(window, now);
        let id = format!("{prefix}:{id}").into();
        checks.push(Check { id, kind: Kind::Budget, limit, amount: 0, expires_ms });
    }
}

/// The 503 of a budgeted request while its shared store does not answer.
fn unavailable(key: &str) -> ApiError {
    let m = format!(
        "API key {key} has a budget and its counter store does not answer; budgets fail closed"
    );
    let mut e = ApiError::new(ErrorCode::Overloaded, m);
    e.retry_after = Some(Duration::from_secs(1));
    e
}

/// The 429 for a check without room: `retry-after` is the rest of its window (1 s for a
/// concurrency limit, whose room comes back when any request ends; none for a `total`
/// budget, which never comes back).
fn refusal(key: &str, c: &Check, now: u64) -> ApiError {
    let whose = if c.id.contains(":group:") { "its group's" } else { "its" };
    if c.kind == Kind::Budget {
        let window = super::usage::window_name(&c.id);
        let usd = super::budget::dollars(c.limit);
        let m = format!("API key {key} has spent {whose} {window} budget of {usd} USD");
        let mut e = ApiError::new(ErrorCode::BudgetExceeded, m);
        if c.expires_ms != NEVER {
            e.retry_after = Some(Duration::from_millis(c.expires_ms.saturating_sub(now)));
        }
        return e;
    }
    let (what, wait) = match c.kind {
        Kind::Requests => ("requestsPerMinute", c.expires_ms.saturating_sub(now)),
        Kind::Tokens => ("tokensPerMinute", c.expires_ms.saturating_sub(now)),
        Kind::Concurrent | Kind::Budget => ("concurrent", 1000),
    };
    let secs = wait.div_ceil(1000).max(1);
    let message =
        format!("API key {key} is over {whose} {what} limit of {}; retry in {secs}s", c.limit);
    let mut e = ApiError::new(ErrorCode::RateLimited, message);
    e.retry_after = Some(Duration::from_secs(secs));
    e
}

/// Tokens reserved up front: the prompt ([`prompt_estimate`]) and the request's `max_tokens`
/// or [`DEFAULT_COMPLETION_RESERVE`].
pub(crate) fn estimate(chat: &ChatRequest) -> u64 {
    prompt_estimate(chat) + chat.params.max_tokens.unwrap_or(DEFAULT_COMPLETION_RESERVE)
}

/// The prompt's tokens: its text at ~4 bytes a token, plus 4 a message.
pub(crate) fn prompt_estimate(chat: &ChatRequest) -> u64 {
    let mut bytes = 0usize;
    for m in &chat.messages {
        bytes += 16;
        for p in &m.parts {
            bytes += match p {
                Part::Text(t) => t.len(),
                Part::ToolCall(c) => c.name.len() + c.arguments.len(),
                Part::ToolResult(r) => r.content.len(),
                Part::Anthropic(AnthropicPart::Thinking(ThinkingBlock::Thinking {
                    thinking,
                    ..
                })) => thinking.len(),
                Part::Anthropic(_) => 0,
                Part::Opaque(o) => o.json.len(),
            };
        }
    }
    (bytes as u64).div_ceil(4)
}

/// A lease id unique across replicas (random per process, counted within it).
fn lease_id() -> String {
    use std::hash::BuildHasher;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEED: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0u8));
    format!("{seed:016x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
