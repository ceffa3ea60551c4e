//! Byte-level helpers shared by the detectors: word boundaries, digit runs, and looking at the
//! words before a position (context cues). Everything works on ASCII bytes; any byte >= 0x80 is
//! treated as part of a word, so spans never split a UTF-8 sequence.

/// Whether `b` belongs to a word (ASCII alphanumeric, `_`, or any non-ASCII byte).
pub(crate) fn is_word(b: u8) -> bool {
    WORD[usize::from(b)]
}

/// [`is_word`] as a table: one load per byte in the hot loop.
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_word_const(i as u8);
        i += 1;
    }
    t
};

/// [`is_word`] for tables built at compile time.
pub(crate) const fn is_word_const(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The end of the word starting at `i`; a written-out letter escape (`Ren\u00e9`, see
/// [`escape_at`]) does not end it.
#[inline]
pub(crate) fn word_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && is_word(b[j]) {
        j += 1;
    }
    if at(b, j) == b'\\' { word_end_escaped(b, j) } else { j }
}

/// [`word_end`] from a backslash at `j`: on across letter escapes (rare, kept off the hot path).
#[inline(never)]
fn word_end_escaped(b: &[u8], mut j: usize) -> usize {
    while let Escape::Letter(len) = escape_at(b, j) {
        j += len;
        while j < b.len() && is_word(b[j]) {
            j += 1;
        }
    }
    j
}

/// The start of the word (a run of [`is_word`] bytes) that ends at `j`; `j` if none does.
/// The eight bytes before `j` are tested at once for ASCII letters, the rest byte by byte.
#[inline]
pub(crate) fn word_start(b: &[u8], mut j: usize) -> usize {
    if let Some(w) = b[..j].last_chunk::<8>() {
        j -= trailing_letters8(u64::from_le_bytes(*w));
    }
    while j > 0 && is_word(b[j - 1]) {
        j -= 1;
    }
    j
}

/// How many of the eight bytes of `x` (first byte lowest) are ASCII letters after the last
/// that is not.
#[inline(always)]
fn trailing_letters8(x: u64) -> usize {
    const L: u64 = 0x0101_0101_0101_0101;
    const H: u64 = 0x8080_8080_8080_8080;
    // With every high bit set, subtracting at most 0x7F per byte never borrows from the next:
    // the high bit of `(y - c * L)` says "low seven bits >= c"; `| 0x20` folds the capitals.
    let y = x | H | (0x20 * L);
    let letter = (y - 0x61 * L) & !(y - 0x7B * L) & !x & H;
    ((letter ^ H).leading_zeros() / 8) as usize
}

/// What a backslash in the text stands for when the text carries JSON- or code-escaped text
/// written out as characters (`Name:\nMarta`, `Ren\u00e9`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escape {
    /// Not a backslash, or one that escapes nothing known (`\\`, `\/`, `\x`, a surrogate).
    None,
    /// `\n`, `\r`, `\t`, `\"`, `\'` or a `\uXXXX` that is no word character: bytes between
    /// words.
    Blank(usize),
    /// A `\uXXXX` word character (a letter or digit, any non-ASCII character): part of a word.
    Letter(usize),
}

/// The escape starting at `i`, looking only at `b` (a backslash never looks behind it, so an
/// escaped backslash `\\n` reads as a backslash and a line break, as in doubly escaped JSON).
#[inline]
pub(crate) fn escape_at(b: &[u8], i: usize) -> Escape {
    if at(b, i) != b'\\' {
        return Escape::None;
    }
    match at(b, i + 1) {
        b'n' | b'r' | b't' | b'"' | b'\'' => Escape::Blank(2),
        b'u' => match unicode_escape(b, i) {
            Some(c) if is_word(c.encode_utf8(&mut [0; 4]).as_bytes()[0]) => Escape::Letter(6),
            Some(_) => Escape::Blank(6),
            None => Escape::None,
        },
        _ => Escape::None,
    }
}

/// The character of `\uXXXX` at `i` (four hex digits, no surrogate), if it is one.
fn unicode_escape(b: &[u8], i: usize) -> Option<char> {
    let hex = b.get(i + 2..i + 6)?;
    let mut cp = 0;
    for &c in hex {
        cp = cp * 16 + char::from(c).to_digit(16)?;
    }
    char::from_u32(cp)
}

/// `src` with its written-out escapes ([`escape_at`]) replaced by the characters they stand
/// for, written into `dst` (at least 4 longer than `src`); returns the written length.
/// [`raw_offset`] and [`unescaped_offset`] map offsets between the two.
pub(crate) fn unescape(src: &[u8], dst: &mut [u8]) -> usize {
    let mut n = 0;
    for (i, _) in Unescaped::new(src) {
        if n + 4 > dst.len() {
            break;
        }
        n += match escape_at(src, i) {
            Escape::None => {
                dst[n] = src[i];
                1
            }
            Escape::Blank(2) => {
                dst[n] = match src[i + 1] {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    c => c,
                };
                1
            }
            Escape::Blank(_) | Escape::Letter(_) => {
                unicode_escape(src, i).unwrap_or(' ').encode_utf8(&mut dst[n..n + 4]).len()
            }
        };
    }
    n
}

/// The offset in `src` of the byte `k` of its unescaped form ([`unescape`]); `src.len()` past
/// its end.
pub(crate) fn raw_offset(src: &[u8], k: usize) -> usize {
    let mut n = 0;
    for (i, _) in Unescaped::new(src) {
        let w = unescaped_len(src, i);
        if k < n + w {
            return i + (k - n);
        }
        n += w;
    }
    src.len()
}

/// The offset in the unescaped form of `src` of the character at offset `r` of `src` (the
/// first one starting at or after it).
pub(crate) fn unescaped_offset(src: &[u8], r: usize) -> usize {
    let mut n = 0;
    for (i, _) in Unescaped::new(src) {
        if i >= r {
            return n;
        }
        n += unescaped_len(src, i);
    }
    n
}

/// How many bytes the unescaped form of the character or escape at `i` has.
fn unescaped_len(src: &[u8], i: usize) -> usize {
    match escape_at(src, i) {
        Escape::None | Escape::Blank(2) => 1,
        _ => unicode_escape(src, i).map_or(1, char::len_utf8),
    }
}

/// The characters of a text with written-out escapes, as (offset, length in the text): a byte,
/// or a whole escape.
struct Unescaped<'s> {
    src: &'s [u8],
    i: usize,
}

impl<'s> Unescaped<'s> {
    fn new(src: &'s [u8]) -> Self {
        Unescaped { src, i: 0 }
    }
}

impl Iterator for Unescaped<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let i = self.i;
        if i >= self.src.len() {
            return None;
        }
        let len = match escape_at(self.src, i) {
            Escape::None => 1,
            Escape::Blank(len) | Escape::Letter(len) => len,
        };
        self.i += len;
        Some((i, len))
    }
}

/// The end of the run of ASCII digits starting at `i`.
pub(crate) fn digits_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    j
}

/// The byte at `i`, or 0 past the end.
pub(crate) fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or 0 at the start.
pub(crate) fn before(b: &[u8], i: usize) -> u8 {
    if i == 0 { 0 } else { b[i - 1] }
}

/// Whether the token starting at `i` is glued to a preceding code such as `ORD-1234`,
/// `v1.2`, `x_12` or `a/12` (so it is part of an identifier, not a standalone number).
pub(crate) fn glued_before(b: &[u8], i: usize) -> bool {
    let p = before(b, i);
    match p {
        b'$' | b'#' => true,
        b'-' | b'_' | b'/' | b'.' | b'\\' | b'=' => i >= 2 && is_word(b[i - 2]),
        _ => is_word(p),
    }
}

/// Whether the token at `i` continues a digit sequence ("0862 5810 …": the `5810` part), so
/// a detector must not start inside it.
pub(crate) fn continues_number(b: &[u8], i: usize) -> bool {
    i >= 2 && matches!(b[i - 1], b' ' | b'-' | b'.') && b[i - 2].is_ascii_digit()
}

/// Whether the span ending at `end` is cleanly terminated: not followed by a word byte, nor by
/// a separator and a digit (which would mean the number goes on).
pub(crate) fn clean_end(b: &[u8], end: usize) -> bool {
    let n = at(b, end);
    if is_word(n) {
        return false;
    }
    !(matches!(n, b'-' | b'.' | b'/' | b'_') && is_word(at(b, end + 1)))
}

/// Iterates over up to `max` words before `i` (nearest first), lower-cased into `buf`, calling
/// `f(word)`; stops early when `f` returns true, and returns whether it did.
pub(crate) fn any_word_before(
    b: &[u8],
    i: usize,
    max: usize,
    mut f: impl FnMut(&[u8]) -> bool,
) -> bool {
    let mut j = i;
    for _ in 0..max {
        while j > 0 && !is_word(b[j - 1]) {
            if b[j - 1] == b'\n' && j > 1 && b[j - 2] == b'\n' {
                return false;
            }
            j -= 1;
        }
        if j == 0 {
            return false;
        }
        let end = j;
        j = word_start(b, j);
        let mut buf = [0u8; 24];
        let w = &b[j..end];
        if w.len() > buf.len() {
            continue;
        }
        for (d, s) in buf.iter_mut().zip(w) {
            *d = s.to_ascii_lowercase();
        }
        if f(&buf[..w.len()]) {
            return true;
        }
    }
    false
}

/// Like [`any_word_before`], but within one clause: never across sentence punctuation, and
/// across a line break only right before `i` ("Regards,\nAnn").
pub(crate) fn any_word_in_clause_before(
    b: &[u8],
    i: usize,
    max: usize,
    mut f: impl FnMut(&[u8]) -> bool,
) -> bool {
    any_word_as_written_in_clause_before(b, i, max, |w| {
        let mut buf = [0u8; 24];
        for (d, s) in buf.iter_mut().zip(w) {
            *d = s.to_ascii_lowercase();
        }
        f(&buf[..w.len()])
    })
}

/// [`any_word_in_clause_before`] with the words as written (not folded to lower case), for
/// callers that compare them case-insensitively themselves (no copy per word). Words longer
/// than 24 bytes are passed over all the same.
pub(crate) fn any_word_as_written_in_clause_before(
    b: &[u8],
    i: usize,
    max: usize,
    mut f: impl FnMut(&[u8]) -> bool,
) -> bool {
    let mut j = i;
    for k in 0..max {
        while j > 0 && !is_word(b[j - 1]) {
            let c = b[j - 1];
            if matches!(c, b'.' | b'!' | b'?' | b';') || (k > 0 && c == b'\n') {
                return false;
            }
            j -= 1;
        }
        let end = j;
        j = word_start(b, j);
        if end == j {
            return false;
        }
        let w = &b[j..end];
        if w.len() <= 24 && f(w) {
            return true;
        }
    }
    false
}

/// A word folded into one integer: ASCII upper-cased, Latin-1 letters reduced to their base
/// letter (`é` -> `E`), apostrophes dropped; at most 16 bytes. Comparing keys replaces
/// case-insensitive string comparison and hashing strings on the hot path.
pub(crate) type Key = u128;

/// The key of `w`, if it has at most 16 folded bytes.
#[inline]
pub(crate) fn key(w: &[u8]) -> Option<Key> {
    ascii_key(w).or_else(|| key_folded(w))
}

/// How many of the eight bytes of `x` (first byte lowest) are ASCII lower-case letters before
/// the first that is not.
#[inline(always)]
pub(crate) fn lower_letters8(x: u64) -> usize {
    const L: u64 = 0x0101_0101_0101_0101;
    const H: u64 = 0x8080_8080_8080_8080;
    // With every high bit set, subtracting at most 0x7F per byte never borrows from the next:
    // the high bit of `(y - c * L)` says "low seven bits >= c".
    let y = x | H;
    let lower = (y - 0x61 * L) & !(y - 0x7B * L) & !x & H;
    ((lower ^ H).trailing_zeros() / 8) as usize
}

/// The key of a plain word, the usual case: at most 16 ASCII bytes, none of them an apostrophe
/// or NUL (which [`key`] drops). Then the key is simply the upper-cased bytes read as one
/// big-endian number, computed on eight bytes at a time (one or two loads, [`fold8`]); `None`
/// for any other word.
#[inline(always)]
pub(crate) fn ascii_key(w: &[u8]) -> Option<Key> {
    const H: u64 = 0x8080_8080_8080_8080;
    let n = w.len();
    if n <= 8 {
        if n == 0 {
            return Some(0);
        }
        let (x, special) = fold8(load8(w));
        let valid = H >> (8 * (8 - n)); // the high bits of the first `n` bytes
        return (special & valid == 0).then(|| Key::from(x.swap_bytes() >> (8 * (8 - n))));
    }
    if n > 16 {
        return None;
    }
    // The first eight bytes and the last eight (overlapping when fewer than 16).
    let (lo, lo_special) = fold8(u64::from_le_bytes(*w.first_chunk::<8>()?));
    let (hi, hi_special) = fold8(u64::from_le_bytes(*w.last_chunk::<8>()?));
    let tail = 8 * (n - 8);
    let tail_mask = if n == 16 { u64::MAX } else { (1 << tail) - 1 };
    ((lo_special | hi_special) == 0)
        .then(|| (Key::from(lo.swap_bytes()) << tail) | Key::from(hi.swap_bytes() & tail_mask))
}

/// The one to eight bytes of `w` as an integer (first byte lowest, the rest 0), read with at
/// most three loads.
#[inline(always)]
fn load8(w: &[u8]) -> u64 {
    let n = w.len();
    if n >= 4 {
        let lo = u64::from(u32::from_le_bytes(*w.first_chunk::<4>().unwrap_or(&[0; 4])));
        let hi = u64::from(u32::from_le_bytes(*w.last_chunk::<4>().unwrap_or(&[0; 4])));
        lo | hi << (8 * (n - 4))
    } else if n > 0 {
        u64::from(w[0])
            | u64::from(w[n / 2]) << (8 * (n / 2))
            | u64::from(w[n - 1]) << (8 * (n - 1))
    } else {
        0
    }
}

/// Eight bytes (first lowest) with the ASCII lower-case letters upper-cased, and the high bit
/// of every byte that [`ascii_key`] refuses (0x80 or more, `'`, NUL) in the second value.
#[inline(always)]
fn fold8(x: u64) -> (u64, u64) {
    const L: u64 = 0x0101_0101_0101_0101;
    const H: u64 = 0x8080_8080_8080_8080;
    // With every high bit set, subtracting at most 0x7F per byte never borrows from the next:
    // the high bit of `(y - c * L)` says "low seven bits >= c".
    let y = x | H;
    let lower = (y - 0x61 * L) & !(y - 0x7B * L) & !x & H;
    let nul = !(y - L);
    let apostrophe = !(((x ^ (0x27 * L)) | H) - L);
    (x - (lower >> 2), (x | nul | apostrophe) & H)
}

/// [`key`] byte by byte: folds Latin-1 letters, drops apostrophes, handles long words.
#[inline(never)]
fn key_folded(w: &[u8]) -> Option<Key> {
    let mut k: Key = 0;
    let mut n = 0;
    let mut j = 0;
    while j < w.len() {
        let c = w[j];
        j += 1;
        let folded = match c {
            b'\'' => continue,
            0xC3 if j < w.len() => {
                j += 1;
                fold_latin1(w[j - 1])
            }
            0x80.. => b'?',
            _ => c.to_ascii_uppercase(),
        };
        n += 1;
        if n > 16 {
            return None;
        }
        k = (k << 8) | Key::from(folded);
    }
    Some(k)
}

/// Folds the second byte of a UTF-8 `U+00C0..U+00FF` letter to its base letter (upper case).
fn fold_latin1(c: u8) -> u8 {
    const MAP: &[u8; 64] = b"AAAAAAACEEEEIIIIDNOOOOO?OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO?OUUUUYTY";
    MAP.get(usize::from(c.wrapping_sub(0x80))).copied().unwrap_or(b'?')
}

/// The keys of ASCII words, at compile time (for cue tables), sorted for binary search.
pub(crate) const fn keys<const N: usize>(words: [&str; N]) -> [Key; N] {
    sorted_keys(&words)
}

/// The keys of the ASCII words of `words` (`N` of them), sorted, at compile time.
pub(crate) const fn sorted_keys<const N: usize>(words: &[&str]) -> [Key; N] {
    assert!(words.len() == N, "N must be the number of words");
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        let w = words[i].as_bytes();
        let mut k: Key = 0;
        let mut j = 0;
        while j < w.len() {
            k = (k << 8) | w[j].to_ascii_uppercase() as Key;
            j += 1;
        }
        out[i] = k;
        i += 1;
    }
    // Insertion sort: the tables are small and this runs once, in the compiler.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && out[j - 1] > out[j] {
            let t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    out
}

/// Whether any of the `max` words before `i` has one of the `cues` keys (sorted, as made by
/// [`keys`]).
pub(crate) fn cue_before(b: &[u8], i: usize, max: usize, cues: &[Key]) -> bool {
    let mut j = i;
    for _ in 0..max {
        while j > 0 && !is_word(b[j - 1]) {
            if b[j - 1] == b'\n' && j > 1 && b[j - 2] == b'\n' {
                return false;
            }
            j -= 1;
        }
        let end = j;
        j = word_start(b, j);
        if end == j {
            return false;
        }
        if key(&b[j..end]).is_some_and(|k| cues.binary_search(&k).is_ok()) {
            return true;
        }
    }
    false
}

/// Whether one of the `max` words after `end` is one of `cues` (lower case), within the line.
pub(crate) fn cue_after(b: &[u8], end: usize, max: usize, cues: &[&str]) -> bool {
    let mut j = end;
    for _ in 0..max {
        while j < b.len() && !is_word(b[j]) {
            if matches!(b[j], b'\n' | b'.' | b'?' | b'!' | b';') {
                return false;
            }
            j += 1;
        }
        let e = word_end(b, j);
        if e == j {
            return false;
        }
        if cues.iter().any(|c| b[j..e].eq_ignore_ascii_case(c.as_bytes())) {
            return true;
        }
        j = e;
    }
    false
}

/// The word immediately before `i` (skipping blanks and punctuation), lower-cased into `buf`.
pub(crate) fn prev_word<'a>(b: &[u8], i: usize, buf: &'a mut [u8; 24]) -> &'a [u8] {
    let mut len = 0;
    any_word_before(b, i, 1, |w| {
        len = w.len();
        buf[..len].copy_from_slice(w);
        true
    });
    &buf[..len]
}

/// Skips one run of spaces or tabs (at most `max` bytes) from `i`; returns the new position.
pub(crate) fn skip_blanks(b: &[u8], i: usize, max: usize) -> usize {
    let mut j = i;
    while j < b.len() && j - i < max && matches!(b[j], b' ' | b'\t') {
        j += 1;
    }
    j
}

/// Whether `b[i..]` starts with `word` (ASCII case-insensitive) followed by a non-word byte.
pub(crate) fn word_at_ci(b: &[u8], i: usize, word: &str) -> bool {
    let w = word.as_bytes();
    b.len() >= i + w.len()
        && b[i..i + w.len()].eq_ignore_ascii_case(w)
        && !is_word(at(b, i + w.len()))
}

/// Luhn checksum over the ASCII digits of `digits` (other bytes ignored).
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    for d in digits.iter().rev().filter(|c| c.is_ascii_digit()) {
        let mut v = u32::from(d - b'0');
        if double {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
        double = !double;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`ascii_key`] byte by byte, as it was first written: the definition the word-at-a-time
    /// version must match.
    fn ascii_key_bytewise(w: &[u8]) -> Option<Key> {
        if w.len() > 16 {
            return None;
        }
        let mut k: Key = 0;
        let mut special = false;
        for &c in w {
            special |= c >= 0x80 || c == b'\'' || c == 0;
            k = (k << 8) | Key::from(c.to_ascii_uppercase());
        }
        (!special).then_some(k)
    }

    /// Byte strings of every length to 20 over an alphabet of every kind of byte the tests
    /// care about (letters at the range edges, digits, `_`, `'`, NUL, blanks, UTF-8 bytes),
    /// from a fixed pseudo-random sequence; plus every single byte and the words of the data.
    fn samples() -> Vec<Vec<u8>> {
        const ALPHABET: &[u8] = b"aAzZ`@[{09/:_'\0 -.\n\\\x7f\x80\xbf\xc3\xa9\xffmQ";
        let mut out: Vec<Vec<u8>> = (0..=255u8).map(|c| vec![c]).collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for len in 0..=20 {
            for _ in 0..400 {
                let w = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        ALPHABET[(x % ALPHABET.len() as u64) as usize]
                    })
                    .collect();
                out.push(w);
            }
        }
        let data = include_str!("../data/english_words.txt").lines();
        out.extend(data.chain(include_str!("../data/intl_surnames.txt").lines()).map(|w| {
            let mut v = w.as_bytes().to_vec();
            v.extend_from_slice(b" tail");
            v
        }));
        out
    }

    #[test]
    fn lower_letters8_counts_the_leading_letters() {
        for w in samples().iter().filter_map(|w| w.first_chunk::<8>()) {
            let expected = w.iter().take_while(|c| c.is_ascii_lowercase()).count();
            assert_eq!(lower_letters8(u64::from_le_bytes(*w)), expected, "{w:?}");
        }
    }

    #[test]
    fn word_start_matches_the_byte_loop() {
        for w in samples() {
            for j in 0..=w.len() {
                let mut s = j;
                while s > 0 && is_word(w[s - 1]) {
                    s -= 1;
                }
                assert_eq!(word_start(&w, j), s, "{w:?} {j}");
            }
        }
    }

    #[test]
    fn ascii_key_matches_its_definition() {
        for w in samples() {
            for n in 0..=w.len() {
                assert_eq!(ascii_key(&w[..n]), ascii_key_bytewise(&w[..n]), "{:?}", &w[..n]);
            }
        }
    }

    #[test]
    fn luhn_known_values() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"4111 1111 1111 1111"));
        assert!(!luhn(b"4111111111111112"));
    }

    #[test]
    fn words_before() {
        let t = b"my phone number is +1";
        assert!(cue_before(t, 19, 3, &keys(["phone"])));
        assert!(!cue_before(t, 19, 2, &keys(["phone"])));
        let mut buf = [0u8; 24];
        assert_eq!(prev_word(t, 19, &mut buf), b"is");
    }

    #[test]
    fn keys_fold_case_accents_and_apostrophes() {
        assert_eq!(key(b"Jos\xc3\xa9"), key(b"JOSE"));
        assert_eq!(key(b"O'Brien"), key(b"obrien"));
        assert_eq!(key(b"phone"), Some(keys(["PHONE"])[0]));
        assert_eq!(key(b"abcdefghijklmnopq"), None);
        for w in
            [&b""[..], b"a", b"Smith", b"abcdefghijklmnop", b"x-Y_9", b"O'Neil", b"\xc3\x89ric"]
        {
            assert_eq!(key(w), key_folded(w), "{w:?}");
        }
    }

    fn unescaped(s: &str) -> (Vec<u8>, Vec<usize>) {
        let mut buf = [0u8; 68];
        let n = unescape(s.as_bytes(), &mut buf);
        let map = (0..=n).map(|k| raw_offset(s.as_bytes(), k)).collect();
        for k in (0..=n).filter(|k| buf.get(*k).is_none_or(|c| !(0x80..0xC0).contains(c))) {
            let r = raw_offset(s.as_bytes(), k);
            assert_eq!(unescaped_offset(s.as_bytes(), r), k, "{s} {k}");
        }
        (buf[..n].to_vec(), map)
    }

    #[test]
    fn escapes_read_as_what_they_stand_for() {
        assert_eq!(unescaped(r"Name:\nMarta").0, b"Name:\nMarta");
        assert_eq!(unescaped(r"Name:\nMarta").1, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
        assert_eq!(unescaped(r"a\tb\r\nc").0, b"a\tb\r\nc");
        assert_eq!(unescaped(r#"\"Ann\" it\'s"#).0, b"\"Ann\" it's");
        assert_eq!(unescaped(r"C:\\n \/ \x").0, b"C:\\\n \\/ \\x");
        assert_eq!(unescaped(r"x\u000ay\u0022z").0, b"x\ny\"z");
        let (rene, map) = unescaped(r"Ren\u00e9 \u0141ukasz \ud83d");
        assert_eq!(std::str::from_utf8(&rene), Ok(r"René Łukasz \ud83d"));
        assert_eq!(&map[3..6], [3, 4, 9]);
        assert_eq!(word_end(br"Ren\u00e9 Dupont", 0), 9);
        assert_eq!(word_end(br"Ren\u00e9e Dupont", 0), 10);
        assert_eq!(word_end(br"Ren\u0022", 0), 3);
        assert_eq!(escape_at(br"\u2019", 0), Escape::Letter(6));
        assert_eq!(escape_at(br"\u00a0", 0), Escape::Letter(6));
        assert_eq!(escape_at(br"\u0020", 0), Escape::Blank(6));
        // Incomplete escapes at the edge of a window stay as they are.
        assert_eq!(unescaped(r"ab\u00e").0, br"ab\u00e");
        assert_eq!(unescaped("ab\\").0, b"ab\\");
    }

    #[test]
    fn glue() {
        assert!(glued_before(b"ORD-1234", 4));
        assert!(glued_before(b"$1234", 1));
        assert!(!glued_before(b"x 1234", 2));
        assert!(!glued_before(b"(1234", 1));
    }
}
