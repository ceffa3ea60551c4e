//! The in-process tier: one moka cache shared by every component, bounded by (estimated)
//! bytes with real eviction, each entry living for its own component's TTL from insertion.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::future::Cache;
use parlance_core::ChatResponse;

use super::key::CacheKey;

/// A cached response and how long it may live.
#[derive(Debug)]
pub struct Entry {
    /// The provider's reply, unscrubbed.
    pub chat: ChatResponse,
    /// Time to live from insertion; `None` = until evicted.
    pub ttl: Option<Duration>,
}

/// The shared, byte-bounded in-memory cache.
#[derive(Clone)]
pub struct MemoryCache {
    inner: Cache<CacheKey, Arc<Entry>>,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache").field("weighted_size", &self.inner.weighted_size()).finish()
    }
}

/// Each entry expires after its own TTL, counted from its (latest) insertion.
struct PerEntryTtl;

impl Expiry<CacheKey, Arc<Entry>> for PerEntryTtl {
    fn expire_after_create(&self, _: &CacheKey, v: &Arc<Entry>, _: Instant) -> Option<Duration> {
        v.ttl
    }

    fn expire_after_update(
        &self,
        _: &CacheKey,
        v: &Arc<Entry>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        v.ttl
    }
}

impl MemoryCache {
    /// A cache holding at most about `max_bytes` of responses.
    pub fn new(max_bytes: u64) -> MemoryCache {
        let inner = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_: &CacheKey, e: &Arc<Entry>| weight(&e.chat))
            .expire_after(PerEntryTtl)
            .build();
        MemoryCache { inner }
    }

    /// The live entry for `key`.
    pub async fn get(&self, key: &CacheKey) -> Option<Arc<Entry>> {
        self.inner.get(key).await
    }

    /// Stores (or replaces) `key`; the TTL starts now.
    pub async fn insert(&self, key: CacheKey, chat: ChatResponse, ttl: Option<Duration>) {
        self.inner.insert(key, Arc::new(Entry { chat, ttl })).await;
    }

    /// Estimated bytes held (after pending evictions have run).
    pub fn weighted_size(&self) -> u64 {
        self.inner.weighted_size()
    }

    /// Applies pending evictions and expirations now (moka does it lazily otherwise).
    pub async fn run_pending_tasks(&self) {
        self.inner.run_pending_tasks().await;
    }
}

/// The bytes an entry holds: its strings plus the fixed size of its structs.
fn weight(chat: &ChatResponse) -> u32 {
    const FIXED: usize = 256; // key, Arc, Entry, moka's own bookkeeping
    let choices: usize = chat
        .choices
        .iter()
        .map(|c| {
            let calls: usize =
                c.tool_calls.iter().map(|t| 96 + t.name.len() + t.arguments.len()).sum();
            96 + c.finish_reason.len() + c.content.len() + calls
        })
        .sum();
    let model = chat.model.as_ref().map_or(0, String::len);
    u32::try_from(FIXED + choices + model).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlance_core::{ChatMessage, ChatRequest, Choice, Role};

    fn reply(text: &str) -> ChatResponse {
        ChatResponse {
            choices: vec![Choice { content: text.into(), ..Choice::default() }],
            ..ChatResponse::default()
        }
    }

    fn key(i: usize) -> CacheKey {
        let req = ChatRequest {
            messages: vec![ChatMessage::text(Role::User, i.to_string())],
            ..Default::default()
        };
        CacheKey::of("c", None, &req)
    }

    #[tokio::test]
    async fn stays_within_its_byte_bound() {
        let max = 64 * 1024;
        let cache = MemoryCache::new(max);
        let text = "x".repeat(1000);
        for i in 0..2_000 {
            cache.insert(key(i), reply(&text), None).await;
        }
        cache.run_pending_tasks().await;
        assert!(cache.weighted_size() <= max, "{} > {max}", cache.weighted_size());
        assert!(cache.weighted_size() > max / 2, "{}", cache.weighted_size());
    }

    #[tokio::test]
    async fn entries_expire_after_their_own_ttl() {
        let cache = MemoryCache::new(1 << 20);
        cache.insert(key(1), reply("short"), Some(Duration::from_millis(50))).await;
        cache.insert(key(2), reply("long"), Some(Duration::from_secs(60))).await;
        cache.insert(key(3), reply("forever"), None).await;
        assert!(cache.get(&key(1)).await.is_some());
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(cache.get(&key(1)).await.is_none());
        assert!(cache.get(&key(2)).await.is_some());
        assert!(cache.get(&key(3)).await.is_some());
    }

    #[tokio::test]
    async fn reinsertion_restarts_the_ttl() {
        let cache = MemoryCache::new(1 << 20);
        let ttl = Some(Duration::from_millis(150));
        cache.insert(key(1), reply("a"), ttl).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        cache.insert(key(1), reply("b"), ttl).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let got = cache.get(&key(1)).await.map(|e| e.chat.choices[0].content.clone());
        assert_eq!(got.as_deref(), Some("b"));
    }
}
