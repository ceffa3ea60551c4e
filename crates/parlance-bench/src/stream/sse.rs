//! A minimal Server-Sent Events scanner for the two streams the benchmark reads: parlance's
//! (`event: chunk` … `event: complete` | `event: error`) and the OpenAI upstream's (`data:`
//! chunks, `data: [DONE]`, a `data: {"error":…}` chunk on failure). Events end at a blank
//! line (`\n\n`, as both servers write them); only what the timings need is looked at: whether
//! an event carries content (and how many bytes of it), ends the stream or reports an error.

use memchr::memmem;

/// What one event means to the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A chunk with this many bytes of (JSON-escaped) content text, more than zero.
    Content(usize),
    /// The terminal success event (`complete`, `[DONE]`).
    End,
    /// An error event.
    Error,
    /// Anything else: a role-only or usage chunk, a finish reason, a comment.
    Other,
}

/// Bytes received but not yet cut into events.
#[derive(Debug, Default)]
pub struct Scanner {
    buf: Vec<u8>,
}

impl Scanner {
    /// Appends `bytes` and calls `on_event` for every event now complete.
    pub fn push(&mut self, bytes: &[u8], mut on_event: impl FnMut(Event)) {
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(end) = memmem::find(&self.buf[start..], b"\n\n") {
            on_event(classify(&self.buf[start..start + end]));
            start += end + 2;
        }
        self.buf.drain(..start);
    }

    /// Forgets a partial event (before the next stream).
    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

/// The meaning of one event block (its lines, without the blank line).
fn classify(block: &[u8]) -> Event {
    let mut name: &[u8] = b"";
    let mut data: &[u8] = b"";
    for line in block.split(|b| *b == b'\n') {
        if let Some(v) = line.strip_prefix(b"event:") {
            name = v.trim_ascii();
        } else if let Some(v) = line.strip_prefix(b"data:") {
            data = v.trim_ascii();
        }
    }
    match name {
        b"complete" => return Event::End,
        b"error" => return Event::Error,
        _ => {}
    }
    if data == b"[DONE]" {
        return Event::End;
    }
    if data.starts_with(b"{\"error\"") {
        return Event::Error;
    }
    match content_len(data) {
        0 => Event::Other,
        n => Event::Content(n),
    }
}

/// Length of the first `"content":"…"` string value in `data` (escapes counted as written).
fn content_len(data: &[u8]) -> usize {
    const KEY: &[u8] = b"\"content\":\"";
    let Some(at) = memmem::find(data, KEY) else { return 0 };
    let text = &data[at + KEY.len()..];
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(parts: &[&str]) -> Vec<Event> {
        let mut s = Scanner::default();
        let mut out = Vec::new();
        for p in parts {
            s.push(p.as_bytes(), |e| out.push(e));
        }
        out
    }

    const PARLANCE: &str = "event: chunk\ndata: {\"choices\":[{\"content\":\"Hel\"}]}\n\n\
        event: chunk\ndata: {\"choices\":[{\"content\":\"l\\\"o\",\"finishReason\":\"stop\"}]}\n\n\
        event: complete\ndata: {\"outputs\":[{\"model\":\"m\"}]}\n\n";

    #[test]
    fn parlance_stream_in_one_piece() {
        let want = vec![Event::Content(3), Event::Content(4), Event::End];
        assert_eq!(events(&[PARLANCE]), want);
    }

    #[test]
    fn every_split_gives_the_same_events() {
        let whole = events(&[PARLANCE]);
        for cut in 0..=PARLANCE.len() {
            let (a, b) = PARLANCE.split_at(cut);
            assert_eq!(events(&[a, b]), whole, "cut at {cut}");
        }
    }

    #[test]
    fn openai_stream() {
        let s = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n\
            data: {\"choices\":[{\"delta\":{\"content\":\"echo: \"}}],\"obfuscation\":\"x\"}\n\n\
            : keep-alive\n\n\
            data: {\"choices\":[],\"usage\":{}}\n\n\
            data: [DONE]\n\n";
        let want = vec![Event::Other, Event::Content(6), Event::Other, Event::Other, Event::End];
        assert_eq!(events(&[s]), want);
    }

    #[test]
    fn errors_on_both_streams() {
        let s = "event: error\ndata: {\"errorCode\":\"X\"}\n\ndata: {\"error\":{\"type\":\"server_error\"}}\n\n";
        assert_eq!(events(&[s]), vec![Event::Error, Event::Error]);
    }

    #[test]
    fn unterminated_content_counts_as_none() {
        assert_eq!(content_len(b"{\"content\":\"abc"), 0);
        assert_eq!(content_len(b"{\"finishReason\":\"stop\"}"), 0);
    }
}
