//! The response-cache stage. It sits inside the PII stage, so its key is built from the
//! scrubbed request and hits are output-scrubbed like fresh answers; it sits outside
//! resiliency and the provider, so a hit skips both.
//!
//! Normal requests: memory → (one flight per key: memory again → Redis → upstream → store).
//! `no-cache` skips the look-up and stores; `no-store` does neither. Only successful answers
//! are stored. A hit returns the stored usage unchanged, as Dapr does. Streams share the
//! entries and the flights: [`super::cache_stream`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use parlance_core::{ChatResponse, ProviderError};

use crate::cache::redis::Lookup;
use crate::cache::singleflight::{Flights, Outcome};
use crate::cache::{CacheKey, CacheStats, Caches, MemoryCache, RedisStore, codec};
use crate::stage::{CacheMode, CacheStatus, Call, DynStage, Reply, Stage, StreamReply};

/// What a flight produces, shared with the callers that joined it.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub(crate) chat: ChatResponse,
    pub(crate) status: CacheStatus,
}

/// A flight's result.
pub(crate) type Flight = Result<Fetched, ProviderError>;

/// The cache stage of one component.
pub struct CacheStage {
    pub(crate) next: DynStage,
    pub(crate) model: Option<String>,
    pub(crate) tier: Arc<Tier>,
    pub(crate) flights: Arc<Flights<CacheKey, Flight>>,
}

/// Where one component's entries live: memory, and Redis when configured.
pub(crate) struct Tier {
    component: String,
    /// `None`: entries live until evicted (Dapr: a TTL ≤ 0 never expires).
    ttl: Option<Duration>,
    memory: MemoryCache,
    shared: Option<Arc<RedisStore>>,
    pub(crate) stats: Arc<CacheStats>,
}

impl CacheStage {
    /// Wraps `next` for `component` (whose resolved model is `model`).
    pub fn new(
        next: DynStage,
        component: &str,
        model: Option<&str>,
        ttl: Duration,
        caches: &Caches,
        shared: Option<Arc<RedisStore>>,
    ) -> CacheStage {
        let tier = Tier {
            component: component.to_string(),
            ttl: Some(ttl).filter(|t| !t.is_zero()),
            memory: caches.memory.clone(),
            shared,
            stats: caches.stats.clone(),
        };
        CacheStage {
            next,
            model: model.map(str::to_string),
            tier: Arc::new(tier),
            flights: Arc::default(),
        }
    }

    pub(crate) fn key(&self, call: &Call) -> CacheKey {
        CacheKey::of(&self.tier.component, self.model.as_deref(), &call.chat)
    }

    async fn bypass(&self, call: Call) -> Result<Reply, ProviderError> {
        self.tier.stats.bypass();
        let reply = self.next.call(call).await?;
        Ok(Reply { chat: reply.chat, cache: Some(CacheStatus::Bypass) })
    }

    async fn refresh(&self, call: Call) -> Result<Reply, ProviderError> {
        let key = self.key(&call);
        let chat = self.next.call(call).await?.chat;
        let status = self.tier.store(key, &chat, CacheStatus::Miss).await;
        self.tier.count(status, &chat);
        Ok(Reply { chat, cache: Some(status) })
    }

    async fn lookup(&self, call: Call) -> Result<Reply, ProviderError> {
        let key = self.key(&call);
        if let Some(chat) = self.tier.memory_hit(&key).await {
            return Ok(Reply { chat, cache: Some(CacheStatus::Hit) });
        }
        let fetched = match self.flights.run(key, || self.fill(key, call)).await {
            Outcome::Led(f) => f?,
            Outcome::Joined(f) => self.tier.joined(f)?,
        };
        Ok(Reply { chat: fetched.chat, cache: Some(fetched.status) })
    }

    /// The leader's work: memory again (a flight may just have landed), Redis, upstream.
    async fn fill(&self, key: CacheKey, call: Call) -> Flight {
        let status = match self.tier.stored(key).await {
            Ok(fetched) => return Ok(fetched),
            Err(status) => status,
        };
        let chat = self.next.call(call).await?.chat;
        let status = self.tier.store(key, &chat, status).await;
        self.tier.count(status, &chat);
        Ok(Fetched { chat, status })
    }
}

impl Tier {
    /// A memory hit, counted.
    pub(crate) async fn memory_hit(&self, key: &CacheKey) -> Option<ChatResponse> {
        let entry = self.memory.get(key).await?;
        self.count(CacheStatus::Hit, &entry.chat);
        Some(entry.chat.clone())
    }

    /// A joined flight's value, counted as coalesced.
    pub(crate) fn joined(&self, flight: Flight) -> Flight {
        let fetched = flight?;
        self.stats.coalesced(tokens(&fetched.chat));
        Ok(fetched)
    }

    /// A flight leader's look-up: memory, then Redis; else the status a fresh answer gets.
    pub(crate) async fn stored(&self, key: CacheKey) -> Result<Fetched, CacheStatus> {
        if let Some(chat) = self.memory_hit(&key).await {
            return Ok(Fetched { chat, status: CacheStatus::Hit });
        }
        let Some(store) = &self.shared else { return Err(CacheStatus::Miss) };
        let chat = self.read_store(store, key).await?;
        Ok(Fetched { chat, status: CacheStatus::Hit })
    }

    /// A Redis hit (copied into memory for the time it has left), or the status to report.
    async fn read_store(
        &self,
        store: &RedisStore,
        key: CacheKey,
    ) -> Result<ChatResponse, CacheStatus> {
        let bytes = match store.get(&RedisStore::key(&self.component, &key)).await {
            Lookup::Found(bytes) => bytes,
            Lookup::Absent => return Err(CacheStatus::Miss),
            Lookup::Unavailable => return Err(CacheStatus::Bypass),
        };
        let stored = codec::decode(&bytes).ok_or(CacheStatus::Miss)?;
        let left = match stored.expires_at_ms {
            None => None,
            Some(at) => {
                Some(at.checked_sub(now_ms()).filter(|&ms| ms > 0).ok_or(CacheStatus::Miss)?)
            }
        };
        self.memory.insert(key, stored.chat.clone(), left.map(Duration::from_millis)).await;
        self.count(CacheStatus::Hit, &stored.chat);
        Ok(stored.chat)
    }

    /// Stores a fresh answer in memory and, when configured, in Redis. Returns `Bypass` when
    /// the shared store could not be written, `status` otherwise.
    pub(crate) async fn store(
        &self,
        key: CacheKey,
        chat: &ChatResponse,
        status: CacheStatus,
    ) -> CacheStatus {
        self.memory.insert(key, chat.clone(), self.ttl).await;
        let Some(store) = &self.shared else { return status };
        let expires = self.ttl.map(|t| now_ms().saturating_add(t.as_millis() as u64));
        let bytes = codec::encode(chat, expires);
        let stored = store.set(&RedisStore::key(&self.component, &key), &bytes, self.ttl).await;
        if stored { status } else { CacheStatus::Bypass }
    }

    pub(crate) fn count(&self, status: CacheStatus, chat: &ChatResponse) {
        match status {
            CacheStatus::Hit => self.stats.hit(tokens(chat)),
            CacheStatus::Miss => self.stats.miss(),
            CacheStatus::Bypass => self.stats.bypass(),
        }
    }
}

fn tokens(chat: &ChatResponse) -> u64 {
    chat.usage.as_ref().map_or(0, |u| u.total_tokens)
}

fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

#[async_trait]
impl Stage for CacheStage {
    async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
        match call.cache {
            CacheMode::Normal => self.lookup(call).await,
            CacheMode::Refresh => self.refresh(call).await,
            CacheMode::Bypass => self.bypass(call).await,
        }
    }

    async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
        self.stream_call(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use parlance_core::{ChatMessage, ChatRequest, Choice, FailureKind, Role, Usage};

    /// Answers `n: <text>` after a short wait, or fails when the text is "fail".
    struct Counting(AtomicUsize);

    #[async_trait]
    impl Stage for Counting {
        async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(30)).await;
            let text = call.chat.messages[0].joined_text();
            if text == "fail" {
                return Err(ProviderError::transient(FailureKind::Connect, "down"));
            }
            let choice = Choice { content: format!("{n}: {text}"), ..Choice::default() };
            let usage = Usage { total_tokens: 7, ..Usage::default() };
            Ok(Reply {
                chat: ChatResponse { choices: vec![choice], usage: Some(usage), model: None },
                cache: None,
            })
        }

        async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
            self.call(call).await.map(StreamReply::replay)
        }
    }

    fn setup(ttl: Duration) -> (Arc<Counting>, Arc<CacheStage>, Arc<CacheStats>) {
        let upstream = Arc::new(Counting(AtomicUsize::new(0)));
        let caches = Caches::build(1 << 20, &[], Arc::new(CacheStats::default()));
        let stage = CacheStage::new(upstream.clone(), "c", Some("m"), ttl, &caches, None);
        (upstream, Arc::new(stage), caches.stats)
    }

    fn call(text: &str, mode: CacheMode) -> Call {
        let mut c = Call::new(ChatRequest {
            messages: vec![ChatMessage::text(Role::User, text)],
            ..Default::default()
        });
        c.cache = mode;
        c
    }

    async fn ask(stage: &CacheStage, text: &str, mode: CacheMode) -> (String, Option<CacheStatus>) {
        let r = stage.call(call(text, mode)).await.unwrap();
        (r.chat.choices[0].content.clone(), r.cache)
    }

    #[tokio::test]
    async fn miss_then_hit_with_stored_usage() {
        let (up, stage, stats) = setup(Duration::from_secs(60));
        assert_eq!(
            ask(&stage, "a", CacheMode::Normal).await,
            ("1: a".into(), Some(CacheStatus::Miss))
        );
        assert_eq!(
            ask(&stage, "a", CacheMode::Normal).await,
            ("1: a".into(), Some(CacheStatus::Hit))
        );
        assert_eq!(up.0.load(Ordering::SeqCst), 1);
        assert_eq!((stats.snapshot().hits, stats.snapshot().tokens_saved), (1, 7));
    }

    #[tokio::test]
    async fn no_cache_refreshes_and_no_store_bypasses() {
        let (up, stage, _) = setup(Duration::from_secs(60));
        ask(&stage, "a", CacheMode::Normal).await;
        assert_eq!(
            ask(&stage, "a", CacheMode::Refresh).await,
            ("2: a".into(), Some(CacheStatus::Miss))
        );
        assert_eq!(
            ask(&stage, "a", CacheMode::Normal).await,
            ("2: a".into(), Some(CacheStatus::Hit))
        );
        assert_eq!(
            ask(&stage, "a", CacheMode::Bypass).await,
            ("3: a".into(), Some(CacheStatus::Bypass))
        );
        assert_eq!(
            ask(&stage, "a", CacheMode::Normal).await,
            ("2: a".into(), Some(CacheStatus::Hit))
        );
        assert_eq!(up.0.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn errors_are_shared_but_not_cached() {
        let (up, stage, _) = setup(Duration::from_secs(60));
        let calls: Vec<_> = (0..20).map(|_| stage.call(call("fail", CacheMode::Normal))).collect();
        let results = futures::future::join_all(calls).await;
        assert!(results.iter().all(Result::is_err));
        assert_eq!(up.0.load(Ordering::SeqCst), 1);
        assert!(stage.call(call("fail", CacheMode::Normal)).await.is_err());
        assert_eq!(up.0.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_identical_misses_make_one_call() {
        let (up, stage, stats) = setup(Duration::from_secs(60));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let stage = stage.clone();
                tokio::spawn(async move { ask(&stage, "same", CacheMode::Normal).await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().0, "1: same");
        }
        assert_eq!(up.0.load(Ordering::SeqCst), 1);
        let s = stats.snapshot();
        assert_eq!(s.misses + s.hits + s.coalesced, 50, "{s:?}");
    }

    #[tokio::test]
    async fn entries_expire() {
        let (up, stage, _) = setup(Duration::from_millis(60));
        ask(&stage, "a", CacheMode::Normal).await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(ask(&stage, "a", CacheMode::Normal).await.1, Some(CacheStatus::Miss));
        assert_eq!(up.0.load(Ordering::SeqCst), 2);
    }
}
