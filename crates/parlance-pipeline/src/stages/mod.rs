//! The stages of a component's pipeline, innermost first.

pub mod cache;
pub mod pii;
pub mod provider;
pub mod resiliency;
