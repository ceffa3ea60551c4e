//! The table of conversation component types: `spec.type` → kind → (validate, build).
//!
//! Validation is pure (metadata and an environment lookup in, typed config or every problem
//! out), so `parlance validate` can run it without touching the network.

use std::sync::Arc;

use parlance_config::Metadata;
use parlance_core::Provider;

use crate::anthropic::{self, AnthropicConfig, AnthropicProvider};
use crate::bedrock::{self, BedrockConfig, BedrockProvider};
use crate::echo::Echo;
use crate::openai::{self, Flavor, OpenAiConfig, OpenAiProvider};

/// Every conversation component type Dapr defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// `conversation.echo`.
    Echo,
    /// `conversation.openai` (and Azure via `apiType`).
    OpenAi,
    /// `conversation.anthropic`.
    Anthropic,
    /// `conversation.mistral`.
    Mistral,
    /// `conversation.huggingface`.
    HuggingFace,
    /// `conversation.deepseek`.
    DeepSeek,
    /// `conversation.googleai`.
    GoogleAi,
    /// `conversation.ollama`.
    Ollama,
    /// `conversation.aws.bedrock`.
    Bedrock,
}

/// The `spec.type` strings, lower-case, as Dapr registers them.
const TYPES: &[(&str, ProviderKind)] = &[
    ("conversation.echo", ProviderKind::Echo),
    ("conversation.openai", ProviderKind::OpenAi),
    ("conversation.anthropic", ProviderKind::Anthropic),
    ("conversation.mistral", ProviderKind::Mistral),
    ("conversation.huggingface", ProviderKind::HuggingFace),
    ("conversation.deepseek", ProviderKind::DeepSeek),
    ("conversation.googleai", ProviderKind::GoogleAi),
    ("conversation.ollama", ProviderKind::Ollama),
    ("conversation.aws.bedrock", ProviderKind::Bedrock),
];

impl ProviderKind {
    /// The kind for a `spec.type` (matched case-insensitively); `None` when unknown.
    pub fn from_type(type_name: &str) -> Option<ProviderKind> {
        let t = type_name.to_ascii_lowercase();
        TYPES.iter().find(|(name, _)| *name == t).map(|(_, k)| *k)
    }

    /// The canonical `spec.type`.
    pub fn type_name(self) -> &'static str {
        TYPES.iter().find(|(_, k)| *k == self).map(|(n, _)| *n).unwrap_or("conversation.unknown")
    }

    /// Every known type, for error messages.
    pub fn all_types() -> impl Iterator<Item = &'static str> {
        TYPES.iter().map(|(n, _)| *n)
    }
}

/// A validated component configuration, ready to build.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderConfig {
    /// Echo's one setting, `maxTokens`.
    Echo(Echo),
    /// Any member of the OpenAI-protocol family.
    OpenAi(OpenAiConfig),
    /// `conversation.anthropic` (Anthropic or Microsoft Foundry).
    Anthropic(AnthropicConfig),
    /// `conversation.aws.bedrock` (Converse).
    Bedrock(BedrockConfig),
}

impl ProviderConfig {
    /// The resolved model, when the provider has one.
    pub fn model(&self) -> Option<&str> {
        match self {
            ProviderConfig::Echo(_) => None,
            ProviderConfig::OpenAi(c) => Some(&c.model),
            ProviderConfig::Anthropic(c) => Some(&c.model),
            ProviderConfig::Bedrock(c) => Some(&c.model),
        }
    }

    /// The provider's name in the OpenTelemetry GenAI conventions (`gen_ai.provider.name`).
    pub fn gen_ai_provider(&self) -> &'static str {
        match self {
            ProviderConfig::Echo(_) => "echo",
            ProviderConfig::OpenAi(c) => match c.flavor {
                Flavor::OpenAi => "openai",
                Flavor::Azure => "azure.ai.openai",
                Flavor::DeepSeek => "deepseek",
                Flavor::HuggingFace => "huggingface",
                Flavor::Ollama => "ollama",
                Flavor::GoogleAi => "gcp.gemini",
                Flavor::Mistral => "mistral_ai",
            },
            ProviderConfig::Anthropic(_) => "anthropic",
            ProviderConfig::Bedrock(_) => "aws.bedrock",
        }
    }
}

/// Validates a component's metadata for its kind; every problem is returned.
pub fn validate(
    kind: ProviderKind,
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProviderConfig, Vec<String>> {
    let openai = |flavor| openai::config::validate(flavor, meta, env).map(ProviderConfig::OpenAi);
    match kind {
        ProviderKind::Echo => Echo::validate(meta).map(ProviderConfig::Echo),
        ProviderKind::OpenAi => openai(Flavor::OpenAi),
        ProviderKind::Mistral => openai(Flavor::Mistral),
        ProviderKind::HuggingFace => openai(Flavor::HuggingFace),
        ProviderKind::DeepSeek => openai(Flavor::DeepSeek),
        ProviderKind::GoogleAi => openai(Flavor::GoogleAi),
        ProviderKind::Ollama => openai(Flavor::Ollama),
        ProviderKind::Anthropic => {
            anthropic::config::validate(meta, env).map(ProviderConfig::Anthropic)
        }
        ProviderKind::Bedrock => bedrock::config::validate(meta, env).map(ProviderConfig::Bedrock),
    }
}

/// Builds the provider (the only step that may allocate network resources).
pub fn build(config: ProviderConfig, client: &crate::HttpClient) -> Arc<dyn Provider> {
    match config {
        ProviderConfig::Echo(echo) => Arc::new(echo),
        ProviderConfig::OpenAi(cfg) => Arc::new(OpenAiProvider::new(cfg, client.clone())),
        ProviderConfig::Anthropic(cfg) => Arc::new(AnthropicProvider::new(cfg, client.clone())),
        ProviderConfig::Bedrock(cfg) => Arc::new(BedrockProvider::new(cfg, client.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_match_case_insensitively() {
        assert_eq!(ProviderKind::from_type("Conversation.OpenAI"), Some(ProviderKind::OpenAi));
        assert_eq!(
            ProviderKind::from_type("conversation.aws.bedrock"),
            Some(ProviderKind::Bedrock)
        );
        assert_eq!(ProviderKind::from_type("conversation.nope"), None);
        for t in ProviderKind::all_types() {
            assert_eq!(ProviderKind::from_type(t).map(|k| k.type_name()), Some(t));
        }
    }
}
