//! API keys at request time (`kind: APIKey`, `kind: APIKeyGroup`; `shared/spec/keys.md`):
//! who is calling ([`KeyRing::authenticate`]), what it may use, and its limits
//! ([`Principal::admit`] before the chain, [`Admission`] settled when the reply ends).
//!
//! The doors only find the key string and call [`KeyRing::authenticate`]; the service does
//! the rest for a request that carries a [`Principal`] (see [`crate::CallOptions`]).

mod batch;
mod budget;
mod clock;
mod counters;
mod gate;
mod memory;
mod quota;
mod shared;
mod usage;

use std::collections::HashMap;
use std::sync::Arc;

use parlance_config::keys::{GroupSpec, KeySpec};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use budget::{dollars, nanos};
pub use clock::{Clock, TEST_CLOCK_ENV};
pub use counters::LEASE_MS;
pub use gate::{Admission, DEFAULT_COMPLETION_RESERVE};
pub use quota::{Quota, Window, duration_text, write_duration};
pub use usage::{BudgetUsage, LimitUsage, UsageReport};

use crate::cache::RedisConfig;
use memory::MemoryCounters;
use shared::RedisCounters;

/// Where a key's counters live.
pub(crate) enum Counters {
    /// In this process.
    Memory(MemoryCounters),
    /// In a Redis store, shared by every replica.
    Redis(Box<RedisCounters>),
}

/// One key, with its group and counters.
pub(crate) struct Entry {
    pub(crate) spec: KeySpec,
    pub(crate) digest: [u8; 32],
    pub(crate) group: Option<GroupSpec>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) clock: Clock,
    /// Its checks for the current window ([`gate::Templates`]).
    pub(crate) templates: gate::Templates,
    /// Its metric series, per component and model ([`crate::telemetry::KeyMeters`]).
    pub(crate) meters: crate::telemetry::KeyMeterCache,
}

/// Every configured key; `None` in a sidecar without keys (then nothing changes).
pub struct KeyRing {
    entries: Vec<Arc<Entry>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.entries.iter().map(|e| e.spec.name.as_str()).collect();
        f.debug_struct("KeyRing").field("keys", &names).finish()
    }
}

/// A caller identified by its key.
#[derive(Clone)]
pub struct Principal {
    pub(crate) entry: Arc<Entry>,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Principal").field(&self.entry.spec.name).finish()
    }
}

/// Where the keys' counters live, kept across reloads so that a reload never resets a
/// limit or a budget: the in-process counters, and one connection per Redis store (kept
/// while its settings are unchanged). Counters are named by key and group name, so a key
/// keeps its counts through a reload that changes its limits.
#[derive(Default)]
pub struct CounterHome {
    local: Arc<Counters>,
    shared: std::sync::Mutex<HashMap<String, (RedisConfig, Arc<Counters>)>>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters::Memory(MemoryCounters::default())
    }
}

impl CounterHome {
    /// The counters of each store of `stores`: the ones already connected when their
    /// settings are the same, new connections otherwise (stores no longer named are dropped).
    fn stores(&self, stores: &[RedisConfig]) -> HashMap<String, Arc<Counters>> {
        let mut known = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let mut now = HashMap::new();
        for s in stores {
            let counters = match known.remove(&s.name) {
                Some((config, counters)) if &config == s => counters,
                _ => Arc::new(Counters::Redis(Box::new(RedisCounters::connect(s)))),
            };
            now.insert(s.name.clone(), (s.clone(), counters));
        }
        *known = now;
        known.iter().map(|(name, (_, c))| (name.clone(), c.clone())).collect()
    }
}

impl KeyRing {
    /// The keys (`None` when there are none), their counters in the stores `stores`
    /// describe (connected lazily; must run inside a Tokio runtime to use Redis).
    pub fn build(
        keys: &[KeySpec],
        groups: &[GroupSpec],
        stores: &[RedisConfig],
        clock: Clock,
    ) -> Option<KeyRing> {
        KeyRing::build_in(&CounterHome::default(), keys, groups, stores, clock)
    }

    /// As [`KeyRing::build`], counting in `home`'s counters (a reload's keys count on
    /// where the previous ones stopped).
    pub fn build_in(
        home: &CounterHome,
        keys: &[KeySpec],
        groups: &[GroupSpec],
        stores: &[RedisConfig],
        clock: Clock,
    ) -> Option<KeyRing> {
        if keys.is_empty() {
            return None;
        }
        let local = home.local.clone();
        let shared = home.stores(stores);
        let entries = keys
            .iter()
            .filter_map(|spec| {
                let group = spec.group.as_ref().and_then(|g| groups.iter().find(|x| &x.name == g));
                let store = spec.store.as_deref().or(group.and_then(|g| g.store.as_deref()));
                let counters = store.and_then(|s| shared.get(s).cloned()).unwrap_or(local.clone());
                Some(Arc::new(Entry {
                    spec: spec.clone(),
                    digest: *spec.digest()?,
                    group: group.cloned(),
                    counters,
                    clock: clock.clone(),
                    templates: gate::Templates::default(),
                    meters: Default::default(),
                }))
            })
            .collect();
        Some(KeyRing { entries })
    }

    /// The key whose secret is one of `presented` (each compared with every key's digest in
    /// constant time); `None` when none is: the door answers its 401, saying no more.
    pub fn authenticate<'a>(
        &self,
        presented: impl IntoIterator<Item = &'a [u8]>,
    ) -> Option<Principal> {
        let mut found = None;
        for candidate in presented {
            let digest: [u8; 32] = Sha256::digest(candidate).into();
            for entry in &self.entries {
                if bool::from(digest.ct_eq(&entry.digest)) {
                    found = Some(entry.clone());
                }
            }
        }
        found.map(|entry| Principal { entry })
    }
}

impl Principal {
    /// The key's name (never its secret).
    pub fn name(&self) -> &str {
        &self.entry.spec.name
    }

    /// The key's group, when it has one.
    pub fn group(&self) -> Option<&str> {
        self.entry.group.as_ref().map(|g| g.name.as_str())
    }

    /// Whether the key may call component `name`.
    pub fn allows_component(&self, name: &str) -> bool {
        self.entry.spec.allows_component(name)
    }

    /// Whether the key may use upstream model `model`.
    pub fn allows_model(&self, model: &str) -> bool {
        self.entry.spec.allows_model(model)
    }
}

#[cfg(test)]
mod tests;
