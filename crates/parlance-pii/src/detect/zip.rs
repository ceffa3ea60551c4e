//! ZIP codes, only where context says so: five digits (optionally `-dddd`) right after a US state
//! code or name, or within three words of "zip"/"postal code". A bare 5-digit number is not one.

use crate::detect::address_words::{STATE_CODE_KEYS, STATE_NAME_KEYS, STATE_SECOND_KEYS, contains};
use crate::text::{
    Key, any_word_before, at, before, clean_end, digits_end, glued_before, is_word, keys,
};

const CUE_WORDS: &[&str] = &["zip", "zipcode", "postal", "postcode", "zip4"];
const CUES: &[Key] = &keys(["zip", "zipcode", "postal", "postcode", "zip4"]);

/// The span of a ZIP code starting at the digit at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let end = shape(b, i)?;
    let ok = !glued_before(b, i)
        && clean_end(b, end)
        && (after_state(b, i)
            || crate::text::cue_before(b, i, 4, CUES)
            || after_po_box(b, i)
            || crate::text::cue_after(b, end, 4, CUE_WORDS));
    ok.then_some((i, end))
}

/// The end of `ddddd` or `ddddd-dddd` starting at `i`.
pub(crate) fn shape(b: &[u8], i: usize) -> Option<usize> {
    if digits_end(b, i) != i + 5 {
        return None;
    }
    let plus4 = at(b, i + 5) == b'-' && digits_end(b, i + 6) == i + 10;
    Some(if plus4 { i + 10 } else { i + 5 })
}

/// "PO Box 123, 94105": a five-digit number right after a box number.
fn after_po_box(b: &[u8], i: usize) -> bool {
    let mut k = 0;
    any_word_before(b, i, 2, |w| {
        k += 1;
        (k == 1 && !w.iter().all(u8::is_ascii_digit)) || (k == 2 && w == b"box")
    }) && k == 2
}

/// Whether the word just before `i` is a state code (in capitals) or a state name.
pub(crate) fn after_state(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(b[j - 1], b' ' | b',' | b'\t') && i - j < 3 {
        j -= 1;
    }
    if j == i || j < 2 || is_word(b[j - 1]) && !b[j - 1].is_ascii_alphabetic() {
        return false;
    }
    let code = b[j - 2].is_ascii_uppercase()
        && b[j - 1].is_ascii_uppercase()
        && !is_word(before(b, j - 2));
    if code {
        return contains(&STATE_CODE_KEYS, &b[j - 2..j]);
    }
    any_word_before(b, i, 1, |w| contains(&STATE_NAME_KEYS, w) || contains(&STATE_SECOND_KEYS, w))
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str, at: &str) -> Option<String> {
        let i = s.find(at)?;
        detect(s.as_bytes(), i).map(|(a, b)| s[a..b].to_string())
    }

    #[test]
    fn zips_with_context() {
        assert_eq!(find("zip 94105 and 94105-1234", "94105 ").as_deref(), Some("94105"));
        assert_eq!(find("zip 94105 and 94105-1234", "94105-").as_deref(), Some("94105-1234"));
        assert_eq!(find("Springfield, IL 62704", "6").as_deref(), Some("62704"));
        assert_eq!(find("Austin, Texas 73301.", "7").as_deref(), Some("73301"));
        assert_eq!(find("ZIP code: 10001", "1").as_deref(), Some("10001"));
        assert_eq!(find("the zip code is now 10001", "1").as_deref(), Some("10001"));
        assert_eq!(find("Is 05683 the right zip code?", "0").as_deref(), Some("05683"));
        assert_eq!(find("PO Box 47439, 63890.", "6").as_deref(), Some("63890"));
    }

    #[test]
    fn bare_numbers_are_not_zips() {
        assert_eq!(find("Order 12345 shipped", "1"), None);
        assert_eq!(find("Zürich résumé café 12345", "1"), None);
        assert_eq!(find("zip 123456", "1"), None);
        assert_eq!(find("in 12345 ways", "1"), None);
        assert_eq!(find("order 12345. Zip code later", "1"), None);
    }
}
