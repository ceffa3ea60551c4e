//! In-process counters: the default without a store, and every Redis key's fallback while
//! Redis is unreachable (limits then hold per replica). One short-held lock around a map;
//! expired windows are swept as the map grows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::counters::{Check, Kind, Settlement, Verdict};

#[derive(Debug)]
enum Slot {
    Counter { value: u64, expires_ms: u64 },
    Leases(HashMap<String, u64>),
}

/// Counters in this process.
#[derive(Debug, Default)]
pub struct MemoryCounters {
    slots: Mutex<HashMap<Arc<str>, Slot>>,
}

impl MemoryCounters {
    /// Checks every limit; counts the request in all of them when each has room.
    pub fn admit(&self, now_ms: u64, checks: &[Check], lease: &str) -> Verdict {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() > 4096 {
            slots.retain(|_, s| live(s, now_ms));
        }
        let mut used = Vec::with_capacity(checks.len());
        for (i, c) in checks.iter().enumerate() {
            let current = current(slots.get_mut(&*c.id), c.kind, now_ms);
            let room = match c.kind {
                Kind::Requests | Kind::Concurrent => current + c.amount <= c.limit,
                Kind::Tokens | Kind::Budget => current < c.limit,
            };
            if !room {
                return Verdict::Refused(i);
            }
            used.push(current + c.amount);
        }
        for c in checks {
            count(&mut slots, c, lease);
        }
        Verdict::Admitted(used)
    }

    /// The current value of each check's counter, counting nothing.
    pub fn read(&self, now_ms: u64, checks: &[Check]) -> Vec<u64> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        checks.iter().map(|c| current(slots.get_mut(&*c.id), c.kind, now_ms)).collect()
    }

    /// Corrects token reservations and releases leases.
    pub fn settle(&self, now_ms: u64, s: &Settlement) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        for (id, delta) in s.adds() {
            if let Some(Slot::Counter { value, expires_ms }) = slots.get_mut(&**id)
                && *expires_ms > now_ms
            {
                *value = value.saturating_add_signed(*delta);
            }
        }
        for id in &s.leases {
            if let Some(Slot::Leases(leases)) = slots.get_mut(&**id) {
                leases.remove(&s.lease);
            }
        }
    }
}

fn live(slot: &Slot, now_ms: u64) -> bool {
    match slot {
        Slot::Counter { expires_ms, .. } => *expires_ms > now_ms,
        Slot::Leases(l) => !l.is_empty(),
    }
}

fn current(slot: Option<&mut Slot>, kind: Kind, now_ms: u64) -> u64 {
    match (slot, kind) {
        (Some(Slot::Counter { value, expires_ms }), _) if *expires_ms > now_ms => *value,
        (Some(Slot::Leases(leases)), Kind::Concurrent) => {
            leases.retain(|_, until| *until > now_ms);
            leases.len() as u64
        }
        _ => 0,
    }
}

fn count(slots: &mut HashMap<Arc<str>, Slot>, c: &Check, lease: &str) {
    match c.kind {
        Kind::Concurrent => {
            let slot = slots.entry(c.id.clone()).or_insert_with(|| Slot::Leases(HashMap::new()));
            if let Slot::Leases(leases) = slot {
                leases.insert(lease.to_string(), c.expires_ms);
            }
        }
        Kind::Requests | Kind::Tokens | Kind::Budget => {
            let fresh = Slot::Counter { value: 0, expires_ms: c.expires_ms };
            let slot = slots.entry(c.id.clone()).or_insert(fresh);
            match slot {
                Slot::Counter { value, expires_ms } if *expires_ms == c.expires_ms => {
                    *value += c.amount
                }
                other => *other = Slot::Counter { value: c.amount, expires_ms: c.expires_ms },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, kind: Kind, limit: u64, amount: u64, expires_ms: u64) -> Check {
        Check { id: id.into(), kind, limit, amount, expires_ms }
    }

    #[test]
    fn a_refused_request_counts_nowhere() {
        let m = MemoryCounters::default();
        let checks = [
            check("rpm", Kind::Requests, 10, 1, 60_000),
            check("conc", Kind::Concurrent, 1, 1, 900_000),
        ];
        assert_eq!(m.admit(0, &checks, "a"), Verdict::Admitted(vec![1, 1]));
        assert_eq!(m.admit(0, &checks, "b"), Verdict::Refused(1));
        // The refusal did not count: after the release, the next one is the second request.
        let s = Settlement { leases: vec!["conc".into()], lease: "a".into(), ..Default::default() };
        m.settle(0, &s);
        assert_eq!(m.admit(0, &checks, "c"), Verdict::Admitted(vec![2, 1]));
    }

    #[test]
    fn windows_roll_over_and_tokens_settle() {
        let m = MemoryCounters::default();
        let tpm = |exp| [check("tpm", Kind::Tokens, 100, 80, exp)];
        assert_eq!(m.admit(0, &tpm(60_000), "a"), Verdict::Admitted(vec![80]));
        assert_eq!(m.admit(0, &tpm(60_000), "b"), Verdict::Admitted(vec![160]), "room left");
        assert_eq!(m.admit(0, &tpm(60_000), "c"), Verdict::Refused(0));
        let s = Settlement { tokens: vec![("tpm".into(), -150)], ..Default::default() };
        m.settle(1, &s);
        assert_eq!(m.admit(1, &tpm(60_000), "d"), Verdict::Admitted(vec![90]));
        assert_eq!(m.admit(60_000, &tpm(120_000), "e"), Verdict::Admitted(vec![80]), "new window");
    }

    #[test]
    fn forgotten_leases_expire() {
        let m = MemoryCounters::default();
        let c = |exp| [check("conc", Kind::Concurrent, 1, 1, exp)];
        assert!(matches!(m.admit(0, &c(100), "a"), Verdict::Admitted(_)));
        assert_eq!(m.admit(99, &c(199), "b"), Verdict::Refused(0));
        assert!(matches!(m.admit(100, &c(200), "b"), Verdict::Admitted(_)));
    }
}
