//! The Anthropic Messages API, spoken by `conversation.anthropic` (Anthropic or Microsoft
//! Foundry): `POST {endpoint}/messages` with `x-api-key` and `anthropic-version`, and
//! `POST {endpoint}/messages/count_tokens` for the Anthropic door's token counts. The
//! client's `anthropic-beta` values (carried in `ChatRequest::anthropic`) go out as they
//! came, with the one-hour cache beta added when `promptCacheRetention` needs it.

pub mod config;
mod convert;
mod error;
mod stream;
mod wire;

use async_trait::async_trait;
use parlance_core::{CallContext, ChatRequest, ChatResponse, DeltaStream, Provider, ProviderError};

pub use config::{AnthropicConfig, ApiType};
pub use convert::OPENING_TURN;

use crate::client::{Body, HttpClient};
use crate::streaming::{self, Opened, Sse};
use crate::upstream::{self, Target};

/// The beta that enables the one-hour prompt cache (`cache_control.ttl: "1h"`).
const LONG_CACHE_BETA: &str = "extended-cache-ttl-2025-04-11";

/// `Accept: text/event-stream`, sent with streamed calls.
const EVENT_STREAM: http::HeaderValue = http::HeaderValue::from_static("text/event-stream");

/// A configured `conversation.anthropic` component.
pub struct AnthropicProvider {
    cfg: AnthropicConfig,
    client: HttpClient,
    target: Target,
    /// `{url}/count_tokens`.
    count: Target,
}

impl AnthropicProvider {
    /// Builds the provider on the shared HTTP client.
    pub fn new(cfg: AnthropicConfig, client: HttpClient) -> AnthropicProvider {
        let count = Target::new(&format!("{}/count_tokens", cfg.url.trim_end_matches('/')));
        AnthropicProvider { target: Target::new(&cfg.url), count, cfg, client }
    }

    /// The Messages request body for `request` (the pure half of a call, before the
    /// transport).
    pub fn request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, ProviderError> {
        upstream::to_json(&convert::to_wire(&self.cfg, request)?)
    }

    /// The streamed call's request body: the plain one with `"stream": true`.
    pub fn stream_request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, ProviderError> {
        let wire = convert::to_wire(&self.cfg, request)?;
        upstream::to_json(&wire::MessagesRequest { stream: true, ..wire })
    }

    /// A successful reply's body, mapped to the domain reply (`request` says which tool a
    /// forced structured-output call used).
    pub fn parse_reply(
        &self,
        request: &ChatRequest,
        body: &[u8],
    ) -> Result<ChatResponse, ProviderError> {
        let reply: wire::MessagesResponse = upstream::from_json(body)?;
        Ok(convert::from_wire(&self.cfg, request, reply))
    }

    /// A whole streamed body (server-sent events), mapped to its deltas: what
    /// [`Provider::converse_stream`] yields for it, without the transport.
    pub fn parse_stream(
        &self,
        request: &ChatRequest,
        body: &[u8],
    ) -> Result<Vec<parlance_core::Delta>, ProviderError> {
        let events = stream::Events::new(request, &self.cfg.key);
        streaming::decode_pieces(Sse::new(events), &[body])
    }

    /// The `count_tokens` body for `request`.
    pub fn count_request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, ProviderError> {
        let wire = convert::to_wire(&self.cfg, request)?;
        upstream::to_json(&wire::CountRequest::of(&wire))
    }

    /// The call's request to `target`; `accept` is set for streamed calls.
    fn request(
        &self,
        target: &Target,
        body: Vec<u8>,
        request: &ChatRequest,
        ctx: &CallContext,
        accept: Option<http::HeaderValue>,
    ) -> Result<http::Request<Body>, ProviderError> {
        let mut rb = target
            .post()?
            .header(http::header::CONTENT_TYPE, upstream::JSON)
            .header("x-api-key", self.cfg.key.as_str())
            .header("anthropic-version", config::API_VERSION);
        if let Some(betas) = betas(request) {
            rb = rb.header("anthropic-beta", betas);
        }
        if let Some(tp) = &ctx.traceparent {
            rb = rb.header("traceparent", tp.as_str());
        }
        if let Some(accept) = accept {
            rb = rb.header(http::header::ACCEPT, accept);
        }
        upstream::request(rb, body)
    }
}

#[async_trait]
impl Provider for AnthropicProvider {
    async fn converse(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError> {
        let body = self.request_body(request)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(&self.target, body, request, ctx, None)?;
        let (status, retry_after, bytes) = upstream::exchange(&self.client, call, limit, |h| {
            upstream::retry_after(h.get(http::header::RETRY_AFTER))
        })
        .await?;
        if !(200..300).contains(&status) {
            return Err(error::from_status(status, &bytes, retry_after, &self.cfg.key));
        }
        self.parse_reply(request, &bytes)
    }

    async fn converse_stream(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<DeltaStream, ProviderError> {
        let body = self.stream_request_body(request)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(&self.target, body, request, ctx, Some(EVENT_STREAM))?;
        match streaming::open(&self.client, call, limit).await? {
            Opened::Streaming(response) => {
                let events = stream::Events::new(request, &self.cfg.key);
                Ok(streaming::deltas(response, Sse::new(events)))
            }
            Opened::Failed { status, headers, body } => {
                let retry_after = upstream::retry_after(headers.get(http::header::RETRY_AFTER));
                Err(error::from_status(status, &body, retry_after, &self.cfg.key))
            }
        }
    }

    async fn count_tokens(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Option<Result<u64, ProviderError>> {
        Some(self.count_upstream(request, ctx).await)
    }

    fn model(&self) -> Option<&str> {
        Some(&self.cfg.model)
    }

    fn takes_anthropic(&self, _model: Option<&str>) -> parlance_core::anthropic::Reach {
        parlance_core::anthropic::Reach::ALL
    }
}

impl AnthropicProvider {
    async fn count_upstream(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<u64, ProviderError> {
        let body = self.count_request_body(request)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(&self.count, body, request, ctx, None)?;
        let (status, retry_after, bytes) = upstream::exchange(&self.client, call, limit, |h| {
            upstream::retry_after(h.get(http::header::RETRY_AFTER))
        })
        .await?;
        if !(200..300).contains(&status) {
            return Err(error::from_status(status, &bytes, retry_after, &self.cfg.key));
        }
        let reply: wire::CountResponse = upstream::from_json(&bytes)?;
        Ok(reply.input_tokens)
    }
}

/// The `anthropic-beta` header: the client's values in order, then the one-hour cache's
/// when `promptCacheRetention` asks for it and the client did not; `None` when empty.
fn betas(request: &ChatRequest) -> Option<String> {
    let mut betas: Vec<&str> = request.anthropic.betas.iter().map(String::as_str).collect();
    if convert::wants_long_cache(request) && !betas.contains(&LONG_CACHE_BETA) {
        betas.push(LONG_CACHE_BETA);
    }
    (!betas.is_empty()).then(|| betas.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn betas_are_the_clients_then_the_long_cache() {
        let mut req = ChatRequest::default();
        assert_eq!(betas(&req), None);
        req.anthropic.betas = vec!["a".into(), "b".into()];
        assert_eq!(betas(&req).as_deref(), Some("a,b"));
        req.prompt_cache_retention = Some(std::time::Duration::from_secs(3600));
        assert_eq!(betas(&req).as_deref(), Some("a,b,extended-cache-ttl-2025-04-11"));
        req.anthropic.betas.push(LONG_CACHE_BETA.into());
        assert_eq!(betas(&req).as_deref(), Some("a,b,extended-cache-ttl-2025-04-11"));
    }
}
