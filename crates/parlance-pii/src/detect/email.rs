//! E-mail addresses: found from each `@`, walking back over the local part and forward over a
//! dotted domain whose last label is an alphabetic TLD.

use crate::text::{at, before};

/// Whether `c` may appear in the local part.
fn local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

/// The span of the e-mail address around the `@` at `at_pos`, if there is one.
pub(crate) fn detect(b: &[u8], at_pos: usize) -> Option<(usize, usize)> {
    let start = local_start(b, at_pos)?;
    let end = domain_end(b, at_pos + 1)?;
    Some((start, end))
}

fn local_start(b: &[u8], at_pos: usize) -> Option<usize> {
    let mut s = at_pos;
    while s > 0 && local_byte(b[s - 1]) && at_pos - s < 64 {
        s -= 1;
    }
    while s < at_pos && matches!(b[s], b'.' | b'\'' | b'-' | b'+') {
        s += 1;
    }
    let ok = s < at_pos && b[at_pos - 1] != b'.' && before(b, s) < 0x80;
    ok.then_some(s)
}

fn domain_end(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut labels = 0;
    let mut last_alpha = false;
    let mut end = from;
    loop {
        let s = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        if i == s || b[s] == b'-' || b[i - 1] == b'-' {
            break;
        }
        labels += 1;
        last_alpha = i - s >= 2 && b[s..i].iter().all(u8::is_ascii_alphabetic);
        end = i;
        if at(b, i) != b'.' || !at(b, i + 1).is_ascii_alphanumeric() {
            break;
        }
        i += 1;
    }
    let ok = labels >= 2 && last_alpha && at(b, end) < 0x80 && at(b, end) != b'@';
    ok.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        let p = s.find('@')?;
        detect(s.as_bytes(), p).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn finds_addresses() {
        assert_eq!(find("my email is test@test.com"), Some("test@test.com"));
        assert_eq!(find("UPPER.Case+tag@Sub.Example.COM."), Some("UPPER.Case+tag@Sub.Example.COM"));
        assert_eq!(find("<john.doe@example.co.uk>"), Some("john.doe@example.co.uk"));
    }

    #[test]
    fn rejects_non_addresses() {
        assert_eq!(find("a@b"), None);
        assert_eq!(find("@home"), None);
        assert_eq!(find("user@localhost"), None);
        assert_eq!(find("x@1.2"), None);
    }
}
