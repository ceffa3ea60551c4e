//! US social security numbers: `ddd-dd-dddd` (or blanks), with a valid area (not 000, 666 or
//! 900–999), group (not 00) and serial (not 0000); nine bare digits only after an "SSN" cue.

use crate::text::{Key, at, clean_end, cue_before, digits_end, glued_before, keys};

const CUES: &[Key] = &keys(["ssn", "social", "security", "ss"]);

/// The span of an SSN starting at the digit at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if glued_before(b, i) {
        return None;
    }
    let end = grouped(b, i).or_else(|| bare(b, i))?;
    let digit = |k: usize| u32::from(b[k] - b'0');
    let off = |k: usize| {
        if end - i == 9 { i + k } else { i + k + usize::from(k >= 3) + usize::from(k >= 5) }
    };
    let num = |from: usize, to: usize| (from..to).fold(0, |a, k| a * 10 + digit(off(k)));
    let (area, group, serial) = (num(0, 3), num(3, 5), num(5, 9));
    let valid = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    (valid && clean_end(b, end)).then_some((i, end))
}

fn grouped(b: &[u8], i: usize) -> Option<usize> {
    let sep = at(b, i + 3);
    let ok = matches!(sep, b'-' | b' ')
        && digits_end(b, i) == i + 3
        && digits_end(b, i + 4) == i + 6
        && at(b, i + 6) == sep
        && digits_end(b, i + 7) == i + 11;
    ok.then_some(i + 11)
}

fn bare(b: &[u8], i: usize) -> Option<usize> {
    (digits_end(b, i) == i + 9 && cue_before(b, i, 3, CUES)).then_some(i + 9)
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        let i = s.find(|c: char| c.is_ascii_digit())?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn ssns() {
        assert_eq!(find("My SSN is 123-45-6789"), Some("123-45-6789"));
        assert_eq!(find("ssn 123 45 6789."), Some("123 45 6789"));
        assert_eq!(find("ssn: 123456789"), Some("123456789"));
    }

    #[test]
    fn invalid_ssns() {
        assert_eq!(find("000-12-3456"), None);
        assert_eq!(find("666-12-3456"), None);
        assert_eq!(find("912-12-3456"), None);
        assert_eq!(find("123-00-3456"), None);
        assert_eq!(find("123-45-0000"), None);
        assert_eq!(find("order 123456789"), None);
        assert_eq!(find("123-45-67890"), None);
    }
}
