//! The words of the last names found in the text, so that a surname met in "Nina Chahine" is a
//! name again in "Chahine told reporters" (however far back): real text names a person in
//! full once and by one word after that.
//!
//! The memory is a small ring of word hashes filled in the order the pass finds names. The
//! stream scrubber runs the same pass over the same positions in the same order and carries the
//! memory from one push to the next, so streaming stays exact; it is bounded ([`SIZE`] words).

/// How many name words are remembered.
const SIZE: usize = 16;

/// The last [`SIZE`] name words found (hashes of their exact bytes).
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Memory {
    words: [u64; SIZE],
    len: usize,
    next: usize,
    /// The last [`THINGS`] words named as a storm or an animal ("Hurricane Rita"), so that
    /// "Rita packed winds" later is not a person either.
    things: [u64; THINGS],
    next_thing: usize,
}

/// How many names of things are remembered.
const THINGS: usize = 4;

/// A hash of the word's exact bytes (0 is never produced, so empty slots never match).
fn hash(w: &[u8]) -> u64 {
    let h = w
        .iter()
        .fold(0xCBF2_9CE4_8422_2325u64, |h, c| (h ^ u64::from(*c)).wrapping_mul(0x0100_0000_01B3));
    h | 1
}

/// Calls `f` with the hash of each capitalised word of three letters or more in `b[s..e]`.
fn words(b: &[u8], s: usize, e: usize, mut f: impl FnMut(u64)) {
    let mut k = s;
    while k < e {
        let we = super::word_end(b, k).min(e);
        if we > k + 2 && crate::detect::person::upper_len(b, k).is_some() {
            f(hash(&b[k..we]));
        }
        k = we.max(k + 1);
        while k < e && !crate::text::is_word(b[k]) {
            k += 1;
        }
    }
}

impl Memory {
    /// Remembers the capitalised words of three letters or more in `b[s..e]`, a name found,
    /// when it has two words or more: a full name is a person far more surely than one word
    /// ("Fallujah" read as a name once should not be read so again and again).
    pub(crate) fn remember(&mut self, b: &[u8], s: usize, e: usize) {
        if !b[s..e].contains(&b' ') {
            return;
        }
        words(b, s, e, |h| {
            if !self.words[..self.len].contains(&h) {
                self.words[self.next] = h;
                self.next = (self.next + 1) % SIZE;
                self.len = (self.len + 1).min(SIZE);
            }
        });
    }

    /// Whether [`Memory::remember`] of `b[s..e]` would change nothing: one word, or every
    /// word it would remember is remembered already.
    pub(crate) fn holds(&self, b: &[u8], s: usize, e: usize) -> bool {
        if !b[s..e].contains(&b' ') {
            return true;
        }
        let mut all = true;
        words(b, s, e, |h| all &= self.words[..self.len].contains(&h));
        all
    }

    /// Remembers `w` as the name of a storm, an animal or a thing.
    pub(crate) fn remember_thing(&mut self, w: &[u8]) {
        let h = hash(w);
        if !self.things.contains(&h) {
            self.things[self.next_thing] = h;
            self.next_thing = (self.next_thing + 1) % THINGS;
        }
    }

    /// Whether `w` was named as a storm, an animal or a thing before.
    pub(crate) fn is_thing(&self, w: &[u8]) -> bool {
        self.things.contains(&hash(w))
    }

    /// Whether `w` is a word of a name found before.
    pub(crate) fn knows(&self, w: &[u8]) -> bool {
        self.len > 0 && self.words[..self.len].contains(&hash(w))
    }
}

#[cfg(test)]
mod tests {
    use super::Memory;

    #[test]
    fn remembers_the_words_of_names_and_forgets_the_oldest() {
        let mut m = Memory::default();
        let t = b"Nina Chahine-Haddad and O'Brien";
        m.remember(t, 0, 19);
        assert!(m.knows(b"Nina") && m.knows(b"Chahine-Haddad") && !m.knows(b"O'Brien"));
        m.remember(b"Samarra", 0, 7);
        assert!(!m.knows(b"Samarra"));
        for k in 0..8u8 {
            let w = [b'A', b'a' + k, b'x', b' ', b'B', b'a' + k, b'y'];
            m.remember(&w, 0, 7);
        }
        assert!(!m.knows(b"Nina") && m.knows(b"Ahx") && m.knows(b"Bhy"));
    }

    #[test]
    fn knows_when_remembering_would_change_nothing() {
        let mut m = Memory::default();
        let t = b"Ana Beatriz Souza";
        assert!(!m.holds(t, 4, 17) && m.holds(t, 4, 11));
        m.remember(t, 0, 17);
        assert!(m.holds(t, 4, 17) && m.holds(t, 0, 17));
        assert!(!m.holds(b"Beatriz Lima", 0, 12));
    }

    #[test]
    fn remembers_the_names_of_things() {
        let mut m = Memory::default();
        assert!(!m.is_thing(b"Rita"));
        m.remember_thing(b"Rita");
        assert!(m.is_thing(b"Rita") && !m.is_thing(b"Ritas"));
        for w in [&b"Ann"[..], b"Bob", b"Cid", b"Dan"] {
            m.remember_thing(w);
        }
        assert!(!m.is_thing(b"Rita") && m.is_thing(b"Dan"));
    }
}
