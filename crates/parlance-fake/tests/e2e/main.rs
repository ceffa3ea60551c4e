//! End-to-end tests: a `reqwest` client against an in-process fake, one fake per test (HTTPS
//! ones in `tls.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod anthropic;
mod bedrock;
mod binary;
mod common;
mod faults;
mod fixed;
mod openai;
mod stream;
mod tls;
