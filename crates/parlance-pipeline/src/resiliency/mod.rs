//! Dapr resiliency for conversation components (spec §6): typed policies from
//! `kind: Resiliency` documents, the policy lookup, and the pieces the resiliency stage
//! ([`crate::stages::resiliency`]) runs: retry ∘ circuit breaker ∘ per-attempt timeout.
//!
//! ```text
//! spec      raw YAML → ResiliencySpec (pure; every problem with file and path)
//! lookup    ResiliencySpec + component name → OutboundPolicy
//! backoff   retry policies: constant / exponential waits, maxRetries, status matching
//! breaker   gobreaker's closed / open / half-open state machine
//! trip      the breaker's `trip` expression
//! stats     per-component counters for metrics
//! ```

pub mod backoff;
pub mod breaker;
pub mod lookup;
pub mod spec;
pub mod stats;
pub mod trip;

use parlance_config::RawDocument;

pub use backoff::RetryPolicy;
pub use breaker::{BreakerPolicy, BreakerState};
pub use lookup::{OutboundPolicy, outbound};
pub use spec::{Parsed, ResiliencySpec};
pub use stats::ResiliencyStats;

/// Parses every Resiliency document and checks that each component target names a component
/// of the resources (`is_component`); conversation or not, as a shared file may also target
/// daprd's state stores.
pub fn load(docs: &[RawDocument], is_component: &dyn Fn(&str) -> bool) -> Parsed {
    let mut parsed = spec::parse(docs);
    for (name, target) in &parsed.spec.targets {
        let Some(source) = target.source.as_ref().filter(|_| !is_component(name)) else {
            continue;
        };
        let msg = format!(
            "component {name:?} is not defined in the resources (a target names a component's metadata.name)"
        );
        parsed.errors.push(source.problem(&format!("spec.targets.components.{name}"), msg));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use parlance_config::Source;

    use super::*;

    #[test]
    fn unknown_target_names_file_and_path() {
        let source = Source { file: PathBuf::from("res.yaml"), document: 1 };
        let yaml = "spec: {policies: {retries: {r: {}}}, targets: {components: {nope: {outbound: {retry: r}}, openai: {}}}}";
        let value = serde_yaml::from_str(yaml).unwrap();
        let docs = [RawDocument { source, name: "r".into(), value }];
        let parsed = load(&docs, &|n| n == "openai");
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        let text = parsed.errors[0].to_string();
        assert!(
            text.starts_with("res.yaml: document 2: spec.targets.components.nope: component \"nope\" is not defined"),
            "{text}"
        );
    }
}
