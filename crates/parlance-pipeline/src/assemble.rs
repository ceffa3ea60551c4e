//! Loaded resources → a [`Plan`] (validated, no I/O) → a running [`ConversationService`].
//!
//! Validation collects every problem of every component, each naming the file and YAML path,
//! so that a bad resources folder never half-starts. `ignoreErrors: true` turns a component's
//! own problems into warnings and drops it.

use std::sync::Arc;

use parlance_config::{ComponentSpec, ConfigProblem, Resources};
use parlance_pii::Scrubber;
use parlance_providers::{ProviderConfig, ProviderKind, registry};

use crate::service::{Component, ConversationService};
use crate::settings::{self, Settings};
use crate::stage::DynStage;
use crate::stages::pii::PiiStage;
use crate::stages::provider::ProviderStage;

/// A conversation component that passed validation.
#[derive(Debug, Clone)]
pub struct ComponentPlan {
    /// `metadata.name`.
    pub name: String,
    /// The provider kind.
    pub kind: ProviderKind,
    /// Typed provider settings.
    pub provider: ProviderConfig,
    /// Pipeline settings.
    pub settings: Settings,
}

/// Everything the server will build, validated.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Conversation components.
    pub conversation: Vec<ComponentPlan>,
    /// Other components (secret stores, state stores), listed by the metadata endpoint.
    pub others: Vec<(String, String, String)>,
    /// Problems that did not stop start-up.
    pub warnings: Vec<ConfigProblem>,
}

/// The built-in plan used when no resources path is given: one `echo` component.
pub fn builtin_echo() -> Plan {
    let settings = settings::validate(&parlance_config::Metadata::from_pairs(&[]));
    let settings = settings.unwrap_or_else(|_| Settings {
        cache_ttl: None,
        pii_entities: parlance_pii::EntitySet::all(),
        pii_mode: Default::default(),
    });
    let echo = ComponentPlan {
        name: "echo".into(),
        kind: ProviderKind::Echo,
        provider: ProviderConfig::Echo,
        settings,
    };
    Plan { conversation: vec![echo], ..Plan::default() }
}

/// Validates every component of the resources.
pub fn plan(
    resources: &Resources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Vec<ConfigProblem>> {
    let mut plan = Plan { warnings: resources.warnings.clone(), ..Plan::default() };
    let mut errors = Vec::new();
    for spec in &resources.components {
        if !spec.type_name.starts_with("conversation.") {
            plan.others.push((spec.name.clone(), spec.type_name.clone(), spec.version.clone()));
            continue;
        }
        match plan_component(spec, env) {
            Ok(c) => plan.conversation.push(c),
            Err(problems) if spec.ignore_errors => {
                plan.warnings.extend(problems.into_iter().map(|mut p| {
                    p.message.push_str(&format!(
                        " (component {:?} skipped: ignoreErrors is true)",
                        spec.name
                    ));
                    p
                }))
            }
            Err(problems) => errors.extend(problems),
        }
    }
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

fn plan_component(
    spec: &ComponentSpec,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ComponentPlan, Vec<ConfigProblem>> {
    let Some(kind) = ProviderKind::from_type(&spec.type_name) else {
        let known: Vec<&str> = ProviderKind::all_types().collect();
        let msg = format!(
            "unknown conversation type {:?} (known: {})",
            spec.type_display,
            known.join(", ")
        );
        return Err(vec![problem(spec, "spec.type", msg)]);
    };
    let provider = registry::validate(kind, &spec.metadata, env);
    let settings = settings::validate(&spec.metadata);
    match (provider, settings) {
        (Ok(provider), Ok(settings)) => {
            Ok(ComponentPlan { name: spec.name.clone(), kind, provider, settings })
        }
        (p, s) => {
            let msgs = p.err().into_iter().flatten().chain(s.err().into_iter().flatten());
            Err(msgs.map(|m| metadata_problem(spec, &m)).collect())
        }
    }
}

/// A `"<key>: <message>"` problem, placed at that key's YAML path when the key is present.
fn metadata_problem(spec: &ComponentSpec, message: &str) -> ConfigProblem {
    let key = message.split_once(':').map(|(k, _)| k.trim()).unwrap_or("");
    let path = spec
        .metadata
        .path_of(key)
        .map(str::to_string)
        .unwrap_or_else(|| "spec.metadata".to_string());
    problem(spec, &path, message.to_string())
}

fn problem(spec: &ComponentSpec, path: &str, message: String) -> ConfigProblem {
    spec.source.problem(path, message).with_component(Some(&spec.name))
}

impl Plan {
    /// Builds every component's pipeline on the shared HTTP client.
    pub fn build(self, client: &reqwest::Client) -> ConversationService {
        let mut components: Vec<Component> =
            self.conversation.into_iter().map(|c| build_one(c, client)).collect();
        components.extend(self.others.into_iter().map(|(name, type_name, version)| Component {
            name,
            type_name,
            version,
            chain: None,
        }));
        ConversationService::new(components)
    }
}

/// One component's chain, innermost first; each step says why it sits where it does.
fn build_one(c: ComponentPlan, client: &reqwest::Client) -> Component {
    let provider = registry::build(c.provider, client);
    // The provider call itself, plus the "required tools but empty reply" check.
    let mut chain: DynStage = Arc::new(ProviderStage::new(provider));
    // Outermost: scrub inputs before anything below can see or store them; scrub and restore
    // outputs after, so cache hits are scrubbed too.
    let scrubber = Scrubber::new(c.settings.pii_entities);
    chain = Arc::new(PiiStage::new(chain, scrubber, c.settings.pii_mode));
    Component {
        name: c.name,
        type_name: c.kind.type_name().to_string(),
        version: "v1".into(),
        chain: Some(chain),
    }
}
