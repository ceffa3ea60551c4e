//! Server-sent events framing (the WHATWG `text/event-stream` rules), pure and incremental:
//! bytes go in as they arrive, split anywhere, and whole events come out.
//!
//! Lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the
//! next are one line end). `data:` lines of one event are joined with `\n`; `event:` names
//! it; comment lines (`:` first, such as `: keep-alive`) and `id:`/`retry:` are ignored; a
//! blank line dispatches the event (an event without data is dropped, as browsers do). One
//! space after the colon is removed. An event larger than [`MAX_EVENT`] bytes is an error, so
//! a hostile upstream cannot make parlance buffer without bound.

use parlance_core::{FailureKind, ProviderError};

/// The most bytes one event (its lines and its data together) may take.
pub const MAX_EVENT: usize = 1 << 20;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The `event:` name; empty when none was given (the default `message` type).
    pub name: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// The incremental parser.
#[derive(Debug, Default)]
pub struct Parser {
    /// The line read so far (no line end).
    line: Vec<u8>,
    /// The last byte seen was a CR: an LF right after it ends nothing.
    after_cr: bool,
    /// The event being built.
    name: String,
    data: String,
    has_data: bool,
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Feeds the next bytes; each event they complete is appended to `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<Event>) -> Result<(), ProviderError> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        while let Some(end) = bytes.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.extend_line(&bytes[..end])?;
            self.end_line(out)?;
            let crlf = bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n');
            if bytes[end] == b'\r' && end + 1 == bytes.len() {
                self.after_cr = true;
            }
            bytes = &bytes[end + if crlf { 2 } else { 1 }..];
        }
        self.extend_line(bytes)
    }

    /// Bytes buffered for an event not yet dispatched (what a stream cut here would lose).
    pub fn pending(&self) -> usize {
        self.line.len() + self.data.len() + self.name.len()
    }

    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), ProviderError> {
        if self.pending() + bytes.len() > MAX_EVENT {
            return Err(too_large());
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<Event>) -> Result<(), ProviderError> {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        let line = String::from_utf8(line).map_err(|_| {
            ProviderError::transient(FailureKind::MalformedReply, "upstream event is not UTF-8")
        })?;
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        match field {
            "" => {}
            "event" => value.clone_into(&mut self.name),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<Event>) {
        let name = std::mem::take(&mut self.name);
        let data = std::mem::take(&mut self.data);
        if std::mem::take(&mut self.has_data) {
            out.push(Event { name, data });
        }
    }
}

fn too_large() -> ProviderError {
    ProviderError::transient(
        FailureKind::MalformedReply,
        format!("upstream event longer than {MAX_EVENT} bytes"),
    )
}

/// Test helpers shared by the stream parsers' tests: feed a recorded stream whole, byte by
/// byte, and split at every position.
#[cfg(test)]
pub(crate) mod splits {
    /// Every way of cutting `bytes` in two, plus one byte at a time and a few random cuts
    /// (a fixed seed, so a failure reproduces).
    pub(crate) fn all(bytes: &[u8]) -> Vec<Vec<&[u8]>> {
        let mut out = vec![vec![bytes], bytes.chunks(1).collect()];
        for at in 0..=bytes.len() {
            out.push(vec![&bytes[..at], &bytes[at..]]);
        }
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..32 {
            let mut pieces = Vec::new();
            let mut rest = bytes;
            while !rest.is_empty() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let n = 1 + (seed >> 33) as usize % 17;
                let (a, b) = rest.split_at(n.min(rest.len()));
                pieces.push(a);
                rest = b;
            }
            out.push(pieces);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pieces: &[&[u8]]) -> Result<Vec<Event>, ProviderError> {
        let mut p = Parser::new();
        let mut out = Vec::new();
        for piece in pieces {
            p.feed(piece, &mut out)?;
        }
        Ok(out)
    }

    fn ev(name: &str, data: &str) -> Event {
        Event { name: name.into(), data: data.into() }
    }

    /// Every line-end style, a comment, multi-line data, a named event, an id and an event
    /// with no data, and a multi-byte character.
    const MIXED: &[u8] = b": keep-alive\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: ping\ndata: x\ndata:y\n\nid: 7\nretry: 10\r\r: only a comment\n\nevent: nothing\n\ndata:  caf\xc3\xa9\rdata\r\r";

    #[test]
    fn every_split_gives_the_same_events() {
        let want = vec![ev("", "{\"a\":1}"), ev("ping", "x\ny"), ev("", " caf\u{e9}\n")];
        for pieces in splits::all(MIXED) {
            assert_eq!(parse(&pieces).unwrap(), want, "{pieces:?}");
        }
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        assert_eq!(parse(&[b"data: half"]).unwrap(), vec![]);
        assert_eq!(parse(&[b"data: whole\n"]).unwrap(), vec![]);
        assert_eq!(parse(&[b"data: whole\n", b"\n"]).unwrap(), vec![ev("", "whole")]);
    }

    #[test]
    fn crlf_split_between_chunks_is_one_line_end() {
        let got = parse(&[b"data: a\r", b"", b"\n", b"\r", b"\ndata: b\n\n"]).unwrap();
        assert_eq!(got, vec![ev("", "a"), ev("", "b")]);
    }

    #[test]
    fn events_are_bounded() {
        let big = vec![b'x'; MAX_EVENT];
        let e = parse(&[b"data: ", &big]).unwrap_err();
        assert!(e.retryable && e.kind == FailureKind::MalformedReply, "{e:?}");
        let line = vec![b'y'; MAX_EVENT / 2 + 1];
        let e = parse(&[b"data: ", &line, b"\ndata: ", &line, b"\n"]).unwrap_err();
        assert!(e.message.contains("longer than"), "{e:?}");
        let mut ok = b"data: ".to_vec();
        ok.extend(vec![b'z'; 1000]);
        ok.extend(b"\n\n".repeat(3000));
        assert_eq!(parse(&[&ok]).unwrap().len(), 1, "blank lines do not accumulate");
    }

    /// Arbitrary bytes (a fixed-seed generator, weighted towards line ends, colons and field
    /// names): never a panic, and every split gives what the whole gives.
    #[test]
    fn arbitrary_bytes_split_anywhere_agree() {
        let alphabet: &[&[u8]] = &[
            b"\n",
            b"\r",
            b"\r\n",
            b":",
            b" ",
            b"data",
            b"event",
            b"id",
            b"x",
            b"\xc3\xa9",
            b"\xff",
        ];
        let mut seed: u64 = 7;
        for _ in 0..200 {
            let mut bytes = Vec::new();
            for _ in 0..40 {
                seed =
                    seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1442695040888963407);
                bytes.extend_from_slice(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let whole = parse(&[&bytes]);
            for at in 0..=bytes.len() {
                let split = parse(&[&bytes[..at], &bytes[at..]]);
                assert_eq!(split.is_ok(), whole.is_ok(), "{bytes:?} at {at}");
                if let (Ok(a), Ok(b)) = (&split, &whole) {
                    assert_eq!(a, b, "{bytes:?} at {at}");
                }
            }
        }
    }

    #[test]
    fn bad_utf8_is_malformed() {
        let e = parse(&[b"data: \xff\n\n"]).unwrap_err();
        assert_eq!(e.kind, FailureKind::MalformedReply);
    }
}
