//! Stored responses (`store: true`, the default): what `previous_response_id` continues from
//! and `GET /v1/responses/{id}` returns. In memory, per process, and bounded three ways — a
//! count, a byte total and an age ([`Limits`]); past a bound the oldest go first, so the store
//! never holds more than its limits whatever the traffic. A response is stored for the caller
//! that made it: with API keys configured, only the same key reads (or deletes) it; another
//! key is told it does not exist. With `--responses-store`, [`Backend::Redis`] holds them
//! instead ([`super::shared`]), shared by every replica.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use parlance_core::request::Message;
use parlance_pipeline::telemetry::Telemetry;

use super::shared::{Shared, Unreachable};

/// How much the store may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most responses held.
    pub max_responses: usize,
    /// The most bytes held (reply bodies plus conversation text, roughly).
    pub max_bytes: usize,
    /// How long a response is kept.
    pub ttl: Duration,
}

impl Default for Limits {
    /// 10,000 responses, 256 MiB, one hour.
    fn default() -> Limits {
        Limits { max_responses: 10_000, max_bytes: 256 << 20, ttl: Duration::from_secs(3600) }
    }
}

/// One stored response.
#[derive(Debug)]
pub struct Stored {
    /// The API key that made it (`None` without keys, or with the master token).
    pub owner: Option<String>,
    /// The Response object as served.
    pub body: Bytes,
    /// The conversation so far, without instructions: what a follow-up continues from.
    pub conversation: Vec<Message>,
}

struct Entry {
    stored: Arc<Stored>,
    size: usize,
    at: Instant,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    /// Ids oldest first, one per entry.
    order: VecDeque<String>,
    bytes: usize,
}

/// The bounded store.
pub struct Store {
    limits: Limits,
    inner: Mutex<Inner>,
}

impl Store {
    /// An empty store with these limits.
    pub fn new(limits: Limits) -> Store {
        Store { limits, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // matters more than losing the store.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `stored` under `id`; false when it alone is larger than the byte limit.
    pub fn insert(&self, id: String, stored: Stored) -> bool {
        self.insert_at(id, stored, Instant::now())
    }

    fn insert_at(&self, id: String, stored: Stored, now: Instant) -> bool {
        let size = size_of(&id, &stored);
        if size > self.limits.max_bytes || self.limits.max_responses == 0 {
            return false;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.map.remove(&id) {
            inner.bytes -= old.size;
            inner.order.retain(|x| x != &id);
        }
        inner.bytes += size;
        inner.order.push_back(id.clone());
        inner.map.insert(id, Entry { stored: Arc::new(stored), size, at: now });
        self.evict(&mut inner, now);
        true
    }

    /// Drops the oldest entries until every bound holds.
    fn evict(&self, inner: &mut Inner, now: Instant) {
        while let Some(id) = inner.order.front() {
            let over =
                inner.map.len() > self.limits.max_responses || inner.bytes > self.limits.max_bytes;
            let entry = inner.map.get(id);
            let expired = entry.is_some_and(|e| now.duration_since(e.at) >= self.limits.ttl);
            if entry.is_some() && !over && !expired {
                break;
            }
            let Some(id) = inner.order.pop_front() else { break };
            if let Some(e) = inner.map.remove(&id) {
                inner.bytes -= e.size;
            }
        }
    }

    /// The response `id`, when it is stored, not expired, and `owner` made it.
    pub fn get(&self, id: &str, owner: Option<&str>) -> Option<Arc<Stored>> {
        self.get_at(id, owner, Instant::now())
    }

    fn get_at(&self, id: &str, owner: Option<&str>, now: Instant) -> Option<Arc<Stored>> {
        let mut inner = self.lock();
        self.evict(&mut inner, now);
        let e = inner.map.get(id)?;
        let fresh = now.duration_since(e.at) < self.limits.ttl;
        (fresh && e.stored.owner.as_deref() == owner).then(|| e.stored.clone())
    }

    /// Deletes `id` if `owner` made it; whether it was there.
    pub fn delete(&self, id: &str, owner: Option<&str>) -> bool {
        let mut inner = self.lock();
        let mine = inner.map.get(id).is_some_and(|e| e.stored.owner.as_deref() == owner);
        if mine && let Some(e) = inner.map.remove(id) {
            inner.bytes -= e.size;
            inner.order.retain(|x| x != id);
        }
        mine
    }

    /// (responses, bytes) held now.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.map.len(), inner.bytes)
    }
}

/// Where the door keeps stored responses: this process's memory, or Redis.
#[derive(Clone)]
pub enum Backend {
    /// The bounded in-memory [`Store`].
    Memory(Arc<Store>),
    /// The shared store (`--responses-store`).
    Redis(Arc<Shared>),
}

impl Backend {
    /// A fresh in-memory store with these limits.
    pub fn memory(limits: Limits) -> Backend {
        Backend::Memory(Arc::new(Store::new(limits)))
    }

    /// The response `id` of `owner`; [`Unreachable`] when Redis did not answer.
    pub async fn get(
        &self,
        id: &str,
        owner: Option<&str>,
    ) -> Result<Option<Arc<Stored>>, Unreachable> {
        match self {
            Backend::Memory(m) => Ok(m.get(id, owner)),
            Backend::Redis(r) => Ok(r.get(id, owner).await?.map(Arc::new)),
        }
    }

    /// Deletes `id` of `owner`; whether it was there.
    pub async fn delete(&self, id: &str, owner: Option<&str>) -> Result<bool, Unreachable> {
        match self {
            Backend::Memory(m) => Ok(m.delete(id, owner)),
            Backend::Redis(r) => r.delete(id, owner).await,
        }
    }
}

/// What an answer will be stored as, once it is complete: taken by the plain path and by the
/// stream encoder, which stores at `response.completed` (a failed answer is not stored).
pub struct Pending {
    /// The store.
    pub store: Backend,
    /// The caller's key, when keys are configured.
    pub owner: Option<String>,
    /// The conversation up to and including this turn's input (no instructions).
    pub history: Vec<Message>,
    /// Counts a save Redis refused (`parlance_responses_store_errors_total{op="save"}`).
    pub telemetry: Arc<Telemetry>,
}

impl Pending {
    /// Stores the answer `id` (its body as served, `reply` the items it adds to the
    /// conversation: its reasoning items, then the assistant turn). In memory it is stored
    /// at once; for Redis the returned write is to be awaited (or spawned by a stream). A
    /// write that fails is logged and counted; the answer itself is not affected.
    pub fn save(
        self,
        id: &str,
        body: Bytes,
        reply: Vec<Message>,
    ) -> Option<BoxFuture<'static, ()>> {
        let mut conversation = self.history;
        conversation.extend(reply);
        let stored = Stored { owner: self.owner, body, conversation };
        let redis = match self.store {
            Backend::Memory(m) => {
                if !m.insert(id.to_string(), stored) {
                    tracing::debug!("a response larger than the store's byte limit was not stored");
                }
                return None;
            }
            Backend::Redis(r) => r,
        };
        let (id, telemetry) = (id.to_string(), self.telemetry);
        Some(Box::pin(async move {
            match redis.insert(&id, &stored).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!("a response larger than the entry bound was not stored")
                }
                Err(Unreachable) => {
                    telemetry.responses_store_error("save");
                    tracing::debug!(response = %id, "the responses store is unreachable; not stored");
                }
            }
        }))
    }
}

/// The bytes an entry accounts for: its body, its conversation's text, and a little per
/// message and per entry for the structures around them.
fn size_of(id: &str, s: &Stored) -> usize {
    const PER_MESSAGE: usize = 64;
    const PER_ENTRY: usize = 256;
    let text: usize = s.conversation.iter().map(message_size).sum();
    PER_ENTRY + id.len() + s.body.len() + text + PER_MESSAGE * s.conversation.len()
}

fn message_size(m: &Message) -> usize {
    let texts = |t: &[String]| t.iter().map(String::len).sum::<usize>();
    match m {
        Message::Developer(t) | Message::System(t) | Message::User(t) => texts(t),
        Message::Assistant { content, tool_calls } => {
            let calls: usize = tool_calls
                .iter()
                .map(|c| {
                    let f = c.function.as_ref().map_or(0, |f| f.name.len() + f.arguments.len());
                    c.id.as_ref().map_or(0, String::len) + f
                })
                .sum();
            texts(content) + calls
        }
        Message::Tool { tool_id, name, content } => {
            tool_id.as_ref().map_or(0, String::len) + name.len() + texts(content)
        }
        Message::Legacy { content, .. } => content.len(),
        Message::Anthropic { .. } => 0,
        Message::Unset => 0,
        Message::Opaque(o) => o.json.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(owner: Option<&str>, text: &str) -> Stored {
        Stored {
            owner: owner.map(str::to_string),
            body: Bytes::from(format!("{{\"t\":\"{text}\"}}")),
            conversation: vec![Message::User(vec![text.to_string()])],
        }
    }

    fn limits(max_responses: usize, max_bytes: usize) -> Limits {
        Limits { max_responses, max_bytes, ttl: Duration::from_secs(60) }
    }

    #[test]
    fn a_response_is_read_back_by_its_owner_only() {
        let s = Store::new(Limits::default());
        assert!(s.insert("resp_1".into(), stored(Some("alice"), "hi")));
        assert!(s.get("resp_1", Some("alice")).is_some());
        assert!(s.get("resp_1", Some("bob")).is_none());
        assert!(s.get("resp_1", None).is_none());
        assert!(!s.delete("resp_1", Some("bob")));
        assert!(s.delete("resp_1", Some("alice")));
        assert!(s.get("resp_1", Some("alice")).is_none());
        assert_eq!(s.usage(), (0, 0));
    }

    #[test]
    fn the_count_bound_holds_oldest_first() {
        let s = Store::new(limits(3, usize::MAX));
        for i in 0..10 {
            s.insert(format!("resp_{i}"), stored(None, "x"));
            assert!(s.usage().0 <= 3);
        }
        assert!(s.get("resp_6", None).is_none());
        assert!(s.get("resp_7", None).is_some() && s.get("resp_9", None).is_some());
    }

    #[test]
    fn the_byte_bound_holds_and_an_oversized_entry_is_refused() {
        let one = size_of("resp_00", &stored(None, &"y".repeat(1000)));
        let s = Store::new(limits(1000, one * 5 / 2));
        for i in 0..20 {
            assert!(s.insert(format!("resp_{i:02}"), stored(None, &"y".repeat(1000))));
            assert!(s.usage().1 <= one * 5 / 2, "{:?}", s.usage());
        }
        assert_eq!(s.usage().0, 2);
        assert!(!s.insert("resp_big".into(), stored(None, &"z".repeat(10_000))));
        assert!(s.get("resp_big", None).is_none());
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let s = Store::new(limits(10, usize::MAX));
        let t0 = Instant::now();
        s.insert_at("resp_a".into(), stored(None, "a"), t0);
        assert!(s.get_at("resp_a", None, t0 + Duration::from_secs(59)).is_some());
        assert!(s.get_at("resp_a", None, t0 + Duration::from_secs(60)).is_none());
        assert_eq!(s.usage(), (0, 0), "an expired entry is gone, not only hidden");
    }

    #[test]
    fn replacing_an_id_keeps_the_byte_count_true() {
        let s = Store::new(limits(10, usize::MAX));
        s.insert("resp_a".into(), stored(None, "a"));
        let once = s.usage();
        s.insert("resp_a".into(), stored(None, "a"));
        assert_eq!(s.usage(), once);
        s.delete("resp_a", None);
        s.insert("resp_b".into(), stored(None, "b"));
        assert_eq!(s.usage().0, 1);
    }
}
