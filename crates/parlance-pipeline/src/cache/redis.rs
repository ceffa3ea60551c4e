//! The shared tier: a Dapr `state.redis` component used as the response store, so replicas
//! share hits and a restart keeps them.
//!
//! Redis is never a single point of failure. Every call is bounded by a short timeout
//! (`cacheTimeout` on the state component, default 150 ms); a failure or timeout makes the
//! request bypass the store, counts a `redis_errors`, logs a warning at most every 10 s, and
//! keeps Redis out of the path for a short back-off. The redis crate's `ConnectionManager`
//! connects lazily (start-up never waits for Redis) and reconnects by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parlance_config::Metadata;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};

use super::key::CacheKey;
use super::stats::CacheStats;

/// The Dapr component type this store reads.
pub const STATE_REDIS: &str = "state.redis";
/// The default bound on one Redis call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(150);
/// How long Redis is left out after a failure before it is tried again.
const BACKOFF: Duration = Duration::from_millis(500);
/// The least time between two "store unavailable" warnings.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// A validated `state.redis` component (no I/O yet).
#[derive(Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// The state component's `metadata.name`.
    pub name: String,
    /// `redisHost`, host part.
    pub host: String,
    /// `redisHost`, port part (default 6379).
    pub port: u16,
    /// `redisUsername`.
    pub username: Option<String>,
    /// `redisPassword`.
    pub password: Option<String>,
    /// `redisDB`.
    pub db: i64,
    /// `cacheTimeout`: the bound on one Redis call.
    pub timeout: Duration,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("db", &self.db)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Reads a `state.redis` component's metadata; problems are `"<key>: <message>"`.
pub fn validate(name: &str, meta: &Metadata) -> Result<RedisConfig, Vec<String>> {
    let mut problems = Vec::new();
    let (host, port) = match meta.get("redisHost").map(str::trim).filter(|h| !h.is_empty()) {
        None => {
            problems.push("redisHost: is required (e.g. localhost:6379)".to_string());
            (String::new(), 6379)
        }
        Some(h) => split_host(h).unwrap_or_else(|e| {
            problems.push(format!("redisHost: {e}"));
            (String::new(), 6379)
        }),
    };
    let mut note = |r: Result<(), String>| r.unwrap_or_else(|e| problems.push(e));
    note(unsupported(meta));
    let db = meta.u64("redisDB").map_err(|e| format!("redisDB: {e}"));
    let timeout = meta.duration("cacheTimeout").map_err(|e| format!("cacheTimeout: {e}"));
    let db = db.unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let timeout = timeout.unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let text = |k: &str| meta.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let config = RedisConfig {
        name: name.to_string(),
        host,
        port,
        username: text("redisUsername"),
        password: text("redisPassword"),
        db: i64::try_from(db.unwrap_or(0)).unwrap_or(i64::MAX),
        timeout: timeout.filter(|t| !t.is_zero()).unwrap_or(DEFAULT_TIMEOUT),
    };
    if problems.is_empty() { Ok(config) } else { Err(problems) }
}

/// Settings of Dapr's Redis store that this build does not speak yet: refused, not ignored.
fn unsupported(meta: &Metadata) -> Result<(), String> {
    if meta.bool("enableTLS").ok().flatten() == Some(true) {
        return Err("enableTLS: TLS to Redis is not supported by this build of parlance yet".into());
    }
    if meta.bool("failover").ok().flatten() == Some(true) {
        return Err(
            "failover: Redis Sentinel is not supported as a response cache store yet".into()
        );
    }
    match meta.get("redisType").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("node") => Ok(()),
        Some(other) => Err(format!(
            "redisType: {other:?} is not supported as a response cache store (only \"node\")"
        )),
    }
}

/// `host`, `host:port`, `[v6]:port`.
fn split_host(h: &str) -> Result<(String, u16), String> {
    let (host, port) = match h.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => (host, Some(port)),
        _ => (h, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = match port {
        None => 6379,
        Some(p) => p.parse().map_err(|_| format!("invalid port {p:?} in {h:?}"))?,
    };
    if host.is_empty() {
        return Err(format!("no host in {h:?}"));
    }
    Ok((host.to_string(), port))
}

/// What a look-up found.
#[derive(Debug)]
pub enum Lookup {
    /// The stored bytes.
    Found(Vec<u8>),
    /// Nothing stored under the key.
    Absent,
    /// Redis failed, timed out or is backing off: bypass.
    Unavailable,
}

/// One `state.redis` component as a response store.
pub struct RedisStore {
    name: String,
    conn: Option<ConnectionManager>,
    timeout: Duration,
    stats: Arc<CacheStats>,
    epoch: Instant,
    down_until_ms: AtomicU64,
    last_warn_ms: AtomicU64,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("name", &self.name).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Sets up the connection manager without connecting (must run inside a Tokio runtime;
    /// outside one, or with an unusable address, the store is always unavailable).
    pub fn connect(config: &RedisConfig, stats: Arc<CacheStats>) -> RedisStore {
        let conn = manager(config).map_err(|e| {
            tracing::warn!(store = %config.name, "response cache store disabled: {e}");
        });
        RedisStore {
            name: config.name.clone(),
            conn: conn.ok(),
            timeout: config.timeout,
            stats,
            epoch: Instant::now(),
            down_until_ms: AtomicU64::new(0),
            last_warn_ms: AtomicU64::new(0),
        }
    }

    /// The Redis key of a response: versioned and namespaced by component.
    pub fn key(component: &str, key: &CacheKey) -> String {
        format!("parlance:v1:resp:{component}:{}", key.hex())
    }

    /// `GET key`, bounded.
    pub async fn get(&self, key: &str) -> Lookup {
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        match self.run::<Option<Vec<u8>>>(cmd).await {
            Some(Some(bytes)) => Lookup::Found(bytes),
            Some(None) => Lookup::Absent,
            None => Lookup::Unavailable,
        }
    }

    /// `SET key value [PX ttl]`, bounded; whether it was stored.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> bool {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        }
        self.run::<()>(cmd).await.is_some()
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Option<T> {
        let mut conn = self.conn.clone().filter(|_| self.available())?;
        let result = tokio::time::timeout(self.timeout, cmd.query_async::<T>(&mut conn)).await;
        match result {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => self.failed(&e.to_string()),
            Err(_) => self.failed(&format!("no answer within {:?}", self.timeout)),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn available(&self) -> bool {
        self.now_ms() >= self.down_until_ms.load(Ordering::Relaxed)
    }

    fn failed<T>(&self, why: &str) -> Option<T> {
        self.stats.redis_error();
        let now = self.now_ms();
        self.down_until_ms.store(now + BACKOFF.as_millis() as u64, Ordering::Relaxed);
        let last = self.last_warn_ms.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= WARN_EVERY.as_millis() as u64;
        if due
            && self
                .last_warn_ms
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(store = %self.name, "response cache store unavailable, requests bypass it: {why}");
        }
        None
    }
}

/// A lazily connecting manager for `config` (no retries; every call bounded by its timeout);
/// an error outside a Tokio runtime or for an unusable address.
pub fn manager(config: &RedisConfig) -> Result<ConnectionManager, String> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err("no async runtime".into());
    }
    let mut redis = RedisConnectionInfo::default().set_db(config.db);
    if let Some(u) = &config.username {
        redis = redis.set_username(u);
    }
    if let Some(p) = &config.password {
        redis = redis.set_password(p);
    }
    let addr = ConnectionAddr::Tcp(config.host.clone(), config.port);
    let info = addr.into_connection_info().map_err(|e| e.to_string())?.set_redis_settings(redis);
    let client = redis::Client::open(info).map_err(|e| e.to_string())?;
    let cfg = ConnectionManagerConfig::new()
        .set_number_of_retries(0)
        .set_connection_timeout(Some(config.timeout))
        .set_response_timeout(Some(config.timeout));
    ConnectionManager::new_lazy_with_config(client, cfg).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dapr_metadata_is_read() {
        let m = Metadata::from_pairs(&[
            ("redisHost", "redis.local:6380"),
            ("redisPassword", "s3cret"),
            ("redisDB", "2"),
            ("cacheTimeout", "50ms"),
        ]);
        let c = validate("statestore", &m).unwrap();
        assert_eq!((c.host.as_str(), c.port, c.db), ("redis.local", 6380, 2));
        assert_eq!(c.timeout, Duration::from_millis(50));
        assert_eq!(c.password.as_deref(), Some("s3cret"));
        assert!(!format!("{c:?}").contains("s3cret"));
        let c = validate("s", &Metadata::from_pairs(&[("redisHost", "[::1]:7000")])).unwrap();
        assert_eq!((c.host.as_str(), c.port, c.timeout), ("::1", 7000, DEFAULT_TIMEOUT));
        let c = validate("s", &Metadata::from_pairs(&[("redisHost", "localhost")])).unwrap();
        assert_eq!(c.port, 6379);
    }

    #[test]
    fn every_problem_is_reported() {
        let m = Metadata::from_pairs(&[
            ("redisHost", "h:port"),
            ("enableTLS", "true"),
            ("redisDB", "x"),
            ("cacheTimeout", "soon"),
        ]);
        let e = validate("s", &m).unwrap_err();
        let keys: Vec<&str> = e.iter().filter_map(|p| p.split(':').next()).collect();
        assert_eq!(keys, ["redisHost", "enableTLS", "redisDB", "cacheTimeout"], "{e:?}");
        assert!(validate("s", &Metadata::from_pairs(&[])).is_err());
    }

    #[tokio::test]
    async fn an_unreachable_store_is_unavailable_quickly() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let m = Metadata::from_pairs(&[("redisHost", &format!("127.0.0.1:{port}"))]);
        let stats = Arc::new(CacheStats::default());
        let store = RedisStore::connect(&validate("s", &m).unwrap(), stats.clone());
        let started = Instant::now();
        assert!(matches!(store.get("k").await, Lookup::Unavailable));
        assert!(matches!(store.get("k").await, Lookup::Unavailable), "backing off");
        assert!(!store.set("k", b"v", None).await);
        assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
        assert_eq!(
            stats.snapshot().redis_errors,
            1,
            "calls skipped while backing off are not errors"
        );
    }
}
