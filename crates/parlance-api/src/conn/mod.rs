//! Connection hygiene for both doors: no client can hold a connection without using it. Each
//! accepted socket carries a clock ([`watch`]) that the requests report to ([`track`]) and
//! that reads enforce ([`io`]): a request's headers must arrive within a bound (for the first
//! request counted from the connection's start, so a silent connection is closed too), a
//! connection may sit idle between requests only so long, and a request head is capped in size
//! (HTTP/1 answers `431` beyond it). Nothing bounds a request in progress, so a streamed
//! response runs as long as it needs. [`serve_http`] serves the HTTP door this way; the gRPC
//! door feeds tonic the same sockets ([`io::incoming`]) and layer ([`track::TrackLayer`]).

pub mod io;
mod serve;
pub mod track;
pub mod watch;

use std::time::Duration;

pub use serve::serve_http;
pub use track::App;

/// The smallest header cap hyper accepts for its HTTP/1 read buffer.
pub const MIN_HEADER_BYTES: usize = 8 * 1024;

/// The two time bounds of one listener; `None` switches one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// HTTP: the time to read a request's headers (from the connection's start for the first
    /// request, from its first byte for later ones). gRPC: the time until the client's first
    /// bytes (the HTTP/2 preface). When off, the idle bound still applies to an HTTP head.
    pub first: Option<Duration>,
    /// The longest a connection may stay open with no request in progress.
    pub idle: Option<Duration>,
}

/// How both listeners treat their connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// The HTTP listener's bounds (`--http-read-header-timeout`, `--http-idle-timeout`).
    pub http: Bounds,
    /// The gRPC listener's bounds (`--grpc-handshake-timeout`, `--grpc-max-connection-idle`).
    pub grpc: Bounds,
    /// Largest request head (`--max-header-size`): HTTP/1 headers (else `431`), and the
    /// HTTP/2 header list on both listeners. At least [`MIN_HEADER_BYTES`].
    pub max_header_bytes: usize,
    /// Interval of HTTP/2 pings on gRPC connections (`--grpc-keepalive-time`).
    pub grpc_keepalive_time: Option<Duration>,
    /// How long a ping may go unanswered before the connection is closed
    /// (`--grpc-keepalive-timeout`).
    pub grpc_keepalive_timeout: Duration,
    /// After this long a gRPC connection is asked to go away (GOAWAY); calls in progress
    /// finish (`--grpc-max-connection-age`).
    pub grpc_max_connection_age: Option<Duration>,
}

impl Default for Transport {
    /// The defaults of the flags (those Go servers such as daprd are given).
    fn default() -> Transport {
        let secs = Duration::from_secs;
        Transport {
            http: Bounds { first: Some(secs(10)), idle: Some(secs(90)) },
            grpc: Bounds { first: Some(secs(10)), idle: Some(secs(90)) },
            max_header_bytes: 64 * 1024,
            grpc_keepalive_time: Some(secs(2 * 60 * 60)),
            grpc_keepalive_timeout: secs(20),
            grpc_max_connection_age: None,
        }
    }
}

impl Transport {
    /// The header cap as HTTP/2 settings carry it.
    pub fn max_header_list(&self) -> u32 {
        u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX)
    }
}
