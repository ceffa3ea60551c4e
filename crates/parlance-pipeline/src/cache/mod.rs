//! The response cache (issue #5): Dapr's `responseCacheTTL`, made bounded, shared and
//! observable.
//!
//! - [`key`]: SHA-256 of the destructured, input-scrubbed request + component + model;
//! - [`memory`]: one byte-bounded moka cache for every component, per-entry TTL;
//! - [`redis`]: a Dapr `state.redis` component as the shared tier (`responseCacheStore`);
//! - [`codec`]: how a response is written to the shared tier;
//! - [`singleflight`]: one upstream call per burst of identical misses;
//! - [`stats`]: counters for the metrics endpoint.
//!
//! The stage that uses them is [`crate::stages::cache`].

pub mod codec;
pub mod key;
pub mod memory;
pub mod redis;
pub mod singleflight;
pub mod stats;

use std::collections::HashMap;
use std::sync::Arc;

pub use key::CacheKey;
pub use memory::MemoryCache;
pub use redis::{RedisConfig, RedisStore};
pub use stats::{CacheSnapshot, CacheStats};

/// The default bound of the in-memory cache: 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// What every component's cache stage shares: the memory tier, the Redis stores by
/// component name, and the counters.
#[derive(Debug, Clone)]
pub struct Caches {
    /// The in-memory tier.
    pub memory: MemoryCache,
    /// Shared stores, by `state.redis` component name.
    pub stores: HashMap<String, Arc<RedisStore>>,
    /// Counters.
    pub stats: Arc<CacheStats>,
}

impl Caches {
    /// Builds the tiers; Redis stores connect lazily, so this never waits for Redis.
    pub fn build(max_bytes: u64, stores: &[RedisConfig], stats: Arc<CacheStats>) -> Caches {
        let stores = stores
            .iter()
            .map(|c| (c.name.clone(), Arc::new(RedisStore::connect(c, stats.clone()))))
            .collect();
        Caches { memory: MemoryCache::new(max_bytes), stores, stats }
    }
}
