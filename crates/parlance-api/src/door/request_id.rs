//! Request ids: the client's own when it sent a short printable one, else a fresh id that is
//! unique within the process and unpredictable across processes. Each door names its header
//! (`x-request-id` on the OpenAI door, `request-id` on the Anthropic door).

use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::header::AsHeaderName;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

/// The longest client id kept.
const MAX_CLIENT_ID: usize = 128;

/// The client's id in `name`, when it is a short printable value: a copy, not a slice of
/// the connection's read buffer (see [`super::body::release`]).
pub fn from_client(headers: &HeaderMap, name: impl AsHeaderName) -> Option<HeaderValue> {
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
    let mut hex = String::with_capacity(24);
    push_hex(&mut hex, mix(a.wrapping_add(n)), 16);
    push_hex(&mut hex, u64::from(b as u32), 8);
    hex
}

/// `prefix` then `hex` (`req_…`, `msg_…`), in one allocation (no formatting machinery:
/// ids are made several times per request).
pub fn prefixed(prefix: &str, hex: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + hex.len());
    id.push_str(prefix);
    id.push_str(hex);
    id
}

/// The low `digits` hex digits of `v`, zero-padded, lower case (as `{:0digits$x}`).
fn push_hex(out: &mut String, v: u64, digits: u32) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for i in (0..digits).rev() {
        out.push(char::from(DIGITS[((v >> (4 * i)) & 0xf) as usize]));
    }
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
    fn hex_digits_are_formats_own() {
        for v in [0, 1, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut s = String::new();
            push_hex(&mut s, v, 16);
            push_hex(&mut s, v & 0xffff_ffff, 8);
            assert_eq!(s, format!("{v:016x}{:08x}", v as u32));
        }
        assert_eq!(prefixed("req_", "ab"), "req_ab");
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
