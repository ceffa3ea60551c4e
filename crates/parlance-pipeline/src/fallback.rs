//! Fallback (beyond Dapr): component metadata `fallbackComponent: <name>`.
//!
//! When a component's chain still fails after its resiliency policy, the same (already
//! validated) call goes once to the named conversation component's chain, and the reply says
//! which component answered. One hop only: the fallback's own `fallbackComponent` is not
//! followed, so no configuration can loop. The names are checked at plan time
//! ([`crate::plan`]). A model the request chose (`metadata.model`) was allowed by the
//! component asked for, not by its fallback: the fallback answers with its own configured
//! model. Each chain enforces its own component's `scrubPii`.

use parlance_core::{ApiError, ProviderError};

use futures::future::BoxFuture;

use crate::stage::{Call, DynStage, Reply, StreamReply};

/// Calls `chain`; on failure calls `fallback` (its name and chain) once with the same call.
/// Returns the reply and, when the fallback answered, its name. Errors are `ApiError::invoke`
/// of the component asked for, naming both failures when the fallback fails too (with the
/// upstream facts of the last failure).
pub async fn call(
    name: &str,
    chain: &DynStage,
    fallback: Option<(&str, &DynStage)>,
    call: Call,
) -> Result<(Reply, Option<String>), ApiError> {
    either(name, chain, fallback, call, |stage, call| stage.call(call)).await
}

/// As [`call`], for a stream: the fallback answers when the chain fails before its first
/// delta (after that, the stream's failure is the client's to see).
pub async fn stream(
    name: &str,
    chain: &DynStage,
    fallback: Option<(&str, &DynStage)>,
    call: Call,
) -> Result<(StreamReply, Option<String>), ApiError> {
    either(name, chain, fallback, call, |stage, call| stage.stream(call)).await
}

async fn either<'a, T, F>(
    name: &str,
    chain: &'a DynStage,
    fallback: Option<(&str, &'a DynStage)>,
    call: Call,
    run: F,
) -> Result<(T, Option<String>), ApiError>
where
    F: Fn(&'a DynStage, Call) -> BoxFuture<'a, Result<T, ProviderError>>,
{
    let Some((fb_name, fb_chain)) = fallback else {
        return run(chain, call)
            .await
            .map(|r| (r, None))
            .map_err(|e| ApiError::from_provider(name, &e));
    };
    let first = match run(chain, call.clone()).await {
        Ok(reply) => return Ok((reply, None)),
        Err(e) => e,
    };
    tracing::debug!(component = name, fallback = fb_name, error = %first, "falling back");
    let mut call = call;
    call.chat_mut().model = None;
    match run(fb_chain, call).await {
        Ok(reply) => Ok((reply, Some(fb_name.to_string()))),
        Err(second) => {
            Err(ApiError::invoke(name, &both(&first, fb_name, &second)).with_upstream(&second))
        }
    }
}

fn both(first: &ProviderError, fb_name: &str, second: &ProviderError) -> String {
    format!("{first} (fallback component {fb_name} also failed: {second})")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use parlance_core::{ConverseRequest, FailureKind, Input, Message};

    use super::*;
    use crate::service::{CallOptions, Component, ConversationService};
    use crate::stage::{Stage, StreamReply};

    /// A chain that always fails (or answers), counts its calls and keeps the last call's
    /// model.
    struct Stub {
        fail: bool,
        calls: AtomicUsize,
        model: std::sync::Mutex<Option<String>>,
    }

    #[async_trait]
    impl Stage for Stub {
        async fn call(&self, call: Call) -> Result<Reply, ProviderError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            *self.model.lock().unwrap() = call.chat.model.clone();
            if self.fail {
                return Err(ProviderError::transient(FailureKind::Connect, "down"));
            }
            Ok(Reply { chat: Default::default(), cache: None })
        }

        async fn stream(&self, call: Call) -> Result<StreamReply, ProviderError> {
            self.call(call).await.map(StreamReply::replay)
        }
    }

    fn component(name: &str, fallback: &str, stub: &Arc<Stub>) -> Component {
        Component {
            name: name.into(),
            type_name: "conversation.echo".into(),
            version: "v1".into(),
            chain: Some(stub.clone()),
            resiliency: None,
            fallback: Some(fallback.into()),
            gen_ai_provider: "echo",
            model: String::new(),
            allowed_models: Default::default(),
            model_aliases: Default::default(),
            meters: None,
            pricing: Default::default(),
            counter: None,
            keeps_responses_items: false,
            takes_reasoning: [false, false],
            provider: None,
        }
    }

    fn stub(fail: bool) -> Arc<Stub> {
        Arc::new(Stub { fail, calls: AtomicUsize::new(0), model: Default::default() })
    }

    fn hello() -> ConverseRequest {
        let messages = vec![Message::User(vec!["hi".into()])];
        ConverseRequest { inputs: vec![Input { messages, scrub_pii: false }], ..Default::default() }
    }

    #[tokio::test]
    async fn one_hop_only_even_when_fallbacks_point_at_each_other() {
        let (a, b) = (stub(true), stub(true));
        let service = ConversationService::new(
            vec![component("a", "b", &a), component("b", "a", &b)],
            Default::default(),
        );
        let err = service.converse("a", hello(), CallOptions::default()).await.unwrap_err();
        assert_eq!(
            err.message,
            "failed conversing with component a: down (fallback component b also failed: down)"
        );
        assert_eq!((a.calls.load(Ordering::SeqCst), b.calls.load(Ordering::SeqCst)), (1, 1));
    }

    #[tokio::test]
    async fn a_chosen_model_goes_to_the_component_asked_for_not_to_its_fallback() {
        let (a, b) = (stub(true), stub(false));
        let mut first = component("a", "b", &a);
        first.allowed_models = crate::AllowedModels::parse("gpt-4o").unwrap();
        let service =
            ConversationService::new(vec![first, component("b", "a", &b)], Default::default());
        let mut req = hello();
        req.metadata.insert("model".into(), "gpt-4o".into());
        let done = service.converse("a", req, CallOptions::default()).await.unwrap();
        assert_eq!(done.answered_by.as_deref(), Some("b"));
        assert_eq!(a.model.lock().unwrap().as_deref(), Some("gpt-4o"));
        assert_eq!(*b.model.lock().unwrap(), None, "the fallback's own model");
        let mut req = hello();
        req.metadata.insert("model".into(), "gpt-4o".into());
        let e = service.converse("b", req, CallOptions::default()).await.unwrap_err();
        assert_eq!(e.code, parlance_core::ErrorCode::ModelNotAllowed);
    }

    #[tokio::test]
    async fn the_reply_names_the_fallback_that_answered() {
        let (a, b) = (stub(true), stub(false));
        let service = ConversationService::new(
            vec![component("a", "b", &a), component("b", "a", &b)],
            Default::default(),
        );
        let done = service.converse("a", hello(), CallOptions::default()).await.unwrap();
        assert_eq!(done.answered_by.as_deref(), Some("b"));
        let done = service.converse("b", hello(), CallOptions::default()).await.unwrap();
        assert_eq!(done.answered_by, None);
    }
}
