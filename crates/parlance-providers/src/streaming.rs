//! The transport half of a streamed call, shared by every HTTP provider: send the request,
//! wait for the status and headers within the per-attempt bound, then turn the body into a
//! pull-based [`DeltaStream`].
//!
//! Pull-based means the body is read only when the stream is polled, one frame at a time, and
//! what one frame decodes to is all that is held: a consumer that stops reading stops parlance
//! reading the upstream socket (backpressure reaches the upstream: HTTP/1.1 through the socket,
//! HTTP/2 through the stream's flow-control window), and dropping the stream drops the body,
//! which closes the connection (HTTP/2: resets the stream), so the upstream call is cancelled. The
//! per-attempt bound covers the time to the response headers (and an error body), not the
//! stream: the pipeline bounds the gaps between events.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use parlance_core::{Delta, DeltaStream, FailureKind, ProviderError};
use tokio::time::Instant;

use crate::client::{Body, HttpClient, transport_error};
use crate::sse;

/// A protocol's body decoder: bytes in, deltas out.
pub(crate) trait Decode: Send + 'static {
    /// Decodes the next bytes of the body, appending the deltas they complete to `out`.
    fn feed(&mut self, bytes: &[u8], out: &mut VecDeque<Delta>) -> Result<(), ProviderError>;
    /// The body ended: an error when that is before the protocol's terminal event.
    fn end(&mut self, out: &mut VecDeque<Delta>) -> Result<(), ProviderError>;
    /// Whether the terminal event has been seen (nothing more is read).
    fn done(&self) -> bool;
}

/// What the upstream answered before its body.
pub(crate) enum Opened {
    /// A 2xx: the body is the stream.
    Streaming(Incoming),
    /// Anything else, with its headers and whole body, for the provider's `error.rs`.
    Failed {
        /// The status.
        status: u16,
        /// The headers (`Retry-After`, `x-amzn-ErrorType`).
        headers: http::HeaderMap,
        /// The error body.
        body: Bytes,
    },
}

/// Sends `request` and waits for its status within `limit` (and, for a failure, its body
/// within what is left of it). An expired limit is a retryable timeout.
pub(crate) async fn open(
    client: &HttpClient,
    request: http::Request<Body>,
    limit: Duration,
) -> Result<Opened, ProviderError> {
    let deadline = Instant::now() + limit;
    let response = within(deadline, client.send(request)).await??;
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    if (200..300).contains(&status) {
        return Ok(Opened::Streaming(body));
    }
    let body = within(deadline, body.collect()).await?.map_err(|e| transport_error(&e))?;
    Ok(Opened::Failed { status, headers: parts.headers, body: body.to_bytes() })
}

async fn within<T>(deadline: Instant, work: impl Future<Output = T>) -> Result<T, ProviderError> {
    tokio::time::timeout_at(deadline, work).await.map_err(|_| {
        ProviderError::transient(FailureKind::Timeout, "upstream did not answer in time")
    })
}

/// The body of a 2xx response as deltas, decoded by `decoder` as it is pulled.
pub(crate) fn deltas(body: Incoming, decoder: impl Decode) -> DeltaStream {
    let state = Pull { body: Some(body), decoder, queue: VecDeque::new(), failed: None };
    Box::pin(futures::stream::unfold(state, Pull::next))
}

/// The state of one pulled body.
struct Pull<D> {
    /// `None` once the body has ended, failed or reached its terminal event (dropping the
    /// body releases the connection, or closes it — HTTP/2: resets the stream — when unread).
    body: Option<Incoming>,
    decoder: D,
    /// Deltas decoded from the last chunk, not yet taken.
    queue: VecDeque<Delta>,
    /// The error that ends the stream, yielded after the deltas decoded before it.
    failed: Option<ProviderError>,
}

impl<D: Decode> Pull<D> {
    async fn next(mut self) -> Option<(Result<Delta, ProviderError>, Pull<D>)> {
        loop {
            if let Some(delta) = self.queue.pop_front() {
                return Some((Ok(delta), self));
            }
            if let Some(e) = self.failed.take() {
                return Some((Err(e), self));
            }
            if self.decoder.done() {
                self.body = None;
            }
            let body = self.body.as_mut()?;
            let step = match body.frame().await {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(bytes) => self.decoder.feed(&bytes, &mut self.queue),
                    Err(_trailers) => Ok(()),
                },
                None => {
                    self.body = None;
                    self.decoder.end(&mut self.queue)
                }
                Some(Err(e)) => Err(transport_error(&e)),
            };
            if let Err(e) = step {
                self.body = None;
                self.failed = Some(e);
            }
        }
    }
}

/// A protocol spoken in server-sent events: one event at a time.
pub(crate) trait OnEvent: Send + 'static {
    /// Handles one event; returns `true` when it was the terminal one.
    fn event(&mut self, ev: sse::Event, out: &mut VecDeque<Delta>) -> Result<bool, ProviderError>;
    /// What the stream was missing when it ended before its terminal event.
    fn cut_short(&self) -> ProviderError {
        ProviderError::transient(
            FailureKind::MalformedReply,
            "upstream stream ended before its last event",
        )
    }
}

/// [`Decode`] for an [`OnEvent`] protocol: SSE framing, then its events in order; nothing
/// after the terminal event is looked at.
pub(crate) struct Sse<H> {
    parser: sse::Parser,
    events: Vec<sse::Event>,
    handler: H,
    done: bool,
}

impl<H: OnEvent> Sse<H> {
    /// A decoder at the start of a body.
    pub(crate) fn new(handler: H) -> Sse<H> {
        Sse { parser: sse::Parser::new(), events: Vec::new(), handler, done: false }
    }
}

impl<H: OnEvent> Decode for Sse<H> {
    fn feed(&mut self, bytes: &[u8], out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        self.parser.feed(bytes, &mut self.events)?;
        for ev in self.events.drain(..) {
            if self.done {
                break;
            }
            self.done = self.handler.event(ev, out)?;
        }
        Ok(())
    }

    fn end(&mut self, _out: &mut VecDeque<Delta>) -> Result<(), ProviderError> {
        if self.done { Ok(()) } else { Err(self.handler.cut_short()) }
    }

    fn done(&self) -> bool {
        self.done
    }
}

/// A malformed event payload (JSON that is not the protocol's): retryable, as a malformed
/// plain reply is.
pub(crate) fn malformed(what: &str, e: &dyn std::fmt::Display) -> ProviderError {
    ProviderError::transient(
        FailureKind::MalformedReply,
        format!("malformed upstream stream event ({what}): {e}"),
    )
}

/// Every delta a whole recorded body, cut into `pieces`, decodes to, or the first error (the
/// pure half of a streamed call, for tests and benchmarks).
pub(crate) fn decode_pieces(
    mut decoder: impl Decode,
    pieces: &[&[u8]],
) -> Result<Vec<Delta>, ProviderError> {
    let mut out = VecDeque::new();
    for piece in pieces {
        if decoder.done() {
            break;
        }
        decoder.feed(piece, &mut out)?;
    }
    if !decoder.done() {
        decoder.end(&mut out)?;
    }
    Ok(out.into_iter().collect())
}

/// Test helpers: run a decoder over a recorded body cut into pieces.
#[cfg(test)]
pub(crate) mod testing {
    pub(crate) use super::decode_pieces as run;

    /// The deltas folded as the pipeline folds them.
    pub(crate) fn assemble(
        deltas: &[parlance_core::Delta],
        model: &str,
    ) -> parlance_core::ChatResponse {
        let mut a = parlance_core::Assembler::default();
        deltas.iter().for_each(|d| a.push(d));
        a.finish(Some(model.to_string()))
    }
}
