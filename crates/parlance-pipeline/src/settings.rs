//! Component settings that belong to the pipeline rather than the provider: the response
//! cache TTL (`responseCacheTTL`, alias `cacheTTL`), which PII entities to scrub
//! (`piiEntities`, default all) and how (`piiMode`: `redact` or `reversible`).
//! Validated without I/O, every problem reported.

use std::time::Duration;

use parlance_config::Metadata;
use parlance_pii::EntitySet;

use crate::stages::pii::PiiMode;

/// The pipeline's view of a component's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Response cache TTL; `None` means no response cache.
    pub cache_ttl: Option<Duration>,
    /// Entities the scrubber looks for.
    pub pii_entities: EntitySet,
    /// Placeholder style for inputs.
    pub pii_mode: PiiMode,
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
    if problems.is_empty() {
        Ok(Settings { cache_ttl, pii_entities, pii_mode })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e =
            validate(&Metadata::from_pairs(&[("responseCacheTTL", "ten minutes")])).unwrap_err();
        assert!(e[0].starts_with("responseCacheTTL: "), "{e:?}");
    }
}
