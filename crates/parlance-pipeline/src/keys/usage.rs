//! What a key may read about itself (`GET /v1/usage`): its all-time spend, and each limit
//! and budget of the key and of its group with what is used and when it resets. Reading
//! counts against nothing.

use serde::Serialize;

use super::budget::{NEVER, dollars};
use super::counters::{Check, Kind};
use super::quota::duration_text;
use super::{Counters, Principal};

/// The answer of `GET /v1/usage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// The key's name.
    pub key: String,
    /// Its group's name, if any.
    pub group: Option<String>,
    /// USD the key has spent, all time.
    pub spent_usd: f64,
    /// USD its group has spent, all time (absent without a group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_spent_usd: Option<f64>,
    /// Each limit of the key and its group.
    pub limits: Vec<LimitUsage>,
    /// Each budget of the key and its group.
    pub budgets: Vec<BudgetUsage>,
}

/// One limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitUsage {
    /// `key` or `group`.
    pub scope: &'static str,
    /// `requestsPerMinute`, `tokensPerMinute` or `concurrent`.
    pub kind: &'static str,
    /// The limit.
    pub limit: u64,
    /// Used in the current window (in flight, for `concurrent`).
    pub used: u64,
    /// Until the window ends, as a duration string (absent for `concurrent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_in: Option<String>,
}

/// One budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetUsage {
    /// `key` or `group`.
    pub scope: &'static str,
    /// `day`, `week`, `month` or `total`.
    pub window: &'static str,
    /// The budget, USD.
    pub usd: f64,
    /// Spent in the current window, USD.
    pub spent_usd: f64,
    /// Left in the current window, USD (never below 0).
    pub remaining_usd: f64,
    /// Until the window ends, as a duration string (absent for `total`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_in: Option<String>,
}

impl Principal {
    /// The key's usage now.
    pub async fn usage(&self) -> UsageReport {
        let now = self.entry.clock.now_ms();
        let checks = self.checks(now, 0);
        let used = match self.entry.counters.as_ref() {
            Counters::Memory(m) => m.read(now, &checks),
            Counters::Redis(r) => r.read(now, &checks).await,
        };
        let mut report = UsageReport {
            key: self.name().to_string(),
            group: self.group().map(str::to_string),
            spent_usd: 0.0,
            group_spent_usd: None,
            limits: Vec::new(),
            budgets: Vec::new(),
        };
        for (c, used) in checks.iter().zip(used) {
            report.add(c, used, now);
        }
        report
    }
}

impl UsageReport {
    fn add(&mut self, c: &Check, used: u64, now: u64) {
        let scope = if c.id.contains(":group:") { "group" } else { "key" };
        let resets_in = Some(duration_text(c.expires_ms.saturating_sub(now)));
        let kind = match c.kind {
            Kind::Requests => "requestsPerMinute",
            Kind::Tokens => "tokensPerMinute",
            Kind::Concurrent => "concurrent",
            Kind::Budget => return self.add_budget(scope, c, used, now),
        };
        let resets_in = resets_in.filter(|_| c.kind != Kind::Concurrent);
        self.limits.push(LimitUsage { scope, kind, limit: c.limit, used, resets_in });
    }

    fn add_budget(&mut self, scope: &'static str, c: &Check, used: u64, now: u64) {
        let window = window_name(&c.id);
        if window == "total" {
            match scope {
                "group" => self.group_spent_usd = Some(dollars(used)),
                _ => self.spent_usd = dollars(used),
            }
        }
        if c.limit == u64::MAX {
            return; // the all-time spend without a `total` budget
        }
        let resets_in =
            (c.expires_ms != NEVER).then(|| duration_text(c.expires_ms.saturating_sub(now)));
        self.budgets.push(BudgetUsage {
            scope,
            window,
            usd: dollars(c.limit),
            spent_usd: dollars(used),
            remaining_usd: dollars(c.limit.saturating_sub(used)),
            resets_in,
        });
    }
}

/// The window a budget counter's id names (`…:day2026-12-07` → `day`).
pub(super) fn window_name(id: &str) -> &'static str {
    let last = id.rsplit(':').next().unwrap_or("");
    ["day", "week", "month", "total"].into_iter().find(|w| last.starts_with(w)).unwrap_or("total")
}
