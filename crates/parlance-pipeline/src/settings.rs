//! Component settings that belong to the pipeline rather than the provider: the response
//! cache TTL (`responseCacheTTL`, alias `cacheTTL`) and its shared store
//! (`responseCacheStore`: the name of a `state.redis` component), which PII entities to scrub
//! (`piiEntities`, default all) and how (`piiMode`: `redact` or `reversible`), and the
//! component to fall back to when a call fails (`fallbackComponent`, see [`crate::fallback`]),
//! and the longest silence allowed between a stream's upstream events (`streamIdleTimeout`),
//! the models a request may choose (`allowedModels`, see [`crate::models`]), the client model
//! names routed to it (`modelAliases`) and the PII
//! scrubbing the operator enforces for every caller (`scrubPii: none|inputs|outputs|both`).
//! The component's own prices (`priceInputPerMTok`, …: [`crate::cost::PRICE_KEYS`]) override
//! the shipped price table.
//! Validated without I/O, every problem reported.

use std::time::Duration;

use parlance_config::Metadata;
use parlance_pii::EntitySet;

use crate::cost::PriceOverride;
use crate::models::{ALLOWED_MODELS_KEY, AllowedModels, MODEL_ALIASES_KEY, ModelAliases};
use crate::stages::pii::{PiiMode, ScrubPolicy};

/// The metadata key naming the fallback component.
pub const FALLBACK_KEY: &str = "fallbackComponent";

/// The metadata key bounding the gap between a stream's upstream events.
pub const STREAM_IDLE_KEY: &str = "streamIdleTimeout";

/// The default of `streamIdleTimeout`.
pub const DEFAULT_STREAM_IDLE: Duration = Duration::from_secs(60);

/// The pipeline's view of a component's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Response cache TTL; `None` means no response cache.
    pub cache_ttl: Option<Duration>,
    /// `responseCacheStore`: the `state.redis` component that shares the cache; `None` keeps
    /// it in memory only. Checked against the resources by [`crate::plan::plan`].
    pub cache_store: Option<String>,
    /// Entities the scrubber looks for.
    pub pii_entities: EntitySet,
    /// Placeholder style for inputs.
    pub pii_mode: PiiMode,
    /// `fallbackComponent`: the conversation component that answers when this one fails.
    /// Checked against the resources by [`crate::plan::plan`].
    pub fallback_component: Option<String>,
    /// `streamIdleTimeout`: a stream whose upstream sends no event for this long ends with an
    /// error (keep-alive comments do not count as events).
    pub stream_idle: Duration,
    /// `allowedModels`: the models a request may choose instead of the configured one.
    pub allowed_models: AllowedModels,
    /// `modelAliases`: client model names the `/v1` doors route to this component.
    pub model_aliases: ModelAliases,
    /// `scrubPii`: what is scrubbed for every caller, whatever the request says.
    pub scrub_pii: ScrubPolicy,
    /// `price*PerMTok`: prices over the shipped table's.
    pub prices: PriceOverride,
}

/// Reads the settings; problems are `"<key>: <message>"`.
pub fn validate(meta: &Metadata) -> Result<Settings, Vec<String>> {
    let mut problems = Vec::new();
    let cache_key = ["responseCacheTTL", "cacheTTL"].into_iter().find(|k| meta.get(k).is_some());
    let cache_ttl = cache_key.and_then(|k| {
        meta.duration(k).unwrap_or_else(|e| {
            problems.push(format!("{k}: {e}"));
            None
        })
    });
    let cache_store = meta.get("responseCacheStore").map(str::trim).filter(|v| !v.is_empty());
    let cache_store = cache_store.map(str::to_string);
    let fallback = meta.get(FALLBACK_KEY).map(str::trim).filter(|v| !v.is_empty());
    let fallback_component = fallback.map(str::to_string);
    let pii_entities = match meta.get("piiEntities").filter(|v| !v.trim().is_empty()) {
        None => EntitySet::all(),
        Some(list) => EntitySet::parse(list).unwrap_or_else(|e| {
            problems.push(format!("piiEntities: {e}"));
            EntitySet::all()
        }),
    };
    let pii_mode = match meta.get("piiMode").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("redact") => PiiMode::Redact,
        Some("reversible") => PiiMode::Reversible,
        Some(other) => {
            problems
                .push(format!("piiMode: unknown mode {other:?} (expected redact or reversible)"));
            PiiMode::Redact
        }
    };
    let stream_idle = match meta.duration(STREAM_IDLE_KEY) {
        Ok(Some(d)) if !d.is_zero() => d,
        Ok(_) => DEFAULT_STREAM_IDLE,
        Err(e) => {
            problems.push(format!("{STREAM_IDLE_KEY}: {e}"));
            DEFAULT_STREAM_IDLE
        }
    };
    let allowed_models = AllowedModels::parse(meta.get(ALLOWED_MODELS_KEY).unwrap_or(""))
        .unwrap_or_else(|e| {
            problems.push(format!("{ALLOWED_MODELS_KEY}: {e}"));
            AllowedModels::default()
        });
    let model_aliases = ModelAliases::parse(meta.get(MODEL_ALIASES_KEY).unwrap_or(""))
        .unwrap_or_else(|e| {
            problems.push(format!("{MODEL_ALIASES_KEY}: {e}"));
            ModelAliases::default()
        });
    let scrub_pii = ScrubPolicy::parse(meta.get("scrubPii").unwrap_or("")).unwrap_or_else(|e| {
        problems.push(format!("scrubPii: {e}"));
        ScrubPolicy::default()
    });
    let prices = PriceOverride::parse(meta, &mut problems);
    if problems.is_empty() {
        Ok(Settings {
            cache_ttl,
            cache_store,
            pii_entities,
            pii_mode,
            fallback_component,
            stream_idle,
            allowed_models,
            model_aliases,
            scrub_pii,
            prices,
        })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_component_is_read_and_trimmed() {
        let s = validate(&Metadata::from_pairs(&[("fallbackComponent", " echo ")])).unwrap();
        assert_eq!(s.fallback_component.as_deref(), Some("echo"));
        let s = validate(&Metadata::from_pairs(&[("fallbackComponent", "")])).unwrap();
        assert_eq!(s.fallback_component, None);
    }

    #[test]
    fn defaults_and_errors() {
        let s = validate(&Metadata::from_pairs(&[])).unwrap();
        assert_eq!(s.pii_mode, PiiMode::Redact);
        let e =
            validate(&Metadata::from_pairs(&[("piiMode", "shred"), ("piiEntities", "EMAIL,NOPE")]))
                .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        let s = validate(&Metadata::from_pairs(&[("PIIMODE", "Reversible")])).unwrap();
        assert_eq!(s.pii_mode, PiiMode::Reversible);
        let s = validate(&Metadata::from_pairs(&[("cacheTTL", "10m")])).unwrap();
        assert_eq!(s.cache_ttl, Some(Duration::from_secs(600)));
        assert_eq!(s.cache_store, None);
        let s = validate(&Metadata::from_pairs(&[("responseCacheStore", "statestore")])).unwrap();
        assert_eq!(s.cache_store.as_deref(), Some("statestore"));
        let e =
            validate(&Metadata::from_pairs(&[("responseCacheTTL", "ten minutes")])).unwrap_err();
        assert!(e[0].starts_with("responseCacheTTL: "), "{e:?}");
    }

    #[test]
    fn allowed_models_and_scrub_pii() {
        let s = validate(&Metadata::from_pairs(&[])).unwrap();
        assert!(s.allowed_models.is_empty());
        assert_eq!(s.scrub_pii, ScrubPolicy::default());
        let pairs = [("allowedModels", "gpt-4o, gpt-4o-mini"), ("scrubPii", "Both")];
        let s = validate(&Metadata::from_pairs(&pairs)).unwrap();
        assert!(s.allowed_models.allows("gpt-4o-mini") && !s.allowed_models.allows("o3"));
        assert_eq!(s.scrub_pii, ScrubPolicy { inputs: true, outputs: true });
        let e = validate(&Metadata::from_pairs(&[("allowedModels", "gpt-*"), ("scrubPii", "all")]))
            .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("allowedModels: ") && e[1].starts_with("scrubPii: "), "{e:?}");
    }

    #[test]
    fn stream_idle_defaults_to_a_minute() {
        let s = validate(&Metadata::from_pairs(&[])).unwrap();
        assert_eq!(s.stream_idle, DEFAULT_STREAM_IDLE);
        let s = validate(&Metadata::from_pairs(&[("streamIdleTimeout", "5s")])).unwrap();
        assert_eq!(s.stream_idle, Duration::from_secs(5));
        let e = validate(&Metadata::from_pairs(&[("streamIdleTimeout", "soon")])).unwrap_err();
        assert!(e[0].starts_with("streamIdleTimeout: "), "{e:?}");
    }
}
