//! Streamed answers: what a protocol hands the server ([`StreamAnswer`]: headers and a lazy
//! sequence of [`Piece`]s, built by slicing the finished reply), the fault-aware body writer
//! (`body.rs`), the live counters tests read (`stats.rs`), text slicing (`split.rs`) and SSE
//! framing (`sse.rs`).

mod body;
pub(crate) mod split;
pub(crate) mod sse;
mod stats;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use serde::Deserialize;

use crate::wire::Protocol;
use crate::{anthropic, bedrock, openai, responses};

pub(crate) use body::{Plan, body};
pub use stats::{StreamState, StreamStats};

/// What a piece of a stream is, for pacing and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PieceKind {
    /// An event that carries no generated content (start, stop, usage, …).
    Event,
    /// A content delta (text or tool-call arguments): the paced mode spaces these.
    Content,
    /// A keep-alive comment (not counted as an event).
    KeepAlive,
}

/// One event (or event-stream frame), ready to write.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    /// Its bytes on the wire.
    pub bytes: Bytes,
    /// What it is.
    pub kind: PieceKind,
}

impl Piece {
    /// An event without content.
    pub(crate) fn event(bytes: Bytes) -> Piece {
        Piece { bytes, kind: PieceKind::Event }
    }

    /// A content delta.
    pub(crate) fn content(bytes: Bytes) -> Piece {
        Piece { bytes, kind: PieceKind::Content }
    }
}

/// The pieces of a stream, produced lazily (a paced stream may be long).
pub(crate) type Pieces = Box<dyn Iterator<Item = Piece> + Send>;

/// A streamed success answer, before the server writes it.
pub(crate) struct StreamAnswer {
    /// The protocol (it renders the injected error, malformed and keep-alive events).
    pub protocol: Protocol,
    /// Headers besides the content type.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The events, in order.
    pub pieces: Pieces,
}

impl std::fmt::Debug for StreamAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamAnswer").field("protocol", &self.protocol).finish_non_exhaustive()
    }
}

/// What fixed-reply mode reads of a body: the stream fields (types checked, nothing else).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Flags {
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    stream_options: Option<UsageFlag>,
}

#[derive(Debug, Default, Deserialize)]
struct UsageFlag {
    #[serde(default)]
    include_usage: Option<bool>,
}

impl Flags {
    /// `Some(include_usage)` when the request streams (by its body, or by its path).
    pub(crate) fn streams(&self, by_path: bool) -> Option<bool> {
        let include_usage = self.stream_options.as_ref().and_then(|o| o.include_usage);
        (by_path || self.stream == Some(true)).then_some(include_usage == Some(true))
    }
}

/// The text of the fixed reply.
const FIXED_TEXT: &str = "echo: fixed";

impl Protocol {
    /// Fixed-reply mode's stream: the fixed reply (in the paced mode, `pace` words) cut into
    /// events.
    pub(crate) fn fixed_stream(self, pace: Option<u32>, include_usage: bool) -> StreamAnswer {
        let text = pace.map_or_else(|| FIXED_TEXT.to_owned(), |n| split::paced_text(FIXED_TEXT, n));
        let tokens = crate::reply::count_words(&text);
        let paced = pace.is_some();
        let pieces = match self {
            Protocol::OpenAi | Protocol::Azure => {
                openai::fixed_stream(&text, tokens, include_usage, paced)
            }
            Protocol::Responses => responses::fixed_stream(&text, tokens, paced),
            Protocol::Anthropic => anthropic::fixed_stream(&text, tokens, paced),
            Protocol::Bedrock => bedrock::fixed_stream(&text, tokens, paced),
        };
        StreamAnswer { protocol: self, headers: Vec::new(), pieces }
    }

    /// The content type of the protocol's streams.
    pub(crate) fn stream_content_type(self) -> &'static str {
        match self {
            Protocol::OpenAi | Protocol::Azure | Protocol::Responses | Protocol::Anthropic => {
                "text/event-stream; charset=utf-8"
            }
            Protocol::Bedrock => "application/vnd.amazon.eventstream",
        }
    }

    /// The protocol's mid-stream error event (`kind` overrides the default error type).
    pub(crate) fn stream_error(self, kind: Option<&str>) -> Bytes {
        match self {
            Protocol::OpenAi | Protocol::Azure => openai::stream::error_event(kind),
            Protocol::Responses => responses::stream::error_event(kind),
            Protocol::Anthropic => anthropic::stream::error_event(kind),
            Protocol::Bedrock => bedrock::stream::exception_frame(kind),
        }
    }

    /// An event whose JSON does not parse.
    pub(crate) fn malformed_event(self) -> Bytes {
        match self {
            Protocol::OpenAi | Protocol::Azure => openai::stream::malformed_event(),
            Protocol::Responses => responses::stream::malformed_event(),
            Protocol::Anthropic => anthropic::stream::malformed_event(),
            Protocol::Bedrock => bedrock::stream::malformed_frame(),
        }
    }

    /// A frame whose message CRC is wrong (the SSE protocols: a malformed event).
    pub(crate) fn bad_crc_event(self) -> Bytes {
        match self {
            Protocol::Bedrock => bedrock::stream::bad_crc_frame(),
            other => other.malformed_event(),
        }
    }

    /// The keep-alive sent during a stall, if the protocol has one.
    pub(crate) fn keepalive(self) -> Option<Bytes> {
        match self {
            Protocol::OpenAi | Protocol::Azure | Protocol::Responses => {
                Some(Bytes::from_static(sse::KEEPALIVE))
            }
            Protocol::Anthropic => Some(anthropic::stream::ping()),
            Protocol::Bedrock => None,
        }
    }
}
