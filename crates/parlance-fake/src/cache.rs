//! Prompt-caching simulation: remembers hashed prompt prefixes and reports cache reads/writes.
//!
//! A prompt is a list of [`Segment`]s (messages, system blocks, tools) in order. Segments marked
//! as breakpoints end a cacheable prefix. The longest breakpoint prefix seen before is a cache
//! read; the rest up to the last breakpoint is a cache write. Every breakpoint prefix is then
//! remembered. State is per fake, so tests stay independent.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use serde_json::Value;

use crate::fault::lock;
use crate::reply::words_in;

/// One piece of a prompt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    /// Its size in tokens.
    pub tokens: u64,
    /// A hash of its content.
    pub hash: u64,
    /// Whether a cacheable prefix ends after it.
    pub breakpoint: bool,
}

impl Segment {
    /// A segment for a JSON value (tokens and hash computed from it).
    pub(crate) fn of(value: &Value, breakpoint: bool) -> Segment {
        let mut h = DefaultHasher::new();
        value.to_string().hash(&mut h);
        Segment { tokens: words_in(value), hash: h.finish(), breakpoint }
    }
}

/// Tokens read from and written to the cache for one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CacheUse {
    /// Tokens served from the cache.
    pub read: u64,
    /// Tokens newly written to the cache.
    pub write: u64,
}

/// The remembered prefixes of one fake.
#[derive(Debug, Default)]
pub(crate) struct PromptCache {
    seen: Mutex<HashSet<u64>>,
}

impl PromptCache {
    /// Looks the prompt's prefixes up, remembers them, and reports the cache use.
    pub(crate) fn observe(&self, segments: &[Segment]) -> CacheUse {
        let mut prefixes = Vec::new(); // (hash of the prefix, tokens in it)
        let (mut hasher, mut tokens) = (DefaultHasher::new(), 0);
        for s in segments {
            s.hash.hash(&mut hasher);
            tokens += s.tokens;
            if s.breakpoint {
                prefixes.push((hasher.finish(), tokens));
            }
        }
        let mut seen = lock(&self.seen);
        let read = prefixes.iter().rev().find(|(h, _)| seen.contains(h)).map_or(0, |p| p.1);
        let last = prefixes.last().map_or(0, |p| p.1);
        seen.extend(prefixes.iter().map(|p| p.0));
        CacheUse { read, write: last - read }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn segs(texts: &[&str], breakpoints: &[bool]) -> Vec<Segment> {
        texts.iter().zip(breakpoints).map(|(t, b)| Segment::of(&json!(t), *b)).collect()
    }

    #[test]
    fn first_writes_second_reads() {
        let cache = PromptCache::default();
        let prompt = segs(&["a b c", "d e"], &[true, false]);
        assert_eq!(cache.observe(&prompt), CacheUse { read: 0, write: 3 });
        assert_eq!(cache.observe(&prompt), CacheUse { read: 3, write: 0 });
    }

    #[test]
    fn longest_seen_prefix_is_read() {
        let cache = PromptCache::default();
        cache.observe(&segs(&["sys one", "u1"], &[true, true]));
        let used = cache.observe(&segs(&["sys one", "u2 u2", "u3"], &[true, true, true]));
        assert_eq!(used, CacheUse { read: 2, write: 3 });
    }

    #[test]
    fn no_breakpoints_no_cache() {
        let cache = PromptCache::default();
        let prompt = segs(&["a"], &[false]);
        cache.observe(&prompt);
        assert_eq!(cache.observe(&prompt), CacheUse::default());
    }
}
