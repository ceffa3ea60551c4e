//! The Responses door's store in Redis (`--responses-store`, a `state.redis` component), so
//! that every replica behind a load balancer serves the responses any of them stored.
//!
//! Bounded per entry: each key expires after its TTL (`--responses-ttl`, 30 days by default,
//! as OpenAI keeps them) and an entry larger than `--responses-max-entry-size` is not stored.
//! The caller's key is part of the Redis key, so one API key can neither read nor delete
//! another's responses (as in memory). Every call is bounded by the state component's
//! `cacheTimeout` (and a connection timeout as long); a failure is an [`Unreachable`] the door
//! turns into a degraded save (the answer still goes out) or a 503 for a look-up — never a
//! hang. After a failure Redis is left out for half a second (calls meanwhile fail at once)
//! and a warning is logged at most every 10 s. The connection manager connects lazily and
//! reconnects by itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parlance_core::Opaque;
use parlance_core::chat::Role;
use parlance_core::request::{FunctionCallIn, Message, ToolCallIn};
use parlance_pipeline::cache::RedisConfig;
use redis::aio::ConnectionManager;
use serde_json::{Value, json};

use super::store::Stored;

/// The default time a stored response is kept in Redis (OpenAI keeps them 30 days).
pub const DEFAULT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// The default bound on one stored entry (its body and its conversation, as JSON).
pub const DEFAULT_MAX_ENTRY: usize = 8 << 20;
/// How long Redis is left out after a failure (calls meanwhile are [`Unreachable`] at once,
/// so a slow Redis costs one timeout per back-off, not one per request).
const BACKOFF: Duration = Duration::from_millis(500);
/// The least time between two "store unreachable" warnings.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What the operator configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The `state.redis` component, validated.
    pub redis: RedisConfig,
    /// How long an entry is kept.
    pub ttl: Duration,
    /// The largest entry stored, in bytes of its JSON.
    pub max_entry: usize,
}

/// Redis did not answer, answered an error, or is not usable at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreachable;

/// The store: one lazily connected manager, shared by every request.
pub struct Shared {
    name: String,
    conn: Option<ConnectionManager>,
    timeout: Duration,
    ttl: Duration,
    max_entry: usize,
    epoch: Instant,
    down_until_ms: AtomicU64,
    last_warn_ms: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Shared {
    /// Sets up the connection without connecting (inside a Tokio runtime; outside one every
    /// call is [`Unreachable`]).
    pub fn connect(settings: &Settings) -> Shared {
        let conn = parlance_pipeline::cache::redis::manager(&settings.redis).map_err(|e| {
            tracing::warn!(store = %settings.redis.name, "responses store unusable: {e}");
        });
        Shared {
            name: settings.redis.name.clone(),
            conn: conn.ok(),
            timeout: settings.redis.timeout,
            ttl: settings.ttl,
            max_entry: settings.max_entry,
            epoch: Instant::now(),
            down_until_ms: AtomicU64::new(0),
            last_warn_ms: AtomicU64::new(0),
        }
    }

    /// The Redis key of `id` for `owner`: the owner hex-encoded, so no name can reach into
    /// another's keys.
    fn key(id: &str, owner: Option<&str>) -> String {
        let owner = match owner {
            None => "-".to_string(),
            Some(o) => o.bytes().map(|b| format!("{b:02x}")).collect(),
        };
        format!("parlance:v1:responses:{owner}:{id}")
    }

    /// Stores `stored` under `id` with the TTL; `Ok(false)` when it is over the entry bound.
    pub async fn insert(&self, id: &str, stored: &Stored) -> Result<bool, Unreachable> {
        let value = encode(stored);
        if value.len() > self.max_entry {
            return Ok(false);
        }
        let mut cmd = redis::cmd("SET");
        let ttl = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        cmd.arg(Shared::key(id, stored.owner.as_deref())).arg(value).arg("PX").arg(ttl);
        self.run::<()>(cmd).await.map(|()| true)
    }

    /// The response `id` of `owner`, when stored and not expired.
    pub async fn get(&self, id: &str, owner: Option<&str>) -> Result<Option<Stored>, Unreachable> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(Shared::key(id, owner));
        let bytes = self.run::<Option<Vec<u8>>>(cmd).await?;
        Ok(bytes.and_then(|b| decode(&b, owner)))
    }

    /// Deletes `id` of `owner`; whether it was there.
    pub async fn delete(&self, id: &str, owner: Option<&str>) -> Result<bool, Unreachable> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(Shared::key(id, owner));
        self.run::<i64>(cmd).await.map(|n| n > 0)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, Unreachable> {
        let mut conn = self.conn.clone().ok_or(Unreachable)?;
        if self.now_ms() < self.down_until_ms.load(Ordering::Relaxed) {
            return Err(Unreachable);
        }
        match tokio::time::timeout(self.timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => self.failed(&e.to_string()),
            Err(_) => self.failed(&format!("no answer within {:?}", self.timeout)),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Leaves Redis out for [`BACKOFF`]; warns at most every [`WARN_EVERY`].
    fn failed<T>(&self, why: &str) -> Result<T, Unreachable> {
        let now = self.now_ms();
        self.down_until_ms.store(now + BACKOFF.as_millis() as u64, Ordering::Relaxed);
        let last = self.last_warn_ms.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= WARN_EVERY.as_millis() as u64;
        let swapped = || {
            let new = now.max(1);
            self.last_warn_ms.compare_exchange(last, new, Ordering::Relaxed, Ordering::Relaxed)
        };
        if due && swapped().is_ok() {
            tracing::warn!(store = %self.name, "responses store unreachable (saves skipped, look-ups answered 503): {why}");
        }
        Err(Unreachable)
    }
}

/// An entry as JSON: `{"body": <the Response text>, "conversation": [messages]}`.
fn encode(s: &Stored) -> Vec<u8> {
    let body = String::from_utf8_lossy(&s.body);
    let conversation: Vec<Value> = s.conversation.iter().map(message_json).collect();
    serde_json::to_vec(&json!({"body": body, "conversation": conversation})).unwrap_or_default()
}

fn decode(bytes: &[u8], owner: Option<&str>) -> Option<Stored> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let body = Bytes::from(v.get("body")?.as_str()?.to_string());
    let conversation =
        v.get("conversation")?.as_array()?.iter().map(message_of).collect::<Option<_>>()?;
    Some(Stored { owner: owner.map(str::to_string), body, conversation })
}

fn message_json(m: &Message) -> Value {
    match m {
        Message::Developer(t) => json!({"r": "developer", "t": t}),
        Message::System(t) => json!({"r": "system", "t": t}),
        Message::User(t) => json!({"r": "user", "t": t}),
        Message::Assistant { content, tool_calls } => {
            let calls: Vec<Value> = tool_calls
                .iter()
                .map(|c| {
                    let f = c.function.as_ref().map(|f| json!([f.name, f.arguments]));
                    json!({"id": c.id, "f": f})
                })
                .collect();
            json!({"r": "assistant", "t": content, "calls": calls})
        }
        Message::Tool { tool_id, name, content } => {
            json!({"r": "tool", "id": tool_id, "name": name, "t": content})
        }
        Message::Legacy { role, content } => {
            json!({"r": "legacy", "role": role_name(*role), "t": content})
        }
        Message::Opaque(o) => json!({"r": "opaque", "wire": o.wire, "json": o.json}),
        // Only the Anthropic door makes these; a stored Responses conversation has none.
        Message::Anthropic { .. } | Message::Unset => json!({"r": "unset"}),
    }
}

/// The alpha1 name [`Role::from_alpha1`] reads back.
fn role_name(r: Role) -> &'static str {
    match r {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
        Role::Function => "function",
        Role::Generic => "generic",
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|s| s.as_str().map(str::to_string)).collect()
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k)?.as_str().map(str::to_string)
}

fn message_of(v: &Value) -> Option<Message> {
    let t = || v.get("t").and_then(strings);
    Some(match v.get("r")?.as_str()? {
        "developer" => Message::Developer(t()?),
        "system" => Message::System(t()?),
        "user" => Message::User(t()?),
        "assistant" => {
            let calls = v.get("calls")?.as_array()?.iter().map(|c| {
                let function = c.get("f").and_then(Value::as_array).map(|f| FunctionCallIn {
                    name: f.first().and_then(Value::as_str).unwrap_or_default().to_string(),
                    arguments: f.get(1).and_then(Value::as_str).unwrap_or_default().to_string(),
                });
                ToolCallIn { id: text(c, "id"), function }
            });
            Message::Assistant { content: t()?, tool_calls: calls.collect() }
        }
        "tool" => Message::Tool { tool_id: text(v, "id"), name: text(v, "name")?, content: t()? },
        "legacy" => {
            Message::Legacy { role: Role::from_alpha1(&text(v, "role")?), content: text(v, "t")? }
        }
        "opaque" => Message::Opaque(Opaque { wire: text(v, "wire")?, json: text(v, "json")? }),
        "unset" => Message::Unset,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_kind_round_trips_through_json() {
        let conversation = vec![
            Message::System(vec!["sys".into()]),
            Message::Developer(vec!["dev".into()]),
            Message::User(vec!["a".into(), "b".into()]),
            Message::Opaque(Opaque::responses(
                r#"{"type":"reasoning","encrypted_content":"x"}"#.into(),
            )),
            Message::Assistant {
                content: vec!["t".into()],
                tool_calls: vec![
                    ToolCallIn {
                        id: Some("call_1".into()),
                        function: Some(FunctionCallIn { name: "f".into(), arguments: "{}".into() }),
                    },
                    ToolCallIn { id: None, function: None },
                ],
            },
            Message::Tool {
                tool_id: Some("call_1".into()),
                name: "f".into(),
                content: vec!["r".into()],
            },
            Message::Unset,
        ];
        let s = Stored {
            owner: Some("k".into()),
            body: Bytes::from_static(b"{\"id\":1}"),
            conversation,
        };
        let back = decode(&encode(&s), Some("k")).unwrap();
        assert_eq!(back.conversation, s.conversation);
        assert_eq!(back.body, s.body);
        assert!(decode(b"{\"body\":\"x\",\"conversation\":[{\"r\":\"?\"}]}", None).is_none());
    }

    fn settings(port: u16) -> Settings {
        let redis = RedisConfig {
            name: "s".into(),
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            db: 0,
            timeout: Duration::from_millis(150),
        };
        Settings { redis, ttl: Duration::from_secs(60), max_entry: 1024 }
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_fast_and_backs_off() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let store = Shared::connect(&settings(port));
        let started = Instant::now();
        assert_eq!(store.get("resp_1", None).await.unwrap_err(), Unreachable);
        let first = started.elapsed();
        assert_eq!(store.delete("resp_1", None).await.unwrap_err(), Unreachable);
        assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
        assert!(store.down_until_ms.load(Ordering::Relaxed) > 0, "backing off after {first:?}");
    }

    #[tokio::test]
    async fn the_entry_bound_and_the_ttl_apply_on_a_real_redis() {
        let store = Shared::connect(&settings(6379));
        let id = format!("resp_unit_{}", std::process::id());
        let small_body = || Bytes::from_static(b"{}");
        let small = Stored { owner: Some("k".into()), body: small_body(), conversation: vec![] };
        assert_eq!(store.insert(&id, &small).await, Ok(true));
        let big = Stored {
            owner: Some("k".into()),
            body: Bytes::from("x".repeat(2048)),
            conversation: vec![],
        };
        assert_eq!(store.insert(&format!("{id}_big"), &big).await, Ok(false), "over max_entry");
        assert!(store.get(&format!("{id}_big"), Some("k")).await.unwrap().is_none());
        let back = store.get(&id, Some("k")).await.unwrap().unwrap();
        assert_eq!(back.body, small_body());
        assert!(store.get(&id, Some("j")).await.unwrap().is_none(), "another owner");
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(Shared::key(&id, Some("k")));
        let ttl: i64 = store.run(cmd).await.unwrap();
        assert!((59_000..=60_000).contains(&ttl), "{ttl}");
        assert_eq!(store.delete(&id, Some("k")).await, Ok(true));
    }

    #[test]
    fn owners_get_distinct_keys() {
        assert_ne!(Shared::key("resp_1", Some("a")), Shared::key("resp_1", Some("b")));
        assert_ne!(Shared::key("resp_1", None), Shared::key("resp_1", Some("-")));
        assert_ne!(Shared::key("x", Some("a:b")), Shared::key("b:x", Some("a")));
    }
}
