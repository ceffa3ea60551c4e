//! The conversation service: one instance behind both doors (HTTP and gRPC). It finds the
//! component, runs daprd's checks in daprd's order, and calls the component's chain.

use std::collections::HashMap;
use std::sync::Arc;

use parlance_core::{ApiError, CallContext, ChatResponse, ConverseRequest};

use crate::stage::{CacheMode, CacheStatus, Call, DynStage};
use crate::validate;

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
        let chain = self
            .by_name
            .get(name)
            .and_then(|c| c.chain.as_ref())
            .ok_or_else(|| ApiError::not_found(name))?;
        if req.inputs.is_empty() {
            return Err(ApiError::missing_inputs(name));
        }
        let chat = validate::to_chat(name, &mut req)?;
        let call = Call { chat, scrub_output: req.scrub_pii, cache: opts.cache, ctx: opts.ctx };
        let reply = chain.call(call).await.map_err(|e| ApiError::invoke(name, &e))?;
        Ok(Conversed { chat: reply.chat, cache: reply.cache })
    }
}
