//! The state one fake shares between its connections: options, records, faults, prompt cache,
//! the id counter and the precomputed fixed-mode bodies.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::FakeOptions;
use crate::cache::PromptCache;
use crate::fault::FaultPlan;
use crate::record::Recorder;
use crate::wire::Protocol;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Shared state of one fake upstream.
#[derive(Debug)]
pub(crate) struct State {
    /// The options it was started with.
    pub opts: FakeOptions,
    /// Requests received.
    pub recorder: Recorder,
    /// Scripted faults.
    pub faults: FaultPlan,
    /// Prompt-caching simulation.
    pub cache: PromptCache,
    /// Fixed-mode bodies: OpenAI, Anthropic, Bedrock.
    pub fixed: [Bytes; 4],
    ids: AtomicU64,
}

impl State {
    /// Fresh state for these options.
    pub(crate) fn new(opts: FakeOptions) -> State {
        let fixed = [Protocol::OpenAi, Protocol::Anthropic, Protocol::Bedrock, Protocol::Responses]
            .map(|p| Bytes::from(p.fixed_body().to_string()));
        State {
            opts,
            recorder: Recorder::default(),
            faults: FaultPlan::default(),
            cache: PromptCache::default(),
            fixed,
            ids: AtomicU64::new(0),
        }
    }

    /// The precomputed fixed-mode body of a protocol.
    pub(crate) fn fixed_body(&self, protocol: Protocol) -> Bytes {
        let i = match protocol {
            Protocol::OpenAi | Protocol::Azure => 0,
            Protocol::Anthropic => 1,
            Protocol::Bedrock => 2,
            Protocol::Responses => 3,
        };
        self.fixed[i].clone()
    }

    /// A new id: `prefix` then `len` base62 characters, deterministic in the fake's id sequence.
    pub(crate) fn next_id(&self, prefix: &str, len: usize) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        let mut id = String::with_capacity(prefix.len() + len);
        id.push_str(prefix);
        let mut round = 0u64;
        while id.len() < prefix.len() + len {
            let mut h = DefaultHasher::new();
            (prefix, n, round).hash(&mut h);
            let mut x = h.finish();
            for _ in 0..10 {
                if id.len() == prefix.len() + len {
                    break;
                }
                id.push(char::from(BASE62[(x % 62) as usize]));
                x /= 62;
            }
            round += 1;
        }
        id
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_length_and_differ() {
        let s = State::new(FakeOptions::default());
        let a = s.next_id("chatcmpl-", 29);
        let b = s.next_id("chatcmpl-", 29);
        assert!(a.starts_with("chatcmpl-") && a.len() == 38, "{a}");
        assert_ne!(a, b);
        assert!(a[9..].chars().all(|c| c.is_ascii_alphanumeric()));
        // Deterministic: a fresh fake yields the same sequence.
        assert_eq!(State::new(FakeOptions::default()).next_id("chatcmpl-", 29), a);
    }
}
