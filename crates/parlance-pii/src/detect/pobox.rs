//! Post-office boxes: "P.O. Box 123", "PO Box 123", "P O Box", "POB 123", "Post Office Box 123",
//! in any case, with an optional `#` before the number.

use crate::text::{at, digits_end, is_word, skip_blanks, word_at_ci};

/// The span of a PO box starting at the `P`/`p` at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if is_word(crate::text::before(b, i)) {
        return None;
    }
    let j = prefix(b, i)?;
    let mut k = skip_blanks(b, j, 2);
    if k == j && !at(b, k).is_ascii_digit() {
        return None;
    }
    if at(b, k) == b'#' {
        k = skip_blanks(b, k + 1, 1);
    }
    let mut e = digits_end(b, k);
    if e == k || e - k > 8 {
        return None;
    }
    // "P.O. Box 30100-00100": a box number with the postcode of its office (Kenya).
    if at(b, e) == b'-' && (5..=6).contains(&(digits_end(b, e + 1) - e - 1)) {
        e = digits_end(b, e + 1);
    }
    (!is_word(at(b, e))).then_some((i, e))
}

/// The end of the "PO Box" words starting at `i`.
fn prefix(b: &[u8], i: usize) -> Option<usize> {
    if word_at_ci(b, i, "post") {
        let j = skip_blanks(b, i + 4, 2);
        let k = skip_blanks(b, j + 6, 2);
        return (word_at_ci(b, j, "office") && word_at_ci(b, k, "box")).then_some(k + 3);
    }
    if word_at_ci(b, i, "pob") {
        return Some(i + 3);
    }
    let mut j = i + 1;
    j += usize::from(at(b, j) == b'.');
    j = skip_blanks(b, j, 1);
    if !matches!(at(b, j), b'o' | b'O') {
        return None;
    }
    j += 1;
    j += usize::from(at(b, j) == b'.');
    j = skip_blanks(b, j, 1);
    word_at_ci(b, j, "box").then_some(j + 3)
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        let i = s.find(['P', 'p'])?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn boxes() {
        assert_eq!(find("PO Box 123"), Some("PO Box 123"));
        assert_eq!(find("P.O. Box 1234, Austin"), Some("P.O. Box 1234"));
        assert_eq!(find("send to p.o.box 55"), Some("p.o.box 55"));
        assert_eq!(find("Post Office Box #77"), Some("Post Office Box #77"));
        assert_eq!(find("POB 9"), Some("POB 9"));
        assert_eq!(find("P.O. Box 30100-00100, Nairobi"), Some("P.O. Box 30100-00100"));
    }

    #[test]
    fn non_boxes() {
        assert_eq!(find("Pobox"), None);
        assert_eq!(find("PO Boxes"), None);
        assert_eq!(find("Post office"), None);
        assert_eq!(find("photo box 5"), None);
    }
}
