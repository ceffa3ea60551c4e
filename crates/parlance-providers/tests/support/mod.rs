//! Shared by the client's integration tests (`tls.rs`, `proxy.rs`): an HTTPS fake, an OpenAI
//! component on a given client, a plain and a streamed call, and a tiny counting proxy.
#![allow(dead_code)]

pub mod proxy;

use std::sync::Arc;

use futures::StreamExt;
use parlance_config::Metadata;
use parlance_core::{CallContext, ChatMessage, ChatRequest, Provider, ProviderError, Role};
use parlance_fake::{FakeOptions, FakeUpstream};
use parlance_providers::registry::{self, ProviderKind};
use parlance_providers::{HttpClient, HttpClientBuilder, Proxies};

/// A fake serving HTTPS with a freshly generated certificate.
pub async fn tls_fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions { tls: true, ..FakeOptions::default() }).await.unwrap()
}

/// A plain-HTTP fake.
pub async fn plain_fake() -> FakeUpstream {
    FakeUpstream::start(FakeOptions::default()).await.unwrap()
}

/// A client builder trusting only `fake`'s CA, with no proxy.
pub fn trusting(fake: &FakeUpstream) -> HttpClientBuilder {
    HttpClient::builder()
        .platform_roots(false)
        .proxies(Proxies::none())
        .add_root_pem(fake.ca_pem().unwrap().as_bytes())
        .unwrap()
}

/// An OpenAI component pointed at `base` (`…/v1` is appended) on `client`.
pub fn openai(base: &str, client: &HttpClient) -> Arc<dyn Provider> {
    let endpoint = format!("{base}/v1");
    let pairs = [("key", "sk-test"), ("model", "gpt-4o-mini"), ("endpoint", endpoint.as_str())];
    let config = registry::validate(ProviderKind::OpenAi, &Metadata::from_pairs(&pairs), &|_| None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    registry::build(config, client)
}

/// A one-message request.
pub fn hello() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::text(Role::User, "hello over TLS")],
        ..ChatRequest::default()
    }
}

/// A plain call's text.
pub async fn plain(provider: &dyn Provider) -> Result<String, ProviderError> {
    let reply = provider.converse(&hello(), &CallContext::default()).await?;
    Ok(reply.choices[0].content.clone())
}

/// A streamed call's text, its deltas folded.
pub async fn streamed(provider: &dyn Provider) -> Result<String, ProviderError> {
    let mut stream = provider.converse_stream(&hello(), &CallContext::default()).await?;
    let mut assembler = parlance_core::Assembler::default();
    while let Some(delta) = stream.next().await {
        assembler.push(&delta?);
    }
    Ok(assembler.finish(None).choices[0].content.clone())
}
