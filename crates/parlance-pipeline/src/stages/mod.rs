//! The stages of a component's pipeline, innermost first.

pub mod pii;
pub mod provider;
