//! AWS Bedrock Runtime Converse, spoken by `conversation.aws.bedrock`: one request shape for
//! every model family, `POST {endpoint}/model/{modelId}/converse` (streamed:
//! `…/converse-stream`, the same body), signed with SigV4 (service `bedrock`, for the path
//! actually called) by the official `aws-sigv4` signer. For Claude models, the Anthropic
//! door's thinking, `cache_control` and known `anthropic-beta` values go out in Converse's
//! words, and reasoning comes back as thinking blocks (`claude.rs`).

mod claude;
pub mod config;
mod convert;
mod credentials;
mod error;
mod stream;
mod wire;

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use parlance_core::{
    CallContext, ChatRequest, ChatResponse, DeltaStream, FailureKind, Provider, ProviderError,
};

pub use config::{BedrockConfig, Keys};
pub use convert::OPENING_TURN;

use crate::client::{Body, HttpClient};
use crate::streaming::{self, Opened};
use crate::upstream::{self, Target};

/// `Accept` of a streamed call.
const EVENT_STREAM: http::HeaderValue =
    http::HeaderValue::from_static("application/vnd.amazon.eventstream");

/// The SigV4 signing name of Bedrock Runtime.
const SIGNING_NAME: &str = "bedrock";

/// A configured `conversation.aws.bedrock` component.
pub struct BedrockProvider {
    cfg: BedrockConfig,
    client: HttpClient,
    target: Target,
    /// `…/converse-stream`, beside the Converse URL.
    stream_url: String,
    stream_target: Target,
    /// Resolved once at build time; an error is reported on every call.
    keys: Result<Keys, String>,
}

impl BedrockProvider {
    /// Builds the provider on the shared HTTP client, reading the shared credentials file
    /// when the configuration points at it.
    pub fn new(cfg: BedrockConfig, client: HttpClient) -> BedrockProvider {
        let keys = credentials::resolve(&cfg.credentials);
        if let Err(e) = &keys {
            tracing::warn!(model = %cfg.model, "bedrock component has no usable credentials: {e}");
        }
        let stream_url = format!("{}-stream", cfg.url);
        BedrockProvider {
            target: Target::new(&cfg.url),
            stream_target: Target::new(&stream_url),
            stream_url,
            cfg,
            client,
            keys,
        }
    }

    /// The Converse request body for `request` (the pure half of a call, before signing and
    /// the transport).
    pub fn request_body(&self, request: &ChatRequest) -> Result<Vec<u8>, ProviderError> {
        upstream::to_json(&convert::to_wire(&self.cfg, request)?)
    }

    /// A successful reply's body, mapped to the domain reply.
    pub fn parse_reply(
        &self,
        request: &ChatRequest,
        body: &[u8],
    ) -> Result<ChatResponse, ProviderError> {
        let reply: wire::ConverseResponse = upstream::from_json(body)?;
        Ok(convert::from_wire(&self.cfg, request, reply))
    }

    /// A whole streamed body (`application/vnd.amazon.eventstream`), mapped to its deltas:
    /// what [`Provider::converse_stream`] yields for it, without the transport.
    pub fn parse_stream(
        &self,
        request: &ChatRequest,
        body: &[u8],
    ) -> Result<Vec<parlance_core::Delta>, ProviderError> {
        let secrets = [String::new(), String::new()];
        let frames = stream::Frames::new(request, self.claude(request), secrets);
        streaming::decode_pieces(frames, &[body])
    }

    /// The URL and target of a call for `request` when it chose another model than the
    /// configured one: its own path (`stream`: `…/converse-stream`), parsed for this call
    /// only. `None`: the configured URL and target.
    fn target_for(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<Option<(String, Target)>, ProviderError> {
        let Some(model) = &request.model else { return Ok(None) };
        let url = self
            .cfg
            .url_for(model)
            .map_err(|e| ProviderError::permanent(FailureKind::InvalidRequest, e))?;
        Ok(url.map(|u| {
            let url = if stream { format!("{u}-stream") } else { u };
            let target = Target::new(&url);
            (url, target)
        }))
    }

    /// Whether `request` calls a Claude model (its own choice, else the configured one).
    fn claude(&self, request: &ChatRequest) -> bool {
        claude::is_claude(request.model_or(&self.cfg.model))
    }

    fn keys(&self) -> Result<&Keys, ProviderError> {
        self.keys.as_ref().map_err(|e| {
            ProviderError::permanent(
                FailureKind::InvalidRequest,
                format!("no AWS credentials: {e}"),
            )
        })
    }

    /// The SigV4 headers (`authorization`, `x-amz-date`, `x-amz-security-token`) for one body
    /// sent to `url`.
    fn signature(
        &self,
        keys: &Keys,
        url: &str,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let internal = |e: &dyn std::fmt::Display| {
            ProviderError::permanent(FailureKind::Internal, format!("SigV4 signing failed: {e}"))
        };
        let identity = aws_credential_types::Credentials::new(
            &keys.access_key,
            &keys.secret_key,
            keys.session_token.clone(),
            None,
            "parlance",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.cfg.region)
            .name(SIGNING_NAME)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| internal(&e))?
            .into();
        let headers = [("content-type", "application/json")];
        let signable =
            SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(body))
                .map_err(|e| internal(&e))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| internal(&e))?.into_parts();
        Ok(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// The call's signed request; `accept` is set for streamed calls.
    fn request(
        &self,
        target: &Target,
        body: Vec<u8>,
        signed: Vec<(String, String)>,
        ctx: &CallContext,
        accept: Option<http::HeaderValue>,
    ) -> Result<http::Request<Body>, ProviderError> {
        let mut rb = target.post()?.header(http::header::CONTENT_TYPE, upstream::JSON);
        for (name, value) in signed {
            rb = rb.header(name, value);
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
impl Provider for BedrockProvider {
    async fn converse(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<ChatResponse, ProviderError> {
        let keys = self.keys()?;
        let body = self.request_body(request)?;
        let own = self.target_for(request, false)?;
        let (url, target) = match &own {
            Some((url, target)) => (url.as_str(), target),
            None => (self.cfg.url.as_str(), &self.target),
        };
        let signed = self.signature(keys, url, &body)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(target, body, signed, ctx, None)?;
        let (status, headers, bytes) =
            upstream::exchange(&self.client, call, limit, |h| h.clone()).await?;
        if !(200..300).contains(&status) {
            return Err(failure(keys, status, &headers, &bytes));
        }
        self.parse_reply(request, &bytes)
    }

    async fn converse_stream(
        &self,
        request: &ChatRequest,
        ctx: &CallContext,
    ) -> Result<DeltaStream, ProviderError> {
        let keys = self.keys()?;
        let body = self.request_body(request)?;
        let own = self.target_for(request, true)?;
        let (url, target) = match &own {
            Some((url, target)) => (url.as_str(), target),
            None => (self.stream_url.as_str(), &self.stream_target),
        };
        let signed = self.signature(keys, url, &body)?;
        let limit = ctx.attempt_timeout_or(self.cfg.timeout);
        let call = self.request(target, body, signed, ctx, Some(EVENT_STREAM))?;
        match streaming::open(&self.client, call, limit).await? {
            Opened::Streaming(response) => {
                let secrets = [keys.access_key.clone(), keys.secret_key.clone()];
                let frames = stream::Frames::new(request, self.claude(request), secrets);
                Ok(streaming::deltas(response, frames))
            }
            Opened::Failed { status, headers, body } => Err(failure(keys, status, &headers, &body)),
        }
    }

    fn model(&self) -> Option<&str> {
        Some(&self.cfg.model)
    }

    fn takes_anthropic(&self, model: Option<&str>) -> parlance_core::anthropic::Reach {
        claude::reach(model.unwrap_or(&self.cfg.model))
    }
}

/// A non-2xx reply, mapped the same way for plain and streamed calls.
fn failure(keys: &Keys, status: u16, headers: &http::HeaderMap, body: &[u8]) -> ProviderError {
    let kind = headers.get("x-amzn-errortype").and_then(|v| v.to_str().ok());
    let retry_after = upstream::retry_after(headers.get(http::header::RETRY_AFTER));
    let secrets = [keys.access_key.as_str(), keys.secret_key.as_str()];
    error::from_status(status, kind, body, retry_after, &secrets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bedrock::config::Credentials;

    fn provider(session_token: Option<&str>) -> BedrockProvider {
        let keys = Keys {
            access_key: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: session_token.map(str::to_string),
        };
        let cfg = BedrockConfig {
            region: "eu-central-1".into(),
            model: "amazon.nova-lite-v1:0".into(),
            url: "https://bedrock-runtime.eu-central-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse".into(),
            credentials: Credentials::Keys(keys),
            default_max_tokens: None,
            timeout: config::DEFAULT_TIMEOUT,
        };
        BedrockProvider::new(cfg, crate::client::tests::client())
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    #[test]
    fn signs_for_bedrock_in_the_region() {
        let p = provider(Some("session-tok"));
        let keys = p.keys().unwrap();
        let signed = p.signature(keys, &p.cfg.url, br#"{"messages":[]}"#).unwrap();
        let auth = header(&signed, "authorization").unwrap();
        let date = header(&signed, "x-amz-date").unwrap();
        let scope =
            format!("Credential=AKIDEXAMPLE/{}/eu-central-1/bedrock/aws4_request", &date[..8]);
        assert!(auth.starts_with("AWS4-HMAC-SHA256 ") && auth.contains(&scope), "{auth}");
        assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date"), "{auth}");
        assert!(!auth.contains("wJalr"));
        assert_eq!(header(&signed, "x-amz-security-token"), Some("session-tok"));
        let unsigned = provider(None);
        let signed =
            unsigned.signature(unsigned.keys().unwrap(), &unsigned.cfg.url, b"{}").unwrap();
        assert!(header(&signed, "x-amz-security-token").is_none());
    }

    #[test]
    fn streams_go_to_converse_stream_and_are_signed_for_that_path() {
        let p = provider(None);
        assert!(p.stream_url.ends_with("/model/amazon.nova-lite-v1%3A0/converse-stream"));
        let keys = p.keys().unwrap();
        let plain = p.signature(keys, &p.cfg.url, b"{}").unwrap();
        let stream = p.signature(keys, &p.stream_url, b"{}").unwrap();
        let sig = |h: &[(String, String)]| header(h, "authorization").unwrap().to_string();
        if header(&plain, "x-amz-date") == header(&stream, "x-amz-date") {
            assert_ne!(sig(&plain), sig(&stream), "the path is part of the signature");
        }
    }

    #[test]
    fn a_request_model_is_called_and_signed_at_its_own_path() {
        let p = provider(None);
        let req = ChatRequest { model: Some("amazon.nova-pro-v1:0".into()), ..Default::default() };
        let (url, _) = p.target_for(&req, false).unwrap().unwrap();
        assert!(url.ends_with("/model/amazon.nova-pro-v1%3A0/converse"), "{url}");
        let (url, _) = p.target_for(&req, true).unwrap().unwrap();
        assert!(url.ends_with("/model/amazon.nova-pro-v1%3A0/converse-stream"), "{url}");
        assert!(p.target_for(&ChatRequest::default(), true).unwrap().is_none());
    }

    #[test]
    fn missing_credentials_fail_every_call_without_a_network_attempt() {
        let mut cfg = provider(None).cfg;
        cfg.credentials =
            Credentials::Profile { path: "/nonexistent/creds".into(), profile: "default".into() };
        let p = BedrockProvider::new(cfg, crate::client::tests::client());
        let e = p.keys().unwrap_err();
        assert_eq!(e.kind, FailureKind::InvalidRequest);
        assert!(
            e.message.starts_with("no AWS credentials: set accessKey/secretKey"),
            "{}",
            e.message
        );
    }
}
