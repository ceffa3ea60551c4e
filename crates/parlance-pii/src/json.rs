//! Rewriting the string values of a JSON document in place: everything outside the strings
//! (keys, numbers, layout) stays byte for byte, each rewritten string is re-escaped, so the output
//! stays valid JSON.

use std::borrow::Cow;

/// Which strings to rewrite.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strings {
    /// Only values (tool-call arguments: keys are schema, not data).
    Values,
    /// Keys and values.
    All,
}

/// Whether `json` parses as one JSON document.
pub(crate) fn is_json(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json).is_ok()
}

/// Applies `f` to the decoded content of each selected string of the valid JSON `json`.
pub(crate) fn map_strings<'a>(
    json: &'a str,
    which: Strings,
    mut f: impl FnMut(&str) -> Cow<'_, str>,
) -> Cow<'a, str> {
    let b = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'"', &b[i..]) {
        let s = i + p;
        let e = string_end(b, s + 1);
        i = e + 1;
        if which == Strings::Values && is_key(b, i) {
            continue;
        }
        let literal = &json[s..=e.min(b.len() - 1)];
        let Some(replaced) = rewrite(literal, &mut f) else { continue };
        let o = out.get_or_insert_with(|| String::with_capacity(json.len() + 64));
        o.push_str(&json[copied..s]);
        o.push_str(&replaced);
        copied = i.min(b.len());
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut o) => {
            o.push_str(&json[copied..]);
            Cow::Owned(o)
        }
    }
}

/// The index of the closing quote of the string whose content starts at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    b.len().saturating_sub(1)
}

/// Whether the string that ended just before `i` is an object key.
fn is_key(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i < b.len() && b[i] == b':'
}

/// The re-encoded literal if `f` changed the decoded content.
fn rewrite(literal: &str, f: &mut impl FnMut(&str) -> Cow<'_, str>) -> Option<String> {
    let decoded: Cow<'_, str> = if literal.contains('\\') {
        Cow::Owned(serde_json::from_str::<String>(literal).ok()?)
    } else {
        Cow::Borrowed(literal.get(1..literal.len().saturating_sub(1))?)
    };
    match f(&decoded) {
        Cow::Borrowed(_) => None,
        Cow::Owned(new) => serde_json::to_string(&new).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Strings, is_json, map_strings};
    use std::borrow::Cow;

    fn upper(s: &str) -> Cow<'_, str> {
        if s.contains('x') { Cow::Owned(s.replace('x', "\"X\"")) } else { Cow::Borrowed(s) }
    }

    #[test]
    fn rewrites_values_keeps_keys_and_layout() {
        let j = r#"{ "x": "a x", "n": [1, "x\n"], "k": "none" }"#;
        let out = map_strings(j, Strings::Values, upper);
        assert_eq!(out, r#"{ "x": "a \"X\"", "n": [1, "\"X\"\n"], "k": "none" }"#);
        assert!(is_json(&out));
        assert!(matches!(map_strings(r#"{"a":"b"}"#, Strings::Values, upper), Cow::Borrowed(_)));
        assert_eq!(map_strings(r#"{"x":1}"#, Strings::All, upper), r#"{"\"X\"":1}"#);
    }
}
