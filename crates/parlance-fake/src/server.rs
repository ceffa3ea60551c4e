//! The HTTP server: the accept loop, per-connection tasks (which can be killed to simulate a
//! dropped connection), and the request handler that records, picks a fault and answers
//! (plainly, or with a streaming body written piece by piece).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream;
use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;

use crate::fault::{FAULT_HEADER, FAULT_MODEL_PREFIX, Fault};
use crate::record::RecordedRequest;
use crate::state::State;
use crate::stream::{Flags, Plan, StreamAnswer, StreamStats, body as stream_body};
use crate::wire::{Answer, Call, Outcome, Protocol, Route, WireError};

/// The response body type: a full body, a slowly sent one, or a stream.
type Body = UnsyncBoxBody<Bytes, Infallible>;

/// How many pieces a `SlowBody` fault cuts the body into.
const SLOW_BODY_CHUNKS: usize = 8;

/// Accepts connections until `shutdown` flips (over TLS when `tls` is set).
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(accept(stream, tls.clone(), state.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Sets up one accepted connection (the TLS handshake, when serving HTTPS; a failed one,
/// such as a client that does not trust the certificate, just ends it), then serves it.
async fn accept(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => connection(stream, state, shutdown).await,
        Some(tls) => {
            if let Ok(stream) = tls.accept(stream).await {
                connection(stream, state, shutdown).await;
            }
        }
    }
}

/// Serves one connection; a `Drop` fault or shutdown drops it (closing the socket).
async fn connection<S>(stream: S, state: Arc<State>, mut shutdown: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        service_fn(move |req| handle(state.clone(), req, kill.clone()))
    };
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    kill: Arc<Notify>,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = req.into_parts();
    let Ok(body) = body.collect().await.map(|c| c.to_bytes()) else {
        return Ok(plain(StatusCode::BAD_REQUEST, "could not read the request body"));
    };
    if state.opts.fixed_reply {
        Ok(fixed(&state, &parts, &body, kill).await)
    } else {
        Ok(full(&state, &parts, body, kill).await)
    }
}

/// Where an answer goes: the counters of its stream and the connection's kill switch.
struct Sink {
    stats: StreamStats,
    kill: Arc<Notify>,
}

/// Normal mode: record, route, pick a fault, validate and answer.
async fn full(state: &State, parts: &Parts, body: Bytes, kill: Arc<Notify>) -> Response<Body> {
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let stats = StreamStats::default();
    if state.opts.record {
        let mut record = RecordedRequest::from_parts(parts, body, json.clone());
        record.stream = stats.clone();
        state.recorder.push(record);
    }
    let Some(route) = Route::of(parts.uri.path()) else {
        return not_found(parts);
    };
    let picked = check_method(parts, route.protocol)
        .and_then(|()| pick_fault(state, parts, &route, json.as_ref()));
    let fault = match picked {
        Ok(f) => f,
        Err(e) => return respond(route.protocol.error(&e, state)),
    };
    let pace = match &fault {
        Some(Fault::Pace { deltas, .. }) => Some(*deltas),
        _ => None,
    };
    let call = Call {
        state,
        headers: &parts.headers,
        path: parts.uri.path(),
        query: parts.uri.query(),
        json: json.as_ref(),
        path_model: route.path_model.as_deref(),
        path_stream: route.stream,
        pace,
    };
    let protocol = route.protocol;
    apply(fault, protocol, state, || protocol.answer(&call), Sink { stats, kill }).await
}

/// Every endpoint the fake serves is a POST.
fn check_method(parts: &Parts, protocol: Protocol) -> Result<(), WireError> {
    if parts.method == Method::POST {
        return Ok(());
    }
    let message = format!("Method {} is not allowed on {}", parts.method, parts.uri.path());
    Err(protocol.reject(StatusCode::METHOD_NOT_ALLOWED, message))
}

/// Fixed-reply mode: JSON sanity only, scripted or header faults, then the precomputed body
/// (or, for a streaming request, the fixed reply cut into a stream).
async fn fixed(state: &State, parts: &Parts, body: &[u8], kill: Arc<Notify>) -> Response<Body> {
    let Some(route) = Route::of(parts.uri.path()) else {
        return not_found(parts);
    };
    let protocol = route.protocol;
    let fault = match pick_fault(state, parts, &route, None) {
        Ok(f) => f,
        Err(e) => return respond(protocol.error(&e, state)),
    };
    let Ok(flags) = serde_json::from_slice::<Flags>(body) else {
        return respond(protocol.error(&protocol.invalid_json(), state));
    };
    let pace = match &fault {
        Some(Fault::Pace { deltas, .. }) => Some(*deltas),
        _ => None,
    };
    let answer = || match flags.streams(route.stream) {
        Some(include_usage) => Outcome::Stream(protocol.fixed_stream(pace, include_usage)),
        None => {
            Answer { status: StatusCode::OK, headers: Vec::new(), body: state.fixed_body(protocol) }
                .into()
        }
    };
    let sink = Sink { stats: StreamStats::default(), kill };
    apply(fault, protocol, state, answer, sink).await
}

/// The fault for this request: scripted queue, header, `fault:` model, then the default.
fn pick_fault(
    state: &State,
    parts: &Parts,
    route: &Route,
    json: Option<&Value>,
) -> Result<Option<Fault>, WireError> {
    if let Some(f) = state.faults.next_scripted() {
        return Ok(Some(f));
    }
    let bad = |e: crate::fault::FaultParseError| {
        route.protocol.reject(StatusCode::BAD_REQUEST, e.to_string())
    };
    if let Some(spec) = parts.headers.get(FAULT_HEADER) {
        let spec = spec.to_str().unwrap_or_default();
        return spec.parse().map(Some).map_err(bad);
    }
    if let Some(spec) =
        Protocol::model(route, json).and_then(|m| m.strip_prefix(FAULT_MODEL_PREFIX))
    {
        return spec.parse().map(Some).map_err(bad);
    }
    Ok(state.faults.default_fault())
}

/// Applies a fault (or none); `answer` computes the normal answer when the fault needs it.
async fn apply(
    fault: Option<Fault>,
    protocol: Protocol,
    state: &State,
    answer: impl FnOnce() -> Outcome,
    sink: Sink,
) -> Response<Body> {
    match fault {
        Some(Fault::Status { code, retry_after }) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut a = protocol.error(&protocol.status_error(status), state);
            if let Some(secs) = retry_after {
                a = a.header("retry-after", &secs.to_string());
            }
            respond(a)
        }
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            deliver(answer(), None, sink)
        }
        Some(Fault::Drop) => {
            sink.kill.notify_one();
            std::future::pending().await
        }
        Some(Fault::Hang) => std::future::pending().await,
        other => deliver(answer(), other, sink),
    }
}

/// Sends an answer under the faults that shape a body; stream-only faults leave a plain
/// answer alone.
fn deliver(outcome: Outcome, fault: Option<Fault>, sink: Sink) -> Response<Body> {
    match (outcome, fault) {
        (Outcome::Plain(a), Some(Fault::MalformedJson)) => respond(malformed(a)),
        (Outcome::Plain(a), Some(Fault::SlowBody(d))) => slow(a, d),
        (Outcome::Plain(a), _) => respond(a),
        (Outcome::Stream(s), fault) => streamed(s, Plan::of(fault.as_ref()), sink),
    }
}

/// A 200 whose body is written piece by piece.
fn streamed(mut answer: StreamAnswer, plan: Plan, sink: Sink) -> Response<Body> {
    let content_type = HeaderValue::from_static(answer.protocol.stream_content_type());
    let sse = answer.protocol != Protocol::Bedrock;
    let headers = std::mem::take(&mut answer.headers);
    let mut response = Response::new(stream_body(answer, plan, sink.stats, sink.kill));
    decorate(&mut response, headers);
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    if sse {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// A 200 whose body is the first half of the real one: never valid JSON.
fn malformed(mut a: Answer) -> Answer {
    let half = (a.body.len() / 2).max(1).min(a.body.len());
    a.body = a.body.slice(..half);
    if a.body.is_empty() || a.body.as_ref() == b"{}" {
        a.body = Bytes::from_static(b"{\"id\":");
    }
    a.status = StatusCode::OK;
    a
}

fn slow(a: Answer, delay: Duration) -> Response<Body> {
    let size = a.body.len().div_ceil(SLOW_BODY_CHUNKS).max(1);
    let chunks: Vec<Bytes> = (0..a.body.len())
        .step_by(size)
        .map(|i| a.body.slice(i..(i + size).min(a.body.len())))
        .collect();
    let frames = stream::unfold(chunks.into_iter(), move |mut it| async move {
        let chunk = it.next()?;
        tokio::time::sleep(delay).await;
        Some((Ok::<_, Infallible>(Frame::data(chunk)), it))
    });
    let mut response = Response::new(UnsyncBoxBody::new(StreamBody::new(frames)));
    *response.status_mut() = a.status;
    decorate(&mut response, a.headers);
    response
}

fn respond(a: Answer) -> Response<Body> {
    let mut response = Response::new(UnsyncBoxBody::new(Full::new(a.body)));
    *response.status_mut() = a.status;
    decorate(&mut response, a.headers);
    response
}

fn decorate(response: &mut Response<Body>, extra: Vec<(http::HeaderName, HeaderValue)>) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in extra {
        headers.append(name, value);
    }
}

fn not_found(parts: &Parts) -> Response<Body> {
    let message = format!("Invalid URL ({} {})", parts.method, parts.uri.path());
    let body = serde_json::json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}});
    respond(Answer {
        status: StatusCode::NOT_FOUND,
        headers: Vec::new(),
        body: Bytes::from(body.to_string()),
    })
}

fn plain(status: StatusCode, message: &str) -> Response<Body> {
    let body = serde_json::json!({"error": {"message": message}});
    respond(Answer { status, headers: Vec::new(), body: Bytes::from(body.to_string()) })
}
