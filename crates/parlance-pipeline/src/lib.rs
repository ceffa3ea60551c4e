//! The conversation service and the per-component pipeline between the API and a provider.
//!
//! ```text
//! API door → ConversationService::converse
//!   component lookup → missing inputs → validate::to_chat (messages, tool choice, parameters)
//!   → component chain: PiiStage → [cache] → [resiliency] → ProviderStage → Provider
//! ```
//! With API keys configured, a request that carries a [`keys::Principal`] is checked against
//! the key's lists and admitted against its limits between validation and the chain.
//! A request's own model (`metadata.model`, [`models`]) is checked against the component's
//! `allowedModels` before the chain runs.
//! Chains are built once per configuration by [`assemble`]; each [`stage::Stage`] wraps the
//! next. A reload swaps the whole configuration ([`Live`]) at once; requests in flight keep
//! the one they started with.
// Tests may panic on an unexpected outcome; the production code never does.
#![cfg_attr(test, allow(clippy::panic, clippy::unwrap_used, clippy::expect_used))]

pub mod assemble;
pub mod cache;
pub mod cost;
pub mod fallback;
pub mod keys;
pub mod models;
pub mod params;
pub mod plan;
pub mod pool;
pub mod resiliency;
pub mod service;
pub mod settings;
pub mod stage;
pub mod stages;
pub mod streaming;
pub mod telemetry;
pub mod trace;
pub mod validate;

pub use assemble::{BuildOptions, Builder, Changes};
pub use cache::{CacheSnapshot, CacheStats};
pub use keys::{KeyRing, Principal, Quota};
pub use models::{AllowedModels, ModelAliases};
pub use plan::{Plan, builtin_echo, plan};
pub use service::{CallOptions, Component, ConversationService, Conversed, Live};
pub use stage::{CacheMode, CacheStatus, Call, MemberSlot, Reply, Stage, StreamReply};
pub use streaming::{ConversedStream, StreamEvent, Summary};
