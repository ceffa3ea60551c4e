//! MAC addresses: six hex pairs joined by one consistent `:` or `-`, or three hex quads joined
//! by `.` (Cisco style).

use crate::text::{at, before, is_word};

/// The span of a MAC address starting at the hex digit at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if is_word(before(b, i)) || matches!(before(b, i), b':' | b'-' | b'.') {
        return None;
    }
    let end = pairs(b, i).or_else(|| quads(b, i))?;
    let n = at(b, end);
    let tail_ok =
        !(is_word(n) || matches!(n, b':' | b'-' | b'.') && at(b, end + 1).is_ascii_hexdigit());
    tail_ok.then_some((i, end))
}

fn hex_run(b: &[u8], i: usize, n: usize) -> bool {
    b.len() >= i + n && b[i..i + n].iter().all(u8::is_ascii_hexdigit)
}

fn pairs(b: &[u8], i: usize) -> Option<usize> {
    let sep = at(b, i + 2);
    if !matches!(sep, b':' | b'-') {
        return None;
    }
    let ok = (0..6).all(|k| hex_run(b, i + 3 * k, 2) && (k == 5 || at(b, i + 3 * k + 2) == sep));
    ok.then_some(i + 17)
}

fn quads(b: &[u8], i: usize) -> Option<usize> {
    let ok = (0..3).all(|k| hex_run(b, i + 5 * k, 4) && (k == 2 || at(b, i + 5 * k + 4) == b'.'));
    ok.then_some(i + 14)
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        detect(s.as_bytes(), 0).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn macs() {
        assert_eq!(find("00:1A:2B:3C:4D:5E end"), Some("00:1A:2B:3C:4D:5E"));
        assert_eq!(find("00-1a-2b-3c-4d-5e."), Some("00-1a-2b-3c-4d-5e"));
        assert_eq!(find("0011.2233.4455"), Some("0011.2233.4455"));
        assert_eq!(find("00:1A:2B:3C:4D:5E:6F"), None);
        assert_eq!(find("00:1A-2B:3C:4D:5E"), None);
        assert_eq!(find("10:30:45"), None);
    }
}
