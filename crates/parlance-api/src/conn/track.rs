//! Reporting requests to their connection's [`Watch`]: a request counts as in progress from
//! the service call until its response body is finished or dropped, so no bound ever applies
//! to a response being streamed. [`Tracked`] does it for the HTTP door (a hyper service over
//! the axum app), [`TrackLayer`] for the gRPC door (a tower layer inside tonic, which hands
//! each request its connection's [`ConnClock`]).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response, Version};
use hyper::body::Incoming;
use hyper::body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tower::util::Oneshot;
use tower::{Layer, Service, ServiceExt as _};

use super::io::ConnClock;
use super::watch::Watch;

/// One request in progress; dropping it ends the request.
#[derive(Debug)]
pub struct Active(Arc<Watch>);

impl Active {
    /// Starts a request on `watch`.
    pub fn begin(watch: &Arc<Watch>, version: Version) -> Active {
        watch.begin(version == Version::HTTP_2);
        Active(watch.clone())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.end();
    }
}

pin_project! {
    /// A response body that keeps its request in progress until it is finished.
    pub struct TrackedBody<B> {
        #[pin]
        inner: B,
        active: Option<Active>,
    }
}

impl<B: Body> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if frame.is_none() {
            this.active.take();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// The service's future; its response body carries the request on.
    pub struct TrackedFuture<F> {
        #[pin]
        inner: F,
        active: Option<Active>,
    }
}

impl<F, B, E> Future for TrackedFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<TrackedBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let out = ready!(this.inner.poll(cx));
        let active = this.active.take();
        Poll::Ready(out.map(|resp| resp.map(|inner| TrackedBody { inner, active })))
    }
}

/// The HTTP app a listener serves, replaceable while it serves: each request takes the app
/// in force when it arrives (one atomic load), so a reload that changes which checks the
/// routes need (API keys configured or gone) reaches connections already open too.
#[derive(Clone)]
pub struct App(Arc<arc_swap::ArcSwap<axum::Router>>);

impl App {
    /// Serving `router`.
    pub fn new(router: axum::Router) -> App {
        App(Arc::new(arc_swap::ArcSwap::from_pointee(router)))
    }

    /// Serves `router` to every request from now on (those in progress finish on theirs).
    pub fn replace(&self, router: axum::Router) {
        self.0.store(Arc::new(router));
    }
}

impl From<axum::Router> for App {
    fn from(router: axum::Router) -> App {
        App::new(router)
    }
}

/// The HTTP door as hyper serves it: the axum app, reporting to one connection's clock.
#[derive(Clone)]
pub struct Tracked {
    app: App,
    watch: Arc<Watch>,
}

impl Tracked {
    /// `app` serving the connection watched by `watch`.
    pub fn new(app: App, watch: Arc<Watch>) -> Tracked {
        Tracked { app, watch }
    }
}

impl hyper::service::Service<Request<Incoming>> for Tracked {
    type Response = Response<TrackedBody<axum::body::Body>>;
    type Error = Infallible;
    type Future = TrackedFuture<Oneshot<axum::Router, Request<Incoming>>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let active = Active::begin(&self.watch, req.version());
        let app = axum::Router::clone(&self.app.0.load());
        TrackedFuture { inner: app.oneshot(req), active: Some(active) }
    }
}

/// Reports each gRPC call to its connection's clock (found in the request's extensions).
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackLayer;

impl<S> Layer<S> for TrackLayer {
    type Service = TrackService<S>;

    fn layer(&self, inner: S) -> TrackService<S> {
        TrackService { inner }
    }
}

/// The service [`TrackLayer`] makes.
#[derive(Debug, Clone)]
pub struct TrackService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TrackService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<TrackedBody<ResBody>>;
    type Error = S::Error;
    type Future = TrackedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let active =
            req.extensions().get::<ConnClock>().map(|c| Active::begin(&c.0, req.version()));
        TrackedFuture { inner: self.inner.call(req), active }
    }
}
