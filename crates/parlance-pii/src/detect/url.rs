//! URLs: `scheme://…` for common schemes, `www.…`, and git remotes `git@host:path`. The span runs
//! to the next blank or quote, minus trailing punctuation and an unbalanced closing bracket.

use crate::text::{at, before, is_word};

const SCHEMES: &[&str] =
    &["https://", "http://", "ftp://", "ftps://", "sftp://", "ssh://", "git://", "wss://", "ws://"];

/// The span of a URL starting at the word at `i` (a lower- or upper-case letter), if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if is_word(before(b, i)) {
        return None;
    }
    let rest = &b[i..];
    let head = SCHEMES
        .iter()
        .find(|s| rest.len() > s.len() && rest[..s.len()].eq_ignore_ascii_case(s.as_bytes()))
        .map(|s| s.len())
        .or_else(|| www(rest))
        .or_else(|| git_remote(rest))?;
    if !is_url_byte(at(rest, head)) {
        return None;
    }
    let end = trim(b, i, i + head + run(&rest[head..]));
    (end > i + head).then_some((i, end))
}

fn www(rest: &[u8]) -> Option<usize> {
    let ok = rest.len() > 6
        && rest[..4].eq_ignore_ascii_case(b"www.")
        && rest[4].is_ascii_alphanumeric();
    ok.then_some(4)
}

fn git_remote(rest: &[u8]) -> Option<usize> {
    if !rest.starts_with(b"git@") {
        return None;
    }
    let colon = rest.iter().take(80).position(|c| *c == b':')?;
    let host_ok =
        rest[4..colon].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'));
    (host_ok && colon > 5).then_some(colon + 1)
}

fn is_url_byte(c: u8) -> bool {
    c > b' ' && !matches!(c, b'"' | b'<' | b'>' | b'`' | b'\\' | b'{' | b'}' | b'|' | b'^' | 0x7f)
}

fn run(s: &[u8]) -> usize {
    s.iter().position(|c| !is_url_byte(*c)).unwrap_or(s.len())
}

/// Drops trailing sentence punctuation and closing brackets that have no opening partner.
fn trim(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start {
        let c = b[end - 1];
        let unbalanced = match c {
            b')' => count(&b[start..end], b'(') < count(&b[start..end], b')'),
            b']' => count(&b[start..end], b'[') < count(&b[start..end], b']'),
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
            _ => false,
        };
        if !unbalanced {
            break;
        }
        end -= 1;
    }
    end
}

fn count(s: &[u8], c: u8) -> usize {
    s.iter().filter(|x| **x == c).count()
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str, at: &str) -> Option<String> {
        let i = s.find(at)?;
        detect(s.as_bytes(), i).map(|(a, b)| s[a..b].to_string())
    }

    #[test]
    fn finds_urls() {
        let s = "visit https://example.com/path?q=1 now";
        assert_eq!(find(s, "https").as_deref(), Some("https://example.com/path?q=1"));
        let s = "see (https://en.wikipedia.org/wiki/Foo_(bar)).";
        assert_eq!(find(s, "https").as_deref(), Some("https://en.wikipedia.org/wiki/Foo_(bar)"));
        assert_eq!(find("go to www.example.com.", "www").as_deref(), Some("www.example.com"));
        let s = "repo git@github.com:dapr/dapr.git here";
        assert_eq!(find(s, "git@").as_deref(), Some("git@github.com:dapr/dapr.git"));
    }

    #[test]
    fn rejects_non_urls() {
        assert_eq!(find("http:// nothing", "http"), None);
        assert_eq!(find("xhttps://a.b", "https"), None);
        assert_eq!(find("the www is big", "www"), None);
    }
}
