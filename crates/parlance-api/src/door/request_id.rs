//! Request ids: the client's own when it sent a short printable one, else a fresh id that is
//! unique within the process and unpredictable across processes. Each door names its header
//! (`x-request-id` on the OpenAI door, `request-id` on the Anthropic door).

use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

/// The longest client id kept.
const MAX_CLIENT_ID: usize = 128;

/// The client's id in `name`, when it is a short printable value: a copy, not a slice of
/// the connection's read buffer (see [`super::body::release`]).
pub fn from_client(headers: &HeaderMap, name: &str) -> Option<HeaderValue> {
    let v = headers.get(name)?;
    let ok =
        !v.is_empty() && v.len() <= MAX_CLIENT_ID && v.as_bytes().iter().all(u8::is_ascii_graphic);
    if !ok {
        return None;
    }
    HeaderValue::from_bytes(v.as_bytes()).ok()
}

/// `hex` (or `prefix` + `hex`) as a header value.
pub fn header_value(id: &str) -> HeaderValue {
    HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("unknown"))
}

/// Sets `name` on a response: the client's id (from `request`'s headers), else a fresh one.
pub fn stamp(mut resp: Response, request: &HeaderMap, name: &'static str) -> Response {
    let id = from_client(request, name).unwrap_or_else(|| header_value(&fresh_hex()));
    resp.headers_mut().insert(name, id);
    resp
}

/// 24 hex digits, unique within the process (a counter through a bijective mix, seeded at
/// random per process) and unpredictable across processes.
pub fn fresh_hex() -> String {
    static SEED: OnceLock<(u64, u64)> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (a, b) = *SEED.get_or_init(|| {
        let s = std::collections::hash_map::RandomState::new();
        (s.hash_one(1u64), s.hash_one(2u64))
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:08x}", mix(a.wrapping_add(n)), b as u32)
}

/// splitmix64's finaliser: a bijection on u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_hex() {
        let (a, b) = (fresh_hex(), fresh_hex());
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_clients_request_id_is_kept_when_printable() {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", HeaderValue::from_static("abc-123"));
        assert_eq!(from_client(&h, "x-request-id").unwrap(), "abc-123");
        h.insert("x-request-id", HeaderValue::from_static("a b"));
        assert!(from_client(&h, "x-request-id").is_none());
        h.insert("x-request-id", HeaderValue::from_str(&"a".repeat(129)).unwrap());
        assert!(from_client(&h, "x-request-id").is_none());
    }
}
