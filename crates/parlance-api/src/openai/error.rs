//! The OpenAI door's errors: OpenAI's error shape, shared with the Responses door in
//! [`crate::door::openai_error`].

pub use crate::door::openai_error::OpenAiError;
