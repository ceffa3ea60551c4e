//! IBANs: a registered country code, two check digits and the country's BBAN length, written
//! solid or in blank-separated groups of four, accepted only when the ISO 7064 mod-97 check holds.

use crate::text::{at, before, is_word};

/// Country code and total IBAN length (SWIFT IBAN registry).
const LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// The span of an IBAN starting at the upper-case letter at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if is_word(before(b, i))
        || b.len() < i + 15
        || !at(b, i + 2).is_ascii_digit()
        || !at(b, i + 3).is_ascii_digit()
    {
        return None;
    }
    let cc = [b[i], b[i + 1]];
    let len = LENGTHS.iter().find(|(c, _)| **c == cc)?.1;
    let mut chars = [0u8; 34];
    let end = collect(b, i, len, &mut chars)?;
    (!is_word(at(b, end)) && mod97(&chars[..len])).then_some((i, end))
}

/// Collects `len` alphanumerics from `i`, allowing one blank after every group of four.
fn collect(b: &[u8], i: usize, len: usize, out: &mut [u8; 34]) -> Option<usize> {
    let mut j = i;
    for (k, slot) in out.iter_mut().enumerate().take(len) {
        if k > 0
            && k % 4 == 0
            && at(b, j) == b' '
            && at(b, j + 1).is_ascii_alphanumeric()
            && (j - i) % 5 == 4
        {
            j += 1;
        }
        let c = at(b, j);
        if !(c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return None;
        }
        *slot = c;
        j += 1;
    }
    Some(j)
}

/// ISO 7064 mod 97-10 over the rearranged IBAN.
fn mod97(s: &[u8]) -> bool {
    let mut rem = 0u32;
    for c in s[4..].iter().chain(&s[..4]) {
        rem = if c.is_ascii_digit() {
            (rem * 10 + u32::from(c - b'0')) % 97
        } else {
            (rem * 100 + u32::from(c - b'A') + 10) % 97
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        let i = s.find(|c: char| c.is_ascii_uppercase())?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn ibans() {
        assert_eq!(find("iban DE89370400440532013000 end"), Some("DE89370400440532013000"));
        assert_eq!(
            find("iban DE89 3704 0044 0532 0130 00 end"),
            Some("DE89 3704 0044 0532 0130 00")
        );
        assert_eq!(find("iban GB82 WEST 1234 5698 7654 32."), Some("GB82 WEST 1234 5698 7654 32"));
    }

    #[test]
    fn non_ibans() {
        assert_eq!(find("iban DE89370400440532013001 end"), None);
        assert_eq!(find("iban DE8937040044053201300"), None);
        assert_eq!(find("code ZZ89370400440532013000"), None);
    }
}
