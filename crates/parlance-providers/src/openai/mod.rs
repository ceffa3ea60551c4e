//! The OpenAI chat-completions protocol, spoken by `conversation.openai` (and Azure),
//! `deepseek`, `huggingface`, `ollama`, `googleai` and `mistral`; and, for
//! `conversation.openai` with `wireApi: responses`, the Responses API ([`responses`]).

pub mod config;
mod convert;
mod error;
mod responses;
mod stream;
mod wire;

use async_trait::async_trait;
use parlance_core::{CallContext, ChatRequest, ChatResponse, DeltaStream, Provider, ProviderError};

pub use config::{Flavor, OpenAiConfig, WireApi};

use crate::client::{Body, HttpClient};
use crate::streaming::{self, Opened, Sse};
use crate::upstream::{self, Target, secret_header};

/// `Accept: text/event-stream`, sent with streamed calls.
const EVENT_STREAM: http::HeaderValue = http::HeaderValue::from_static("text/event-stream");

/// A configured OpenAI-protocol component.
pub struct OpenAiProvider {
    cfg: OpenAiConfig,
    client: HttpClient,
    target: Target,
    /// The credential header, built once (`None` when the key is not a valid header value).
    auth: Option<(http::HeaderName, http::HeaderValue)>,
}

impl OpenAiProvider {
    /// Builds the provider on the shared HTTP client.
    pub fn new(cfg: OpenAiConfig, client: HttpClient) -> OpenAiProvider {
        let auth = match &cfg.auth {
            config::Auth::Bearer(k) => {
                secret_header(&format!("Bearer {k}")).map(|v| (http::header::AUTHORIZATION, v))
            }
            config::Auth::ApiKey(k) => {
                secret_header(k).map(|v| (http::HeaderName::from_static("api-key"), v))
            }
        };
        OpenAiProvider { target: Target::new(&cfg.url), cfg, client, auth }
    }

    /// The URL of a call for `request`: its own when the request chose a model that is part
    /// of the URL (Azure's deployment, a `{model}` endpoint), parsed for this call only.
    fn target_for(&self, request: &ChatRequest) -> Result<Option<Target>, ProviderError> {
        let Some(model) = &request.model else { return Ok(None) };
        let url = self
            .cfg
            .url_for(model)
            .map_err(|e| ProviderError::permanent(parlance_core::FailureKind::InvalidRequest, e))?;
        Ok(url.map(|u| Target::new(&u)))
    }

    /// The call's request; `accept` is set for streamed calls.
    fn request(
        &self,
        target: Option<&Target>,
        body: Vec<u8>,
        ctx: &CallContext,
        accept: Option<http::HeaderValue>,
    ) -> Result<http::Request<Body>, ProviderError> {
        let mut rb = target
            .unwrap_or(&self.target)
            .post()?
            .header(http::header::CONTENT_TYPE, upstream::JSON);
        // Without a prebuilt header the key is not a valid header value: the builder says so.
        rb = match (&self.auth, &self.cfg.auth) {
            (Some((name, value)), _) => rb.header(name.clone(), value.clone()),
            (None, config::Auth::Bearer(k)) => rb.header(http::header::AUTHORIZATION, k.as_str()),
            (None, config::Auth::ApiKey(k)) => rb.header("api-key", k.as_str()),
        };
        if let Some(tp) = &ctx.traceparent {
            rb = rb.header("traceparent", tp.as_str());
        }
        if let Some(accept) = accept {
            rb = rb.header(http::header::ACCEPT, accept);
        }
        upstream::request(rb, body)
    }

    /// The chat-completions request body for `request` (the pure half of a call, before the
    /// transport).
    pub fn request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, ProviderError> {
        match self.cfg.wire {
            WireApi::Chat => upstream::to_json(&convert::to_wire(&self.cfg, request)),
            WireApi::Responses => upstream::to_json(&responses::to_wire(&self.cfg, request, false)),
        }
    }

    /// The streamed call's request body: the plain one with `stream: true` and, where the
    /// flavour accepts it, `stream_options.include_usage`.
    pub fn stream_request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, ProviderError> {
        match self.cfg.wire {
            WireApi::Chat => upstream::to_json(&convert::to_wire_stream(&self.cfg, request)),
            WireApi::Responses => upstream::to_json(&responses::to_wire(&self.cfg, request, true)),
        }
    }

    /// A successful reply's body, mapped to the domain reply.
    pub fn parse_reply(&self, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        self.reply_to(&ChatRequest::default(), body)
    }

    /// A successful reply to `request`, reporting the request's own model when it chose one.
    fn reply_to(&self, request: &ChatRequest, body: &[u8]) -> Result<ChatResponse, ProviderError> {
        let model = request.model_or(&self.cfg.model);
        if self.cfg.wire == WireApi::Responses {
            let reply: responses::Response = upstream::from_json(body)?;
            if reply.status.as_deref() == Some("failed") {
                let e = reply.error.unwrap_or_default();
                let detail = wire::ErrorDetail { message: e.message, kind: None, code: e.code };
                return Err(error::from_stream_error(&detail, self.key()));
            }
            return Ok(responses::from_wire(model, reply));
        }
        let reply: wire::ChatCompletion = upstream::from_json(body)?;
        Ok(convert::from_wire(model, reply))
    }

    /// A whole streamed body (server-sent events), mapped to its deltas: what
    /// [`Provider::converse_stream`] yields for it, without the transport.
    pub fn parse_stream(&self, body: &[u8]) -> Result<Vec<parlance_core::Delta>, ProviderError> {
        match self.cfg.wire {
            WireApi::Chat => {
                streaming::decode_pieces(Sse::new(stream::Chunks::new(self.key())), &[body])
            }
            WireApi::Responses => streaming::decode_pieces(
                Sse::new(responses::stream::Events::new(self.key())),
                &[body],
            ),
        }
    }

    fn key(&self) -> &str {
        match &self.cfg.auth {
            config::Auth::Bearer(k) | config::Auth::ApiKey(k) => k,
        }
    }
}

#[async_trait]
impl Provider for OpenAiProvider {
    async fn converse(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError> {
        let body = self.request_body(request)?;
        let target = self.target_for(request)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(target.as_ref(), body, ctx, None)?;
        let (status, retry_after, bytes) = upstream::exchange(&self.client, call, limit, |h| {
            error::retry_after(h.get(http::header::RETRY_AFTER))
        })
        .await?;
        if !(200..300).contains(&status) {
            return Err(error::from_status(status, &bytes, retry_after, self.key()));
        }
        self.reply_to(request, &bytes)
    }

    async fn converse_stream(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<DeltaStream, ProviderError> {
        let body = self.stream_request_body(request)?;
        let target = self.target_for(request)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(target.as_ref(), body, ctx, Some(EVENT_STREAM))?;
        match streaming::open(&self.client, call, limit).await? {
            Opened::Streaming(response) => Ok(match self.cfg.wire {
                WireApi::Chat => {
                    streaming::deltas(response, Sse::new(stream::Chunks::new(self.key())))
                }
                WireApi::Responses => streaming::deltas(
                    response,
                    Sse::new(responses::stream::Events::new(self.key())),
                ),
            }),
            Opened::Failed { status, headers, body } => {
                let retry_after = error::retry_after(headers.get(http::header::RETRY_AFTER));
                Err(error::from_status(status, &body, retry_after, self.key()))
            }
        }
    }

    fn model(&self) -> Option<&str> {
        Some(&self.cfg.model)
    }

    fn keeps_opaque(&self, wire: &str) -> bool {
        self.cfg.wire == WireApi::Responses && wire == parlance_core::Opaque::RESPONSES
    }
}
