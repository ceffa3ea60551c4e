//! Pools (`spec.type: conversation.pool`): one component name in front of several member
//! components. The pool's chain is its own PII and cache stages above a [`PoolStage`], which
//! picks a member ([`pick`]) and calls that member's whole chain. A call that fails before its
//! first byte is tried on another member, each member at most once; a stream never changes
//! member after its first delta. The member that answered is written to the call's
//! [`crate::stage::MemberSlot`], which the service reports as `answered_by`
//! (`x-parlance-component`), as it does for a fallback. [`PoolStats`] is the metrics' view of
//! the members' counters.

pub mod check;
pub mod config;
pub mod models;
pub mod pick;

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use futures::future::BoxFuture;
use parlance_core::{ChatRequest, FailureKind, ProviderError, Role};

use crate::resiliency::ResiliencyStats;
use crate::stage::{Call, DynStage, Reply, Stage, StreamReply};
use config::{PoolConfig, Strategy};
use pick::{InFlight, MemberStats, Picker};

/// One member as the pool is built over it.
pub struct PoolMember {
    /// The member component's name.
    pub name: String,
    /// Its whole chain.
    pub chain: DynStage,
    /// Its resiliency state, when its policy has a circuit breaker to follow.
    pub breaker: Option<ResiliencyStats>,
}

/// The stage that spreads calls over the members' chains.
pub struct PoolStage {
    name: String,
    members: Vec<(Arc<str>, DynStage)>,
    picker: Arc<Picker>,
    strategy: Strategy,
    affinity_key: Option<String>,
}

impl PoolStage {
    /// A pool named `name` over `members` (in the order and with the weights of `config`).
    pub fn new(name: &str, config: &PoolConfig, members: Vec<PoolMember>) -> PoolStage {
        let weights = config.members.iter().map(|m| m.weight).collect();
        let breakers = members.iter().map(|m| m.breaker.clone()).collect();
        let picker = Picker::new(config.strategy, weights).with_breakers(breakers);
        PoolStage {
            name: name.to_string(),
            members: members.into_iter().map(|m| (Arc::from(m.name), m.chain)).collect(),
            picker: Arc::new(picker),
            strategy: config.strategy,
            affinity_key: config.affinity_key.clone(),
        }
    }

    /// A handle on the members' counters, for the metrics.
    pub fn stats(&self) -> PoolStats {
        let members = self.members.iter().map(|(n, _)| n.to_string()).collect();
        PoolStats { pool: self.name.clone(), members, picker: self.picker.clone() }
    }

    /// Tries members until one answers; returns its answer with the in-flight guard, which a
    /// stream keeps until it ends.
    async fn run<'a, T, F>(&'a self, call: Call, go: F) -> Result<(T, InFlight), ProviderError>
    where
        F: Fn(&'a DynStage, Call) -> BoxFuture<'a, Result<T, ProviderError>>,
    {
        let key = self.affinity(&call.chat);
        // Which members this call tried: on the stack unless the pool is large.
        let (mut inline, mut heap) = ([false; pick::INLINE], Vec::new());
        let n = self.members.len();
        let tried: &mut [bool] = if n <= pick::INLINE {
            &mut inline[..n]
        } else {
            heap.resize(n, false);
            &mut heap
        };
        let mut failures = Vec::new();
        while let Some(i) = self.picker.pick(tried, key) {
            tried[i] = true;
            let (member, chain) = &self.members[i];
            let guard = self.picker.enter(i);
            let started = tokio::time::Instant::now();
            match go(chain, call.clone()).await {
                Ok(reply) => {
                    self.picker.succeeded(i, started.elapsed());
                    call.member.set(member);
                    return Ok((reply, guard));
                }
                Err(e) if request_fault(&e) => return Err(e),
                Err(e) => {
                    // A refusal by the member's own breaker is not held against it: the
                    // breaker's state already decides whether it is in rotation.
                    if e.kind != FailureKind::Rejected {
                        self.picker.failed(i);
                    }
                    if let (Some(429), Some(rest)) = (e.status, e.retry_after) {
                        self.picker.rest(i, rest);
                    }
                    tracing::debug!(pool = %self.name, member = %member, error = %e, "pool member failed");
                    failures.push((&**member, e));
                }
            }
        }
        Err(all_failed(failures))
    }

    /// The affinity hash: the request metadata value named by `affinityKey` when the request
    /// carries it, else the system prompt(s) and the first user message.
    fn affinity(&self, chat: &ChatRequest) -> Option<u64> {
        if self.strategy != Strategy::Affinity {
            return None;
        }
        let explicit = self.affinity_key.as_ref().and_then(|k| chat.metadata.get(k));
        if let Some(value) = explicit {
            return Some(fnv(0, value.as_bytes()));
        }
        let system = chat.messages.iter().filter(|m| m.role == Role::System);
        let first_user = chat.messages.iter().find(|m| m.role == Role::User);
        let start = system.chain(first_user);
        Some(start.fold(1, |h, m| fnv(h, m.joined_text().as_bytes()) ^ pick::mix(h)))
    }
}

/// A read-only view of one pool's per-member counters (cheap to clone).
#[derive(Debug, Clone)]
pub struct PoolStats {
    pool: String,
    members: Vec<String>,
    picker: Arc<Picker>,
}

impl PoolStats {
    /// The pool's name.
    pub fn pool(&self) -> &str {
        &self.pool
    }

    /// Each member's name and counters now, in the order listed.
    pub fn members(&self) -> impl Iterator<Item = (&str, MemberStats)> {
        self.members.iter().enumerate().map(|(i, m)| (m.as_str(), self.picker.stats(i)))
    }
}

/// A failure the request itself caused (another member would refuse it too): not retried
/// and not held against the member.
fn request_fault(e: &ProviderError) -> bool {
    e.kind == FailureKind::InvalidRequest || matches!(e.status, Some(400 | 413 | 422))
}

/// The last member's failure (its kind, status and retry advice), its message naming each.
fn all_failed(failures: Vec<(&str, ProviderError)>) -> ProviderError {
    let listed: Vec<String> = failures.iter().map(|(m, e)| format!("{m}: {e}")).collect();
    match failures.into_iter().last() {
        Some((_, last)) => ProviderError {
            message: format!("every pool member failed ({})", listed.join("; ")),
            ..last
        },
        None => ProviderError::permanent(FailureKind::Internal, "the pool has no member to call"),
    }
}

/// FNV-1a over `bytes`, continuing from `h` (stable across processes and builds, so replicas
/// agree without sharing state).
fn fnv(h: u64, bytes: &[u8]) -> u64 {
    let start = if h == 0 { 0xcbf2_9ce4_8422_2325 } else { h };
    bytes.iter().fold(start, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[async_trait]
impl Stage for PoolStage {
    async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
        let (reply, _in_flight) = self.run(call, |stage, call| stage.call(call)).await?;
        Ok(reply)
    }

    async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
        let (mut reply, in_flight) = self.run(call, |stage, call| stage.stream(call)).await?;
        // The member stays busy until its stream ends or is dropped.
        reply.deltas = Box::pin(reply.deltas.map(move |d| {
            let _held = &in_flight;
            d
        }));
        Ok(reply)
    }
}

#[cfg(test)]
mod tests;
