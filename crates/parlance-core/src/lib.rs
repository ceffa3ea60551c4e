//! The heart of parlance that every other crate shares: the conversation request as the API
//! receives it ([`request`]), the normalised chat exchange that providers speak ([`chat`]),
//! the [`Provider`] trait that every upstream implements, and the error kinds with their single
//! mapping to HTTP status, gRPC code and Dapr `errorCode` ([`error`]).
//!
//! Nothing here does I/O; the crate is types and pure functions.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod anthropic;
pub mod chat;
pub mod error;
pub mod provider;
pub mod request;
pub mod stream;
pub mod wkt;

pub use anthropic::{AnthropicOptions, AnthropicPart, ThinkingBlock, ThinkingDelta};
pub use chat::{
    ChatMessage, ChatRequest, ChatResponse, Choice, CompletionDetails, GenerationParams, Opaque,
    Part, PromptDetails, ResponseFormat, Role, ToolCall, ToolChoice, ToolDef, ToolResult, Usage,
};
pub use error::{ApiError, ErrorCode, FailureKind, ProviderError, UpstreamFailure};
pub use provider::{CallContext, Provider, UpstreamClock};
pub use request::{
    ApiVersion, ConverseRequest, FunctionCallIn, FunctionIn, Input, Message, ToolCallIn, ToolIn,
};
pub use stream::{Assembler, Delta, DeltaStream, ToolCallDelta, deltas_of, replay};
