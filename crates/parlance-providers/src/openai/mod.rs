//! The OpenAI chat-completions protocol, spoken by `conversation.openai` (and Azure),
//! `deepseek`, `huggingface`, `ollama`, `googleai` and `mistral`.

pub mod config;
mod convert;
mod error;
mod wire;

use async_trait::async_trait;
use parlance_core::{CallContext, ChatRequest, ChatResponse, FailureKind, Provider, ProviderError};

pub use config::{Flavor, OpenAiConfig};

use crate::http_error;

/// A configured OpenAI-protocol component.
pub struct OpenAiProvider {
    cfg: OpenAiConfig,
    client: reqwest::Client,
}

impl OpenAiProvider {
    /// Builds the provider on the shared HTTP client.
    pub fn new(cfg: OpenAiConfig, client: reqwest::Client) -> OpenAiProvider {
        OpenAiProvider { cfg, client }
    }

    fn request(&self, body: Vec<u8>, ctx: &CallContext) -> reqwest::RequestBuilder {
        let mut rb = self
            .client
            .post(&self.cfg.url)
            .timeout(ctx.attempt_timeout_or(self.cfg.timeout))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        rb = match &self.cfg.auth {
            config::Auth::Bearer(k) => rb.bearer_auth(k),
            config::Auth::ApiKey(k) => rb.header("api-key", k),
        };
        if let Some(tp) = &ctx.traceparent {
            rb = rb.header("traceparent", tp);
        }
        rb
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
        let body = serde_json::to_vec(&convert::to_wire(&self.cfg, request))
            .map_err(|e| ProviderError::permanent(FailureKind::Internal, e.to_string()))?;
        let resp = self.request(body, ctx).send().await.map_err(http_error)?;
        let status = resp.status().as_u16();
        let retry_after = error::retry_after(resp.headers().get(http::header::RETRY_AFTER));
        let bytes = resp.bytes().await.map_err(http_error)?;
        if !(200..300).contains(&status) {
            return Err(error::from_status(status, &bytes, retry_after, self.key()));
        }
        let reply: wire::ChatCompletion = serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::transient(
                FailureKind::MalformedReply,
                format!("malformed upstream reply: {e}"),
            )
        })?;
        Ok(convert::from_wire(&self.cfg, reply))
    }

    fn model(&self) -> Option<&str> {
        Some(&self.cfg.model)
    }
}
