//! Configuration of `conversation.anthropic`: metadata keys and defaults (spec §3.2), validated
//! without I/O.
//!
//! Model resolution follows the OpenAI family's order: metadata `model`, then `ANTHROPIC_MODEL`,
//! then Dapr's default. `max_tokens` is required by the Messages API; when neither the request
//! (alpha2 `parameters.max_tokens`) nor the component (`maxTokens`) gives one, parlance sends
//! [`DEFAULT_MAX_TOKENS`] — not langchaingo's silent 2048.

use std::time::Duration;

use parlance_config::Metadata;

/// Dapr's default model.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-20250514";

/// Dapr's default base URL.
pub const DEFAULT_ENDPOINT: &str = "https://api.anthropic.com/v1";

/// The `anthropic-version` header value.
pub const API_VERSION: &str = "2023-06-01";

/// Output cap sent when nobody chose one: the largest value every Claude model accepts
/// (the Claude 3 models stop at 4096), twice what Dapr sends.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// The default bound on an upstream call (metadata `timeout` overrides it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the Messages API is hosted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiType {
    /// Anthropic's own API (`apiType` unset or `anthropic`).
    Anthropic,
    /// Claude in Microsoft Foundry (`apiType: foundry`): same protocol, endpoint required
    /// (`https://{resource}.services.ai.azure.com/anthropic/v1`).
    Foundry,
}

/// A validated `conversation.anthropic` component.
#[derive(Debug, Clone, PartialEq)]
pub struct AnthropicConfig {
    /// Where it is hosted.
    pub api_type: ApiType,
    /// Resolved model (a deployment name on Foundry).
    pub model: String,
    /// Full URL of the Messages call: `{endpoint}/messages`.
    pub url: String,
    /// The API key, sent as `x-api-key`.
    pub key: String,
    /// Output cap when the request sets none: `maxTokens`, else [`DEFAULT_MAX_TOKENS`].
    pub default_max_tokens: u64,
    /// Bound on one upstream call until resiliency policies say otherwise.
    pub timeout: Duration,
}

/// Validates the metadata; every problem is reported as `"<key>: <message>"`.
pub fn validate(
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AnthropicConfig, Vec<String>> {
    let mut problems = Vec::new();
    let api_type = api_type(meta, &mut problems);
    let model = non_empty(meta, "model")
        .or_else(|| env("ANTHROPIC_MODEL").filter(|m| !m.is_empty()))
        .unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let key = non_empty(meta, "key").unwrap_or_else(|| {
        problems.push("key: required (the Anthropic API key)".to_string());
        String::new()
    });
    let url = url(meta, api_type, &mut problems);
    let max_tokens = positive(meta, "maxTokens", &mut problems);
    let timeout = meta.duration("timeout").unwrap_or_else(|e| {
        problems.push(format!("timeout: {e}"));
        None
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    let default_max_tokens = max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
    Ok(AnthropicConfig { api_type, model, url, key, default_max_tokens, timeout })
}

fn non_empty(meta: &Metadata, key: &str) -> Option<String> {
    meta.get(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

fn api_type(meta: &Metadata, problems: &mut Vec<String>) -> ApiType {
    match meta.get("apiType").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("anthropic") => ApiType::Anthropic,
        Some("foundry") => ApiType::Foundry,
        Some(other) => {
            problems
                .push(format!("apiType: unknown value {other:?} (expected anthropic or foundry)"));
            ApiType::Anthropic
        }
    }
}

fn url(meta: &Metadata, api_type: ApiType, problems: &mut Vec<String>) -> String {
    let endpoint = match (non_empty(meta, "endpoint"), api_type) {
        (Some(e), _) => e,
        (None, ApiType::Anthropic) => DEFAULT_ENDPOINT.to_string(),
        (None, ApiType::Foundry) => {
            problems.push("endpoint: required when apiType is foundry".to_string());
            return String::new();
        }
    };
    format!("{}/messages", endpoint.trim_end_matches('/'))
}

fn positive(meta: &Metadata, key: &str, problems: &mut Vec<String>) -> Option<u64> {
    match meta.u64(key) {
        Ok(Some(0)) => {
            problems.push(format!("{key}: must be at least 1"));
            None
        }
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{key}: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> Metadata {
        Metadata::from_pairs(pairs)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults() {
        let c = validate(&meta(&[("key", "sk-ant-1")]), &no_env).unwrap();
        assert_eq!(c.model, DEFAULT_MODEL);
        assert_eq!(c.url, "https://api.anthropic.com/v1/messages");
        assert_eq!((c.default_max_tokens, c.api_type), (4096, ApiType::Anthropic));
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn model_order_is_metadata_then_env_then_default() {
        let env = |k: &str| (k == "ANTHROPIC_MODEL").then(|| "claude-from-env".to_string());
        let c = validate(&meta(&[("key", "k"), ("model", "claude-x")]), &env).unwrap();
        assert_eq!(c.model, "claude-x");
        let c = validate(&meta(&[("key", "k")]), &env).unwrap();
        assert_eq!(c.model, "claude-from-env");
    }

    #[test]
    fn endpoint_is_trimmed_and_foundry_needs_one() {
        let m = meta(&[("key", "k"), ("endpoint", "http://127.0.0.1:9/v1/")]);
        assert_eq!(validate(&m, &no_env).unwrap().url, "http://127.0.0.1:9/v1/messages");
        let e = validate(&meta(&[("key", "k"), ("apiType", "Foundry")]), &no_env).unwrap_err();
        assert_eq!(e, vec!["endpoint: required when apiType is foundry".to_string()]);
        let m = meta(&[
            ("key", "k"),
            ("apiType", "foundry"),
            ("endpoint", "https://r.services.ai.azure.com/anthropic/v1"),
        ]);
        let c = validate(&m, &no_env).unwrap();
        assert_eq!(c.url, "https://r.services.ai.azure.com/anthropic/v1/messages");
        assert_eq!(c.api_type, ApiType::Foundry);
    }

    #[test]
    fn every_problem_is_reported() {
        let m = meta(&[("apiType", "bedrock"), ("maxTokens", "0"), ("timeout", "soon")]);
        let e = validate(&m, &no_env).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e.iter().any(|p| p.starts_with("key: required")));
        assert!(e.iter().any(|p| p == "maxTokens: must be at least 1"));
        let c = validate(&meta(&[("key", "k"), ("maxTokens", "100")]), &no_env).unwrap();
        assert_eq!(c.default_max_tokens, 100);
    }
}
