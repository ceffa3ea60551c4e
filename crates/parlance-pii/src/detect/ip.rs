//! IP addresses, parsed rather than pattern-guessed: IPv4 as four decimal octets <= 255, IPv6
//! through [`std::net::Ipv6Addr`]. A dotted quad after "version", "v" or "build" is a version.

use crate::text::{Key, at, before, cue_before, digits_end, is_word, keys};
use std::net::Ipv6Addr;

const VERSION_CUES: &[Key] = &keys([
    "version", "versions", "ver", "v", "release", "build", "firmware", "fw", "rev", "upgraded",
    "upgrade", "updated", "update", "patch", "sdk", "driver", "kernel", "library", "package",
    "tag", "bumped",
]);

/// The span of an IPv4 address starting at the digit at `i`, if any.
pub(crate) fn detect_v4(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if is_word(before(b, i)) || before(b, i) == b'.' {
        return None;
    }
    let mut j = i;
    for k in 0..4 {
        let e = digits_end(b, j);
        if e == j || e - j > 3 || octet(&b[j..e]) > 255 {
            return None;
        }
        j = e;
        if k < 3 {
            if at(b, j) != b'.' {
                return None;
            }
            j += 1;
        }
    }
    let tail_ok = !(is_word(at(b, j)) || at(b, j) == b'.' && at(b, j + 1).is_ascii_digit());
    (tail_ok && !cue_before(b, i, 2, VERSION_CUES)).then_some((i, j))
}

fn octet(d: &[u8]) -> u32 {
    d.iter().fold(0, |a, c| a * 10 + u32::from(c - b'0'))
}

/// The span of an IPv6 address starting at `i` (a hex digit or the first `:` of `::`), if any.
pub(crate) fn detect_v6(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if is_word(before(b, i)) || matches!(before(b, i), b':' | b'.') {
        return None;
    }
    let mut e = i;
    while e < b.len() && e - i < 45 && (b[e].is_ascii_hexdigit() || matches!(b[e], b':' | b'.')) {
        e += 1;
    }
    if is_word(at(b, e)) {
        return None;
    }
    while e > i && b[e - 1] == b'.' {
        e -= 1;
    }
    if e > i + 1 && b[e - 1] == b':' && b[e - 2] != b':' {
        e -= 1;
    }
    let s = std::str::from_utf8(&b[i..e]).ok()?;
    let colons = s.bytes().filter(|c| *c == b':').count();
    (colons >= 2 && s.parse::<Ipv6Addr>().is_ok()).then_some((i, e))
}

#[cfg(test)]
mod tests {
    use super::{detect_v4, detect_v6};

    fn v4(s: &str, at: usize) -> Option<&str> {
        detect_v4(s.as_bytes(), at).map(|(a, b)| &s[a..b])
    }

    fn v6(s: &str, at: usize) -> Option<&str> {
        detect_v6(s.as_bytes(), at).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn ipv4() {
        assert_eq!(v4("from 10.8.9.1", 5), Some("10.8.9.1"));
        assert_eq!(v4("ip 192.168.1.1:8080", 3), Some("192.168.1.1"));
        assert_eq!(v4("ip 255.255.255.255.", 3), Some("255.255.255.255"));
        assert_eq!(v4("256.1.1.1", 0), None);
        assert_eq!(v4("version 1.2.3.4", 8), None);
        assert_eq!(v4("1.2.3.4.5", 0), None);
        assert_eq!(v4("1.2.3", 0), None);
    }

    #[test]
    fn ipv6() {
        assert_eq!(
            v6("2001:0db8:85a3:0000:0000:8a2e:0370:7334 end", 0),
            Some("2001:0db8:85a3:0000:0000:8a2e:0370:7334")
        );
        assert_eq!(v6("::1 loopback", 0), Some("::1"));
        assert_eq!(v6("a::b", 0), Some("a::b"));
        assert_eq!(v6("fe80::1.", 0), Some("fe80::1"));
        assert_eq!(v6("10:30:45", 0), None);
        assert_eq!(v6("00:1A:2B:3C:4D:5E", 0), None);
        assert_eq!(v6("deadbeef", 0), None);
    }
}
