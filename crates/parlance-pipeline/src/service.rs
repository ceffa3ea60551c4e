//! The conversation service: one instance behind both doors (HTTP and gRPC). It finds the
//! component, runs daprd's checks in daprd's order, and calls the component's chain (and,
//! when that fails, its `fallbackComponent`'s chain: [`crate::fallback`]).

use std::collections::HashMap;
use std::sync::Arc;

use parlance_core::{ApiError, CallContext, ChatResponse, ConverseRequest};

use crate::resiliency::ResiliencyStats;
use crate::stage::{CacheMode, CacheStatus, Call, DynStage};
use crate::{fallback, validate};

/// A component, as the service and the metadata endpoint see it.
pub struct Component {
    /// `metadata.name`.
    pub name: String,
    /// `spec.type`, canonical lower case.
    pub type_name: String,
    /// `spec.version`, normalised.
    pub version: String,
    /// The pipeline built for it; `None` for components that are not conversation components
    /// (secret stores, state stores) and are only listed.
    pub chain: Option<DynStage>,
    /// Retry and circuit-breaker counters, when a resiliency policy applies to it.
    pub resiliency: Option<ResiliencyStats>,
    /// `fallbackComponent`: the component whose chain answers when this one fails.
    pub fallback: Option<String>,
}

/// Per-request options that do not come from the body.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// The client's cache wishes.
    pub cache: CacheMode,
    /// Trace context.
    pub ctx: CallContext,
}

/// A successful call.
#[derive(Debug, Clone)]
pub struct Conversed {
    /// The (output-scrubbed) answer.
    pub chat: ChatResponse,
    /// How the cache answered, when the component has one.
    pub cache: Option<CacheStatus>,
    /// Set when the component's `fallbackComponent` answered: that component's name.
    pub answered_by: Option<String>,
}

/// The conversation service.
pub struct ConversationService {
    by_name: HashMap<String, Arc<Component>>,
    order: Vec<Arc<Component>>,
}

impl ConversationService {
    /// A service over these components (names are unique: the loader checked).
    pub fn new(components: Vec<Component>) -> ConversationService {
        let order: Vec<Arc<Component>> = components.into_iter().map(Arc::new).collect();
        let by_name = order.iter().map(|c| (c.name.clone(), c.clone())).collect();
        ConversationService { by_name, order }
    }

    /// Every registered component, in load order.
    pub fn components(&self) -> impl Iterator<Item = &Component> {
        self.order.iter().map(|c| c.as_ref())
    }

    /// Handles one conversation request for component `name` (spec §1.5).
    pub async fn converse(
        &self,
        name: &str,
        mut req: ConverseRequest,
        opts: CallOptions,
    ) -> Result<Conversed, ApiError> {
        let (chain, fallback) = self.chains(name).ok_or_else(|| ApiError::not_found(name))?;
        if req.inputs.is_empty() {
            return Err(ApiError::missing_inputs(name));
        }
        let chat = validate::to_chat(name, &mut req)?;
        let call = Call { chat, scrub_output: req.scrub_pii, cache: opts.cache, ctx: opts.ctx };
        let (reply, answered_by) = fallback::call(name, chain, fallback, call).await?;
        Ok(Conversed { chat: reply.chat, cache: reply.cache, answered_by })
    }

    /// The chain of conversation component `name`, and its fallback's name and chain.
    fn chains(&self, name: &str) -> Option<(&DynStage, Option<(&str, &DynStage)>)> {
        let component = self.by_name.get(name)?;
        let fallback = component.fallback.as_deref().and_then(|f| self.by_name.get(f));
        let fallback = fallback.and_then(|f| Some((f.name.as_str(), f.chain.as_ref()?)));
        Some((component.chain.as_ref()?, fallback))
    }
}
