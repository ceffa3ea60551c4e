//! Payment card numbers: 12–19 digits, bare or in groups joined by one consistent blank or `-`
//! (4-4-4-4, 4-6-5, 4-6-4, ...), with an issuer prefix that fits the length, and a valid Luhn
//! checksum.

use crate::text::{at, clean_end, continues_number, digits_end, glued_before, luhn};

/// The span of a card number starting at the digit at `i`, if any.
pub(crate) fn detect(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if glued_before(b, i) || continues_number(b, i) {
        return None;
    }
    let (end, n) = groups(b, i)?;
    let mut digits = [0u8; 19];
    for (slot, c) in digits.iter_mut().zip(b[i..end].iter().filter(|c| c.is_ascii_digit())) {
        *slot = *c;
    }
    let d = &digits[..n];
    (clean_end(b, end) && issuer_fits(d) && luhn(d)).then_some((i, end))
}

/// Reads digit groups joined by one consistent separator; returns (end, digit count).
fn groups(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut e = digits_end(b, i);
    let mut n = e - i;
    let first = n;
    let sep = at(b, e);
    let mut count = 1;
    while matches!(sep, b' ' | b'-') && at(b, e) == sep && at(b, e + 1).is_ascii_digit() {
        let g = digits_end(b, e + 1);
        n += g - e - 1;
        e = g;
        count += 1;
        if n > 19 {
            return None;
        }
    }
    let grouped_ok = count == 1 || (4..=6).contains(&first);
    ((12..=19).contains(&n) && grouped_ok).then_some((e, n))
}

/// Whether the leading digits name an issuer that uses this length.
fn issuer_fits(d: &[u8]) -> bool {
    let n = d.len();
    let p2 = u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0');
    let p4 = p2 * 100 + u32::from(d[2] - b'0') * 10 + u32::from(d[3] - b'0');
    match d[0] {
        b'4' => matches!(n, 13 | 16 | 19),
        b'3' => match p2 {
            34 | 37 => n == 15,
            35 => (16..=19).contains(&n),
            30 | 36 | 38 | 39 => (14..=19).contains(&n),
            _ => false,
        },
        b'5' => (51..=55).contains(&p2) && n == 16 || p2 == 50 || (56..=58).contains(&p2),
        b'2' => (2221..=2720).contains(&p4) && n == 16 || p4 == 2131 && n == 15,
        b'6' => n >= 12,
        b'1' => p4 / 1000 == 1 && n == 15,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn find(s: &str) -> Option<&str> {
        let i = s.find(|c: char| c.is_ascii_digit())?;
        detect(s.as_bytes(), i).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn cards() {
        assert_eq!(find("card 4111 1111 1111 1111 exp"), Some("4111 1111 1111 1111"));
        assert_eq!(find("card 4111-1111-1111-1111."), Some("4111-1111-1111-1111"));
        assert_eq!(find("card 6011553157232994"), Some("6011553157232994"));
        assert_eq!(find("amex 3782 822463 10005"), Some("3782 822463 10005"));
        assert_eq!(find("mc 5555555555554444"), Some("5555555555554444"));
    }

    #[test]
    fn non_cards() {
        assert_eq!(find("number 99999999999999999999"), None);
        assert_eq!(find("card 4111111111111112"), None);
        assert_eq!(find("id 1234567812345670"), None);
        assert_eq!(find("track 9400 1000 0000 0000 0000 00"), None);
        assert_eq!(find("isbn 9780306406157"), None);
        assert_eq!(find("code 0862 5810 3910 8164 9767 01"), None);
    }
}
