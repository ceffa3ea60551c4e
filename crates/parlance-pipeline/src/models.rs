//! Per-request models (beyond Dapr): component metadata `allowedModels` lists the upstream
//! model ids a request may choose instead of the component's configured model.
//!
//! A Dapr request chooses through its `metadata` key `model` (alpha1 and alpha2, HTTP and
//! gRPC); the OpenAI door puts the `<model>` of `"<component>/<model>"` under the same key.
//! [`choose`] takes the key out of the metadata (it is never forwarded upstream) and checks it
//! before any upstream call. Only the model can be chosen: a per-request endpoint or key does
//! not exist (metadata keys such as `endpoint` or `apiKey` are forwarded metadata, nothing
//! more).

use std::collections::BTreeMap;
use std::fmt;

use parlance_core::ApiError;

/// The component metadata key holding the list.
pub const ALLOWED_MODELS_KEY: &str = "allowedModels";

/// The request metadata key that chooses the model.
pub const MODEL_KEY: &str = "model";

/// The models a request may choose for one component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedModels {
    /// `*` was written out: any model id is allowed.
    any: bool,
    /// The ids written out, in order, without duplicates.
    ids: Vec<String>,
}

impl AllowedModels {
    /// Parses the comma-separated list (entries trimmed, empty entries skipped). An empty
    /// list allows no per-request model; `*` (only as a whole entry) allows any.
    pub fn parse(list: &str) -> Result<AllowedModels, String> {
        let mut allowed = AllowedModels::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                allowed.any = true;
            } else if entry.contains('*') {
                return Err(format!(
                    "{entry:?}: only a lone \"*\" is a wildcard (it allows any model)"
                ));
            } else if entry.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!("{entry:?}: a model id has no spaces or control characters"));
            } else if !allowed.ids.iter().any(|id| id == entry) {
                allowed.ids.push(entry.to_string());
            }
        }
        Ok(allowed)
    }

    /// Whether a request may choose `model`.
    pub fn allows(&self, model: &str) -> bool {
        self.any || self.ids.iter().any(|id| id == model)
    }

    /// Whether `*` was written out.
    pub fn allows_any(&self) -> bool {
        self.any
    }

    /// Whether no per-request model is allowed at all.
    pub fn is_empty(&self) -> bool {
        !self.any && self.ids.is_empty()
    }

    /// What both lists allow: `*` only when both have it, and each id written out in either
    /// that the other allows too (first list's order, then the second's).
    pub fn intersect(&self, other: &AllowedModels) -> AllowedModels {
        let mut both = AllowedModels { any: self.any && other.any, ids: Vec::new() };
        for id in self.ids.iter().chain(&other.ids) {
            if self.allows(id) && other.allows(id) && !both.ids.contains(id) {
                both.ids.push(id.clone());
            }
        }
        both
    }

    /// The list with `model` written out too (a component's configured model, which a
    /// request may always name).
    pub fn with(mut self, model: &str) -> AllowedModels {
        if !model.is_empty() && !self.ids.iter().any(|id| id == model) {
            self.ids.push(model.to_string());
        }
        self
    }

    /// The ids written out, in the order of the list (`*` is not one): what `/v1/models`
    /// lists as `<component>/<id>`.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }
}

impl fmt::Display for AllowedModels {
    /// The list as written (`gpt-4o, gpt-4o-mini`, `*`), or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let star = self.any.then_some("*");
        let all: Vec<&str> = self.ids().chain(star).collect();
        f.write_str(&all.join(", "))
    }
}

/// The component metadata key holding client model names that route to the component.
pub const MODEL_ALIASES_KEY: &str = "modelAliases";

/// `modelAliases`: client model names (`claude-sonnet-4-5`) or globs (`claude-*`, where `*`
/// matches any run of characters) that the `/v1` doors route to one component, for clients
/// that send their own model names (Claude Code, Codex).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelAliases {
    patterns: Vec<String>,
}

impl ModelAliases {
    /// Parses the comma-separated list (entries trimmed, empty entries skipped).
    pub fn parse(list: &str) -> Result<ModelAliases, String> {
        let mut patterns = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!("{entry:?}: a model name has no spaces or control characters"));
            }
            patterns.push(entry.to_string());
        }
        Ok(ModelAliases { patterns })
    }

    /// Whether `model` matches one of the names or globs.
    pub fn matches(&self, model: &str) -> bool {
        self.patterns.iter().any(|p| glob(p.as_bytes(), model.as_bytes()))
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// `*`-only glob matching, linear in practice: on a mismatch, backtrack to the last `*`.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Takes the request's `model` key out of `metadata` and decides the request's model:
/// `Ok(None)` for the component's configured model (no key, an empty value, or the configured
/// model by name), `Ok(Some(id))` for an allowed other model, else
/// [`ApiError::model_not_allowed`].
pub fn choose(
    component: &str,
    configured: &str,
    allowed: &AllowedModels,
    metadata: &mut BTreeMap<String, String>,
) -> Result<Option<String>, ApiError> {
    let Some(model) = metadata.remove(MODEL_KEY) else { return Ok(None) };
    let model = model.trim();
    if model.is_empty() || model == configured {
        return Ok(None);
    }
    if allowed.allows(model) {
        return Ok(Some(model.to_string()));
    }
    Err(ApiError::model_not_allowed(component, model, &allowed.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn aliases_match_names_and_globs() {
        let a = super::ModelAliases::parse("claude-*, gpt-5*codex, exact").unwrap();
        assert!(a.matches("claude-opus-4-5-20251101"));
        assert!(a.matches("gpt-5.1-codex") && a.matches("gpt-5codex"));
        assert!(a.matches("exact") && !a.matches("exact2") && !a.matches("gpt-4o"));
        assert!(!super::ModelAliases::default().matches("x"));
        assert!(super::ModelAliases::parse("a b").is_err());
        let all = super::ModelAliases::parse("*").unwrap();
        assert!(all.matches("") && all.matches("anything"));
    }

    use parlance_core::ErrorCode;

    use super::*;

    fn meta(model: &str) -> BTreeMap<String, String> {
        [("model".to_string(), model.to_string()), ("user".to_string(), "u".to_string())].into()
    }

    #[test]
    fn lists_are_trimmed_deduplicated_and_keep_their_order() {
        let a = AllowedModels::parse(" gpt-4o ,gpt-4o-mini,, gpt-4o,meta/llama-3:8b ").unwrap();
        assert_eq!(a.ids().collect::<Vec<_>>(), ["gpt-4o", "gpt-4o-mini", "meta/llama-3:8b"]);
        assert!(a.allows("gpt-4o-mini") && a.allows("meta/llama-3:8b"));
        assert!(!a.allows("gpt-4") && !a.allows("") && !a.allows_any());
        assert_eq!(a.to_string(), "gpt-4o, gpt-4o-mini, meta/llama-3:8b");
    }

    #[test]
    fn empty_allows_nothing_and_star_only_when_written_out() {
        for list in ["", " ", ",", " , "] {
            let a = AllowedModels::parse(list).unwrap();
            assert!(a.is_empty() && !a.allows("gpt-4o"), "{list:?}");
            assert_eq!(a.to_string(), "none");
        }
        let a = AllowedModels::parse("*").unwrap();
        assert!(a.allows_any() && a.allows("anything/at:all"));
        assert_eq!(a.ids().count(), 0);
        let a = AllowedModels::parse("gpt-4o, *").unwrap();
        assert!(a.allows("x") && a.ids().eq(["gpt-4o"]));
        assert_eq!(a.to_string(), "gpt-4o, *");
    }

    #[test]
    fn an_intersection_keeps_what_both_allow() {
        let p = |l: &str| AllowedModels::parse(l).unwrap();
        let both = p("a, b, c").intersect(&p("c, a, d"));
        assert_eq!((both.ids().collect::<Vec<_>>(), both.allows_any()), (vec!["a", "c"], false));
        let both = p("a, *").intersect(&p("b"));
        assert_eq!(both.ids().collect::<Vec<_>>(), ["b"], "b is allowed by the star");
        assert!(p("*").intersect(&p("*")).allows_any() && !p("*").intersect(&p("")).allows_any());
        assert!(p("a").intersect(&p("")).is_empty());
        assert_eq!(p("a").with("m").with("a").to_string(), "a, m");
    }

    #[test]
    fn bad_entries_are_problems() {
        assert!(AllowedModels::parse("gpt-*").unwrap_err().contains("lone"));
        assert!(AllowedModels::parse("**").is_err());
        assert!(AllowedModels::parse("gpt 4o").unwrap_err().contains("spaces"));
        assert!(AllowedModels::parse("a,b\tc").is_err());
    }

    #[test]
    fn the_key_is_taken_out_and_checked() {
        let allowed = AllowedModels::parse("gpt-4o-mini").unwrap();
        let mut m = meta("gpt-4o-mini");
        assert_eq!(
            choose("llm", "gpt-4o", &allowed, &mut m).unwrap().as_deref(),
            Some("gpt-4o-mini")
        );
        assert!(!m.contains_key("model") && m.contains_key("user"));
        let mut m = meta("gpt-4o");
        assert_eq!(choose("llm", "gpt-4o", &allowed, &mut m).unwrap(), None, "the configured one");
        let mut m = meta(" ");
        assert_eq!(choose("llm", "gpt-4o", &allowed, &mut m).unwrap(), None);
        let mut m = BTreeMap::new();
        assert_eq!(choose("llm", "gpt-4o", &allowed, &mut m).unwrap(), None);
    }

    #[test]
    fn a_model_not_listed_is_refused_with_the_list() {
        let allowed = AllowedModels::parse("a, b").unwrap();
        let mut m = meta("c");
        let e = choose("llm", "gpt-4o", &allowed, &mut m).unwrap_err();
        assert_eq!(e.code, ErrorCode::ModelNotAllowed);
        assert!(
            e.message
                .ends_with("model \"c\" is not allowed for component llm (allowedModels: a, b)"),
            "{}",
            e.message
        );
        let e = choose("llm", "gpt-4o", &AllowedModels::default(), &mut meta("c")).unwrap_err();
        assert!(e.message.ends_with("(allowedModels: none)"), "{}", e.message);
    }
}
