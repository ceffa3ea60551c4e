//! The Dapr gRPC API (spec §2): `dapr.proto.runtime.v1.Dapr` with `ConverseAlpha1`,
//! `ConverseAlpha2` and `GetMetadata` — a thin adapter over the same
//! [`parlance_pipeline::ConversationService`] as the HTTP door: decode → service → encode, with
//! errors mapped once ([`error`]). Every other RPC answers `UNIMPLEMENTED`; server reflection
//! is on; the API token is checked for every method ([`auth`]).

pub mod auth;
pub mod decode;
pub mod encode;
pub mod error;
mod metadata;
pub mod stream;

use std::future::Future;

use parlance_core::ApiVersion;
use parlance_pipeline::{CacheStatus, CallOptions, Conversed};
use parlance_proto::runtime as pb;
use parlance_proto::runtime::dapr_server::{Dapr, DaprServer};
use tokio::net::TcpListener;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::service::InterceptorLayer;
use tonic::{Request, Response, Status};

use crate::conn::{self, Transport};
use crate::door::{CACHE_HEADER, COMPONENT_HEADER};
use crate::sidecar::Sidecar;

/// Why the gRPC server stopped with an error.
pub type ServeError = Box<dyn std::error::Error + Send + Sync>;

/// The `Dapr` service over a sidecar.
#[derive(Clone)]
pub struct DaprApi {
    sidecar: Sidecar,
}

impl DaprApi {
    /// The service, to be wrapped in [`DaprServer`].
    pub fn new(sidecar: Sidecar) -> DaprApi {
        DaprApi { sidecar }
    }
}

#[tonic::async_trait]
impl Dapr for DaprApi {
    async fn converse_alpha1(
        &self,
        req: Request<pb::ConversationRequest>,
    ) -> Result<Response<pb::ConversationResponse>, Status> {
        let _permit = self.sidecar.admit().map_err(error::status)?;
        let opts = options(ApiVersion::Alpha1, &req);
        let mut raw = req.into_inner();
        let name = std::mem::take(&mut raw.name);
        let mut conv = decode::alpha1(raw);
        let parameters = std::mem::take(&mut conv.parameters);
        let context_id = conv.context_id.clone().filter(|c| !c.is_empty());
        let done = self.sidecar.service.converse(&name, conv, opts).await.map_err(error::status)?;
        let Conversed { chat, cache, answered_by, quota, cost_usd } = done;
        let mut resp =
            with_cache(encode::alpha1(context_id, chat, &parameters), cache, answered_by);
        crate::keys::quota_metadata(resp.metadata_mut(), quota);
        crate::keys::cost_metadata(resp.metadata_mut(), cost_usd);
        Ok(resp)
    }

    async fn converse_alpha2(
        &self,
        req: Request<pb::ConversationRequestAlpha2>,
    ) -> Result<Response<pb::ConversationResponseAlpha2>, Status> {
        let _permit = self.sidecar.admit().map_err(error::status)?;
        let opts = options(ApiVersion::Alpha2, &req);
        let mut raw = req.into_inner();
        let name = std::mem::take(&mut raw.name);
        let conv = decode::alpha2(raw).map_err(error::status)?;
        let context_id = conv.context_id.clone().filter(|c| !c.is_empty());
        let done = self.sidecar.service.converse(&name, conv, opts).await.map_err(error::status)?;
        let Conversed { chat, cache, answered_by, quota, cost_usd } = done;
        let mut resp = with_cache(encode::alpha2(context_id, chat), cache, answered_by);
        crate::keys::quota_metadata(resp.metadata_mut(), quota);
        crate::keys::cost_metadata(resp.metadata_mut(), cost_usd);
        Ok(resp)
    }

    type ConverseStreamAlpha2Stream = stream::Messages;

    async fn converse_stream_alpha2(
        &self,
        req: Request<pb::ConversationRequestAlpha2>,
    ) -> Result<Response<stream::Messages>, Status> {
        let permit = self.sidecar.admit().map_err(error::status)?;
        let opts = options(ApiVersion::Alpha2, &req);
        let mut raw = req.into_inner();
        let name = std::mem::take(&mut raw.name);
        let conv = decode::alpha2(raw).map_err(error::status)?;
        let mut opened =
            self.sidecar.service.converse_stream(&name, conv, opts).await.map_err(error::status)?;
        opened.context_id = opened.context_id.filter(|c| !c.is_empty());
        let (cache, answered_by, quota) = (opened.cache, opened.answered_by.take(), opened.quota);
        let mut resp = with_cache(stream::messages(opened, permit), cache, answered_by);
        crate::keys::quota_metadata(resp.metadata_mut(), quota);
        Ok(resp)
    }

    async fn get_metadata(
        &self,
        _req: Request<pb::GetMetadataRequest>,
    ) -> Result<Response<pb::GetMetadataResponse>, Status> {
        Ok(Response::new(metadata::response(&self.sidecar)))
    }
}

/// Per-call options from metadata, by the same rules as the HTTP door, and the caller's key.
fn options<T>(api: ApiVersion, req: &Request<T>) -> CallOptions {
    let md: &MetadataMap = req.metadata();
    let text = |k: &str| md.get(k).and_then(|v| v.to_str().ok());
    let mut opts = crate::sidecar::call_options(api, text("cache-control"), text("traceparent"));
    opts.principal = crate::keys::principal(req.extensions());
    opts
}

/// The response, with `x-parlance-cache` when the component has a cache and
/// `x-parlance-component` when a fallback answered.
fn with_cache<T>(msg: T, cache: Option<CacheStatus>, answered_by: Option<String>) -> Response<T> {
    let mut resp = Response::new(msg);
    if let Some(c) = cache {
        resp.metadata_mut().insert(CACHE_HEADER, MetadataValue::from_static(c.as_str()));
    }
    let answered = answered_by.as_deref().and_then(|n| MetadataValue::try_from(n).ok());
    if let Some(v) = answered {
        resp.metadata_mut().insert(COMPONENT_HEADER, v);
    }
    resp
}

/// Serves the gRPC API on `listener` until `shutdown` resolves, then drains in-flight calls.
/// Connections follow `transport` ([`crate::conn`]): a silent one is closed after the
/// handshake bound, an idle one after the idle bound, HTTP/2 pings find dead peers.
pub async fn serve(
    listener: TcpListener,
    sidecar: Sidecar,
    transport: &Transport,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let token = InterceptorLayer::new(crate::keys::GrpcGate::new(&sidecar));
    let dapr = DaprServer::new(DaprApi::new(sidecar.clone()))
        .max_decoding_message_size(sidecar.max_body)
        .max_encoding_message_size(usize::MAX);
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(parlance_proto::FILE_DESCRIPTOR_SET);
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(parlance_proto::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let mut server = tonic::transport::Server::builder()
        .http2_keepalive_interval(transport.grpc_keepalive_time)
        .http2_keepalive_timeout(Some(transport.grpc_keepalive_timeout))
        .http2_max_header_list_size(transport.max_header_list());
    if let Some(age) = transport.grpc_max_connection_age {
        // No grace: a call in progress (a stream) is never cut, only asked to be the last.
        server = server.max_connection_age(age);
    }
    // The sockets come with TCP_NODELAY (HTTP/2 writes a reply as several small frames; with
    // Nagle on, a frame can wait for the peer's delayed ACK, 40 ms on Linux) and their clock.
    let incoming = conn::io::incoming(listener, transport.grpc, conn::watch::Mode::H2);
    server
        .layer(conn::track::TrackLayer)
        .layer(token)
        .add_service(dapr)
        .add_service(reflection.build_v1()?)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
