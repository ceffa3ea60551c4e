//! A person's initials written beside their name, as e-mail signs them: "Thx dp Debra
//! Perlingiere", "JS\nJohn Smith". Two or three letters, in any case, right before a name of as
//! many words whose first letters they are, name the same person, unless they spell a word
//! ("to\nTheodor Omar"). The test runs only where a name was found, so ordinary text pays
//! nothing.

use crate::names::Names;
use crate::text::is_word;

/// The span of the initials right before the name `b[s..e]` (blanks or one line break between),
/// if they are the first letters of the name's words.
pub(crate) fn before(b: &[u8], s: usize, e: usize, names: &Names) -> Option<(usize, usize)> {
    let mut firsts = [0u8; 3];
    let mut n = 0;
    let mut k = s;
    while k < e {
        if is_word(b[k]) && (k == s || !is_word(b[k - 1])) {
            if n == firsts.len() || !b[k].is_ascii_alphabetic() {
                return None;
            }
            firsts[n] = b[k].to_ascii_lowercase();
            n += 1;
        }
        k += 1;
    }
    if n < 2 {
        return None;
    }
    let mut ie = s;
    while ie > 0 && s - ie < 3 && matches!(b[ie - 1], b' ' | b'\n' | b'\r' | b'\t') {
        ie -= 1;
    }
    if ie == s || ie < n {
        return None;
    }
    let is = ie - n;
    let letters = &b[is..ie];
    let boundary = is == 0 || !is_word(b[is - 1]) && b[is - 1] != b'@' && b[is - 1] != b'.';
    let same = letters.iter().zip(&firsts[..n]).all(|(c, f)| c.to_ascii_lowercase() == *f);
    let ok = boundary
        && same
        && letters.iter().all(u8::is_ascii_alphabetic)
        && !names.is_common_word(letters)
        && !names.word(letters).is_not_name();
    ok.then_some((is, ie))
}

#[cfg(test)]
mod tests {
    use super::before;

    fn initials(t: &str, name: &str) -> Option<String> {
        let s = t.find(name).unwrap();
        let n = crate::names::shared();
        before(t.as_bytes(), s, s + name.len(), n).map(|(a, z)| t[a..z].to_string())
    }

    #[test]
    fn initials_that_spell_the_name_after_them() {
        assert_eq!(
            initials("Thx dp Debra Perlingiere", "Debra Perlingiere").as_deref(),
            Some("dp")
        );
        assert_eq!(
            initials("below.\nDp Debra Perlingiere", "Debra Perlingiere").as_deref(),
            Some("Dp")
        );
        assert_eq!(initials("JS\nJohn Smith", "John Smith").as_deref(), Some("JS"));
        assert_eq!(initials("x JAS John A Smith", "John A Smith").as_deref(), Some("JAS"));
    }

    #[test]
    fn other_words_before_a_name_stay() {
        assert_eq!(initials("to Debra Perlingiere", "Debra Perlingiere"), None);
        assert_eq!(initials("up Debra Perlingiere", "Debra Perlingiere"), None);
        assert_eq!(initials("dp Debra", "Debra"), None);
        assert_eq!(initials("adp Debra Perlingiere", "Debra Perlingiere"), None);
        assert_eq!(initials("x.dp Debra Perlingiere", "Debra Perlingiere"), None);
        assert_eq!(initials("the letter to\nTheodor Omar", "Theodor Omar"), None);
    }
}
