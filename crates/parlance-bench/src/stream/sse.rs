//! A minimal Server-Sent Events scanner for the streams the benchmark reads: parlance's alpha2
//! (`event: chunk` … `event: complete` | `event: error`), the OpenAI upstream's (`data:`
//! chunks, `data: [DONE]`, a `data: {"error":…}` chunk on failure), and parlance's Anthropic
//! (`content_block_delta` … `message_stop`) and Responses (`response.output_text.delta` …
//! `response.completed` | `response.failed`) doors. Events end at a blank
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
        b"complete" | b"message_stop" | b"response.completed" | b"response.incomplete" => {
            return Event::End;
        }
        b"error" | b"response.failed" => return Event::Error,
        // The Anthropic and Responses doors: only their text deltas carry content.
        b"content_block_delta" => return content(string_len(data, b"\"text\":\"")),
        b"response.output_text.delta" => return content(string_len(data, b"\"delta\":\"")),
        n if n.starts_with(b"response.")
            || n.starts_with(b"message_")
            || n.starts_with(b"content_block_")
            || n == b"ping" =>
        {
            return Event::Other;
        }
        _ => {}
    }
    if data == b"[DONE]" {
        return Event::End;
    }
    if data.starts_with(b"{\"error\"") {
        return Event::Error;
    }
    content(string_len(data, b"\"content\":\""))
}

fn content(n: usize) -> Event {
    match n {
        0 => Event::Other,
        n => Event::Content(n),
    }
}

/// Length of the first string value after `key` (`"name":"`) in `data` (escapes counted as
/// written).
fn string_len(data: &[u8], key: &[u8]) -> usize {
    let Some(at) = memmem::find(data, key) else { return 0 };
    let text = &data[at + key.len()..];
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
    fn anthropic_and_responses_streams() {
        let a = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"content\":[]}}\n\n\
            event: ping\ndata: {\"type\":\"ping\"}\n\n\
            event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Paris\"}}\n\n\
            event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert_eq!(events(&[a]), vec![Event::Other, Event::Other, Event::Content(5), Event::End]);
        let r = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"output\":[]}}\n\n\
            event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Par\"}\n\n\
            event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\",\"text\":\"Paris\"}\n\n\
            event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n\
            event: response.failed\ndata: {}\n\n";
        let want = vec![Event::Other, Event::Content(3), Event::Other, Event::End, Event::Error];
        assert_eq!(events(&[r]), want);
    }

    #[test]
    fn unterminated_content_counts_as_none() {
        assert_eq!(string_len(b"{\"content\":\"abc", b"\"content\":\""), 0);
        assert_eq!(string_len(b"{\"finishReason\":\"stop\"}", b"\"content\":\""), 0);
    }
}
