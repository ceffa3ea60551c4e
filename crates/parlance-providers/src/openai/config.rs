//! Configuration of the OpenAI-protocol components: which Dapr type, which metadata keys, which
//! defaults (spec §3.2), validated without I/O.
//!
//! Model resolution differs from Dapr on purpose: the component's `model` wins, then the
//! environment variable Dapr reads, then Dapr's default. Dapr checks the environment variable
//! first, so a stray `OPENAI_MODEL` silently overrides every component file; we think the file
//! should win.
//!
//! Where the model is part of the URL (Azure's deployment, an endpoint with `{model}` such as
//! Hugging Face's), the URL template is kept, so that a request's own model
//! ([`OpenAiConfig::url_for`]) is called at its own URL, not only named in the body.

use std::time::Duration;

use parlance_config::Metadata;

/// Which member of the OpenAI-protocol family a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `conversation.openai` (apiType `open_ai`).
    OpenAi,
    /// `conversation.openai` with `apiType: azure`.
    Azure,
    /// `conversation.deepseek`.
    DeepSeek,
    /// `conversation.huggingface`.
    HuggingFace,
    /// `conversation.ollama`.
    Ollama,
    /// `conversation.googleai` (Gemini's OpenAI-compatible endpoint).
    GoogleAi,
    /// `conversation.mistral` (Mistral's chat completions, OpenAI-shaped).
    Mistral,
}

/// Facts per flavor: model env var, default model, default endpoint, whether a key is required.
struct Defaults {
    model_env: Option<&'static str>,
    model: &'static str,
    endpoint: &'static str,
    key_required: bool,
}

impl Flavor {
    fn defaults(self) -> Defaults {
        let d = |model_env, model, endpoint, key_required| Defaults {
            model_env,
            model,
            endpoint,
            key_required,
        };
        match self {
            Flavor::OpenAi => {
                d(Some("OPENAI_MODEL"), "gpt-5-nano", "https://api.openai.com/v1", true)
            }
            Flavor::Azure => d(Some("AZURE_OPENAI_MODEL"), "gpt-4.1-nano", "", true),
            Flavor::DeepSeek => d(None, "deepseek-chat", "https://api.deepseek.com", true),
            Flavor::HuggingFace => d(
                Some("HUGGINGFACE_MODEL"),
                "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
                "https://router.huggingface.co/hf-inference/models/{model}/v1",
                true,
            ),
            Flavor::Ollama => {
                d(Some("OLLAMA_MODEL"), "llama3.2:latest", "http://localhost:11434/v1", false)
            }
            Flavor::GoogleAi => d(
                Some("GOOGLEAI_MODEL"),
                "gemini-2.5-flash-lite",
                "https://generativelanguage.googleapis.com/v1beta/openai",
                true,
            ),
            Flavor::Mistral => {
                d(Some("MISTRAL_MODEL"), "open-mistral-7b", "https://api.mistral.ai/v1", true)
            }
        }
    }

    /// Whether the upstream takes the newer `max_completion_tokens` instead of `max_tokens`
    /// (OpenAI's reasoning models reject `max_tokens`).
    pub fn uses_max_completion_tokens(self) -> bool {
        matches!(self, Flavor::OpenAi | Flavor::Azure)
    }

    /// Whether the request `metadata` map may be forwarded (Mistral rejects unknown fields).
    pub fn accepts_metadata(self) -> bool {
        !matches!(self, Flavor::Mistral)
    }

    /// Whether a streamed call may carry `stream_options: {"include_usage": true}`. Every
    /// flavour but Mistral accepts it (OpenAI; Azure from API version 2024-09-01-preview and
    /// in 2024-10-21; DeepSeek; Hugging Face's router and TGI; Ollama's OpenAI endpoint;
    /// Gemini's OpenAI endpoint). Mistral rejects fields it does not know and sends usage on
    /// its last chunk unasked.
    pub fn accepts_stream_options(self) -> bool {
        !matches!(self, Flavor::Mistral)
    }

    /// Whether OpenAI's top-level `prompt_cache_retention` is understood.
    pub fn accepts_prompt_cache_retention(self) -> bool {
        matches!(self, Flavor::OpenAi | Flavor::Azure)
    }
}

/// Which OpenAI API a component calls (metadata `wireApi`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireApi {
    /// `chat`: Chat Completions (`POST …/chat/completions`), Dapr's wire and the default.
    #[default]
    Chat,
    /// `responses`: the Responses API (`POST {endpoint}/responses`; Azure
    /// `POST {endpoint}/openai/v1/responses`, the deployment named in the body's `model`).
    /// Only `conversation.openai` (OpenAI and Azure) offers it.
    Responses,
}

/// How the key is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <key>`.
    Bearer(String),
    /// Azure's `api-key: <key>`.
    ApiKey(String),
}

/// A validated OpenAI-protocol component.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiConfig {
    /// The family member.
    pub flavor: Flavor,
    /// Resolved model.
    pub model: String,
    /// The API called (`wireApi`).
    pub wire: WireApi,
    /// Full URL of the call (chat completions, or responses with [`WireApi::Responses`]).
    pub url: String,
    /// `url` with the model left as `{model}`, when the model is part of the URL (Azure's
    /// deployment, an endpoint template); `None`: the URL does not depend on the model.
    pub url_template: Option<String>,
    /// The credential.
    pub auth: Auth,
    /// `maxTokens` metadata: the default output cap when the request sets none.
    pub default_max_tokens: Option<u64>,
    /// Bound on one upstream call until resiliency policies say otherwise.
    pub timeout: Duration,
}

/// The default bound on an upstream call (metadata `timeout` overrides it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Validates the metadata of an OpenAI-protocol component; every problem is reported.
pub fn validate(
    flavor: Flavor,
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<OpenAiConfig, Vec<String>> {
    let flavor = resolve_flavor(flavor, meta)?;
    let defaults = flavor.defaults();
    let mut problems = Vec::new();
    let model = resolve_model(meta, &defaults, env);
    let key = resolve_key(flavor, meta, &defaults, &mut problems);
    let wire = resolve_wire(flavor, meta, &mut problems);
    let url_template = match wire {
        WireApi::Chat => resolve_url(flavor, meta, &defaults, env, &mut problems),
        WireApi::Responses => responses_url(flavor, meta, env, &mut problems),
    };
    let url = fill(&url_template, &model);
    let url_template = (url != url_template).then_some(url_template);
    let default_max_tokens = meta.u64("maxTokens").unwrap_or_else(|e| {
        problems.push(format!("maxTokens: {e}"));
        None
    });
    let timeout = meta.duration("timeout").unwrap_or_else(|e| {
        problems.push(format!("timeout: {e}"));
        None
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    let auth = if flavor == Flavor::Azure { Auth::ApiKey(key) } else { Auth::Bearer(key) };
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
    Ok(OpenAiConfig { flavor, model, wire, url, url_template, auth, default_max_tokens, timeout })
}

impl OpenAiConfig {
    /// The URL of a call to `model`: [`OpenAiConfig::url`] unless the model is part of the
    /// URL, then the template filled with `model`, each of its `/`-separated segments
    /// percent-escaped (a segment that is empty, `.` or `..` is refused: it would move the
    /// call to another path).
    pub fn url_for(&self, model: &str) -> Result<Option<String>, String> {
        let Some(template) = &self.url_template else { return Ok(None) };
        if model == self.model {
            return Ok(None);
        }
        // An Azure deployment is one segment; model ids elsewhere keep their `/`.
        let parts: Vec<&str> =
            if self.flavor == Flavor::Azure { vec![model] } else { model.split('/').collect() };
        let mut segments = Vec::new();
        for segment in parts {
            if matches!(segment, "" | "." | "..") {
                return Err(format!("model {model:?} cannot be part of the upstream URL"));
            }
            segments.push(crate::bedrock::config::escape_path_segment(segment));
        }
        Ok(Some(fill(template, &segments.join("/"))))
    }
}

/// A URL template with its `{model}` placeholders (`{{model}}`, or the first `{model}`)
/// replaced.
fn fill(template: &str, model: &str) -> String {
    template.replace("{{model}}", model).replacen("{model}", model, 1)
}

fn resolve_flavor(flavor: Flavor, meta: &Metadata) -> Result<Flavor, Vec<String>> {
    if flavor != Flavor::OpenAi {
        return Ok(flavor);
    }
    match meta.get("apiType").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("open_ai") | Some("openai") => Ok(Flavor::OpenAi),
        Some("azure") | Some("azure_ad") => Ok(Flavor::Azure),
        Some(other) => {
            Err(vec![format!("apiType: unknown value {other:?} (expected open_ai or azure)")])
        }
    }
}

fn resolve_model(
    meta: &Metadata,
    defaults: &Defaults,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    let from_env = || defaults.model_env.and_then(env).filter(|v| !v.is_empty());
    match meta.get("model").filter(|m| !m.is_empty()) {
        Some(m) => m.to_string(),
        None => from_env().unwrap_or_else(|| defaults.model.to_string()),
    }
}

fn resolve_key(
    flavor: Flavor,
    meta: &Metadata,
    defaults: &Defaults,
    problems: &mut Vec<String>,
) -> String {
    match meta.get("key").filter(|k| !k.is_empty()) {
        Some(k) => k.to_string(),
        None if flavor == Flavor::Ollama => "ollama".to_string(),
        None => {
            if defaults.key_required {
                problems.push("key: required (the provider's API key)".to_string());
            }
            String::new()
        }
    }
}

/// The chat-completions URL, with the model still a `{model}` placeholder where it is part
/// of the URL.
fn resolve_url(
    flavor: Flavor,
    meta: &Metadata,
    defaults: &Defaults,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> String {
    let endpoint = meta.get("endpoint").filter(|e| !e.is_empty()).map(str::to_string);
    if flavor == Flavor::Azure {
        return azure_url(meta, endpoint, problems);
    }
    let endpoint = endpoint
        .or_else(|| (flavor == Flavor::OpenAi).then(|| openai_env_base(env)).flatten())
        .unwrap_or_else(|| defaults.endpoint.to_string());
    format!("{}/chat/completions", endpoint.trim_end_matches('/'))
}

/// `wireApi`: `chat` (default) or `responses`, the latter for `conversation.openai` only.
fn resolve_wire(flavor: Flavor, meta: &Metadata, problems: &mut Vec<String>) -> WireApi {
    let wire = match meta.get("wireApi").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("chat") => return WireApi::Chat,
        Some("responses") => WireApi::Responses,
        Some(other) => {
            let other = other.chars().take(64).collect::<String>();
            problems.push(format!("wireApi: unknown value {other:?} (expected chat or responses)"));
            return WireApi::Chat;
        }
    };
    if !matches!(flavor, Flavor::OpenAi | Flavor::Azure) {
        problems.push("wireApi: responses is served by conversation.openai only".to_string());
    }
    wire
}

/// The Responses API's URL: `{endpoint}/responses` (OpenAI's endpoint by default, or
/// `OPENAI_BASE_URL`); on Azure the v1 API's `{endpoint}/openai/v1/responses`, which takes
/// the deployment as the body's `model` and needs no `api-version`.
fn responses_url(
    flavor: Flavor,
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> String {
    let endpoint = meta.get("endpoint").filter(|e| !e.is_empty()).map(str::to_string);
    let base = match flavor {
        Flavor::Azure => {
            let Some(e) = endpoint else {
                problems.push("endpoint must be provided when apiType is set to 'azure'".into());
                return String::new();
            };
            return format!("{}/openai/v1/responses", e.trim_end_matches('/'));
        }
        _ => endpoint
            .or_else(|| openai_env_base(env))
            .unwrap_or_else(|| flavor.defaults().endpoint.to_string()),
    };
    format!("{}/responses", base.trim_end_matches('/'))
}

fn openai_env_base(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    env("OPENAI_BASE_URL").or_else(|| env("OPENAI_API_BASE")).filter(|v| !v.is_empty())
}

fn azure_url(meta: &Metadata, endpoint: Option<String>, problems: &mut Vec<String>) -> String {
    let version = meta.get("apiVersion").filter(|v| !v.is_empty());
    let (Some(endpoint), Some(version)) = (endpoint, version) else {
        problems
            .push("endpoint and apiVersion must be provided when apiType is set to 'azure'".into());
        return String::new();
    };
    format!(
        "{}/openai/deployments/{{model}}/chat/completions?api-version={version}",
        endpoint.trim_end_matches('/')
    )
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
    fn openai_defaults() {
        let c = validate(Flavor::OpenAi, &meta(&[("key", "sk-1")]), &no_env).unwrap();
        assert_eq!(c.model, "gpt-5-nano");
        assert_eq!(c.url, "https://api.openai.com/v1/chat/completions");
        assert_eq!(c.auth, Auth::Bearer("sk-1".into()));
    }

    #[test]
    fn missing_key_is_reported() {
        let e = validate(Flavor::OpenAi, &meta(&[]), &no_env).unwrap_err();
        assert!(e[0].starts_with("key: required"), "{e:?}");
        assert!(validate(Flavor::Ollama, &meta(&[]), &no_env).is_ok());
    }

    #[test]
    fn metadata_model_wins_over_env_then_default() {
        let env = |k: &str| (k == "OPENAI_MODEL").then(|| "from-env".to_string());
        let c =
            validate(Flavor::OpenAi, &meta(&[("key", "k"), ("model", "gpt-4o")]), &env).unwrap();
        assert_eq!(c.model, "gpt-4o");
        let c = validate(Flavor::OpenAi, &meta(&[("key", "k")]), &env).unwrap();
        assert_eq!(c.model, "from-env");
    }

    #[test]
    fn azure_needs_endpoint_and_version() {
        let m = meta(&[("key", "k"), ("apiType", "AZURE")]);
        let e = validate(Flavor::OpenAi, &m, &no_env).unwrap_err();
        assert!(e[0].contains("apiVersion must be provided"));
        let m = meta(&[
            ("key", "k"),
            ("apiType", "azure"),
            ("endpoint", "https://x.openai.azure.com/"),
            ("apiVersion", "2024-06-01"),
            ("model", "dep"),
        ]);
        let c = validate(Flavor::OpenAi, &m, &no_env).unwrap();
        assert_eq!(
            c.url,
            "https://x.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-06-01"
        );
        assert_eq!(c.auth, Auth::ApiKey("k".into()));
    }

    #[test]
    fn a_request_model_goes_into_the_url_where_the_model_is_part_of_it() {
        let m = meta(&[
            ("key", "k"),
            ("apiType", "azure"),
            ("endpoint", "https://x.openai.azure.com"),
            ("apiVersion", "2024-06-01"),
            ("model", "dep"),
        ]);
        let c = validate(Flavor::OpenAi, &m, &no_env).unwrap();
        assert_eq!(c.url_for("dep").unwrap(), None);
        assert_eq!(
            c.url_for("other dep/x").unwrap().unwrap(),
            "https://x.openai.azure.com/openai/deployments/other%20dep%2Fx/chat/completions?api-version=2024-06-01"
        );
        assert!(c.url_for("..").is_err());
        let c = validate(Flavor::HuggingFace, &meta(&[("key", "k"), ("model", "m/x")]), &no_env)
            .unwrap();
        assert_eq!(
            c.url_for("org/model-2").unwrap().unwrap(),
            "https://router.huggingface.co/hf-inference/models/org/model-2/v1/chat/completions"
        );
        assert!(c.url_for("org/../admin").is_err() && c.url_for("org//x").is_err());
        let c = validate(Flavor::OpenAi, &meta(&[("key", "k")]), &no_env).unwrap();
        assert_eq!((c.url_template.as_deref(), c.url_for("gpt-4o").unwrap()), (None, None));
    }

    #[test]
    fn huggingface_substitutes_the_model_and_endpoints_are_honoured() {
        let c = validate(Flavor::HuggingFace, &meta(&[("key", "k"), ("model", "m/x")]), &no_env)
            .unwrap();
        assert_eq!(
            c.url,
            "https://router.huggingface.co/hf-inference/models/m/x/v1/chat/completions"
        );
        let c = validate(
            Flavor::GoogleAi,
            &meta(&[("key", "k"), ("endpoint", "http://127.0.0.1:9/v1beta/openai/")]),
            &no_env,
        )
        .unwrap();
        assert_eq!(c.url, "http://127.0.0.1:9/v1beta/openai/chat/completions");
        let c =
            validate(Flavor::Mistral, &meta(&[("key", "k"), ("endpoint", "http://h/v1")]), &no_env)
                .unwrap();
        assert_eq!(c.url, "http://h/v1/chat/completions");
    }

    #[test]
    fn wire_api_picks_the_responses_url_and_is_validated() {
        let c = validate(Flavor::OpenAi, &meta(&[("key", "k")]), &no_env).unwrap();
        assert_eq!(c.wire, WireApi::Chat);
        let m = meta(&[("key", "k"), ("wireApi", "Responses"), ("endpoint", "http://h:1/v1/")]);
        let c = validate(Flavor::OpenAi, &m, &no_env).unwrap();
        assert_eq!((c.wire, c.url.as_str()), (WireApi::Responses, "http://h:1/v1/responses"));
        let m = meta(&[
            ("key", "k"),
            ("apiType", "azure"),
            ("endpoint", "https://x.openai.azure.com/"),
            ("wireApi", "responses"),
            ("model", "dep"),
        ]);
        let c = validate(Flavor::OpenAi, &m, &no_env).unwrap();
        assert_eq!(c.url, "https://x.openai.azure.com/openai/v1/responses");
        assert_eq!(c.url_template, None, "the deployment goes in the body");
        let e = validate(Flavor::OpenAi, &meta(&[("key", "k"), ("wireApi", "grpc")]), &no_env)
            .unwrap_err();
        assert_eq!(e, vec![r#"wireApi: unknown value "grpc" (expected chat or responses)"#]);
        let e =
            validate(Flavor::DeepSeek, &meta(&[("key", "k"), ("wireApi", "responses")]), &no_env)
                .unwrap_err();
        assert!(e[0].contains("conversation.openai only"), "{e:?}");
    }

    #[test]
    fn bad_numbers_and_durations_are_reported_together() {
        let e = validate(
            Flavor::DeepSeek,
            &meta(&[("maxTokens", "lots"), ("timeout", "soon")]),
            &no_env,
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
    }
}
