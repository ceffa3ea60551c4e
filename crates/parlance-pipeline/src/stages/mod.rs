//! The stages of a component's pipeline, innermost first.

pub mod cache;
mod cache_stream;
pub mod pii;
mod pii_stream;
pub mod provider;
mod provider_stream;
pub mod resiliency;
mod resiliency_stream;
#[cfg(test)]
mod stream_tests;
