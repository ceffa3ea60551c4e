//! Cutting a finished reply's text into the pieces a stream sends: word-ish pieces (a word and
//! the whitespace after it), and the text of the paced benchmark mode.

/// The longest piece of one word, in characters, outside the paced mode.
const MAX_WORD_CHARS: usize = 8;

/// The pieces of a text, produced lazily: each is a run of non-space characters and the
/// whitespace after it (whitespace at the very start goes with the first piece); a word longer
/// than the limit is cut every `limit` characters. Joining the pieces gives the text back.
#[derive(Debug, Clone)]
pub(crate) struct Pieces {
    text: String,
    at: usize,
    limit: usize,
}

impl Pieces {
    /// Word-ish pieces, long words cut every 8 characters (JSON without spaces too).
    pub(crate) fn words(text: String) -> Pieces {
        Pieces { text, at: 0, limit: MAX_WORD_CHARS }
    }

    /// One piece per word, however long (the paced mode, where the count must be exact).
    pub(crate) fn whole_words(text: String) -> Pieces {
        Pieces { text, at: 0, limit: usize::MAX }
    }

    /// Words cut as the mode asks: whole words when paced.
    pub(crate) fn of(text: String, paced: bool) -> Pieces {
        if paced { Pieces::whole_words(text) } else { Pieces::words(text) }
    }
}

impl Iterator for Pieces {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let rest = self.text.get(self.at..).filter(|r| !r.is_empty())?;
        let mut end = rest.len();
        let (mut word_chars, mut trailing) = (0usize, false);
        for (i, c) in rest.char_indices() {
            if c.is_whitespace() {
                trailing |= word_chars > 0;
                continue;
            }
            if trailing || word_chars == self.limit {
                end = i;
                break;
            }
            word_chars += 1;
        }
        let piece = rest[..end].to_owned();
        self.at += end;
        Some(piece)
    }
}

/// The paced mode's text: the words of `base`, repeated, `count` of them, one space apart.
/// [`Pieces::whole_words`] cuts it into exactly `count` pieces.
pub(crate) fn paced_text(base: &str, count: u32) -> String {
    let words: Vec<&str> = base.split_whitespace().collect();
    let words = if words.is_empty() { vec!["echo:"] } else { words };
    let mut text = String::new();
    for word in words.iter().cycle().take(count as usize) {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> Vec<String> {
        Pieces::words(text.to_owned()).collect()
    }

    #[test]
    fn pieces_join_back() {
        for text in ["", "a", "echo: hello  big world ", "  lead", "{\"city\":\"sample\"}", "é😀 ü"]
        {
            assert_eq!(cut(text).concat(), text, "{text:?}");
        }
        assert_eq!(cut("echo: hi there"), ["echo: ", "hi ", "there"]);
        assert_eq!(cut("  lead x"), ["  lead ", "x"]);
        assert_eq!(cut("{\"city\":\"sample\"}"), ["{\"city\":", "\"sample\"", "}"]);
        assert!(cut("").is_empty());
    }

    #[test]
    fn paced_text_has_exactly_the_count() {
        for n in [1, 2, 5, 64] {
            let text = paced_text("echo: a_rather_long_word", n);
            let pieces: Vec<String> = Pieces::whole_words(text.clone()).collect();
            assert_eq!(pieces.len(), n as usize);
            assert_eq!(pieces.concat(), text);
        }
        assert_eq!(paced_text("echo: hi", 5), "echo: hi echo: hi echo:");
        assert_eq!(paced_text("", 2), "echo: echo:");
    }
}
