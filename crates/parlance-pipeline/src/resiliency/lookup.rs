//! Which policies apply to a conversation component (spec §6, daprd's
//! `ComponentOutboundPolicy(name, "Conversation")`).
//!
//! 1. `spec.targets.components.<name>.outbound` names them (a kind it leaves out is not applied);
//! 2. with no such target, each kind is looked up by its default name, most specific first:
//!    `DefaultConversationComponentOutbound<Kind>Policy`, `DefaultComponentOutbound<Kind>Policy`,
//!    `DefaultComponent<Kind>Policy`, `Default<Kind>Policy`;
//! 3. nothing found: no timeout, no retry, no breaker.

use std::time::Duration;

use super::backoff::RetryPolicy;
use super::breaker::BreakerPolicy;
use super::spec::ResiliencySpec;

/// The `%s` of daprd's `Default%sRetryPolicy` names, most specific first.
const DEFAULT_SCOPES: [&str; 4] =
    ["ConversationComponentOutbound", "ComponentOutbound", "Component", ""];

/// The policies one component's calls run under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
    /// Retries.
    pub retry: Option<RetryPolicy>,
    /// Circuit breaker (one instance per component).
    pub breaker: Option<BreakerPolicy>,
}

impl OutboundPolicy {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.timeout.is_none() && self.retry.is_none() && self.breaker.is_none()
    }
}

/// The policies for the conversation component `component`.
pub fn outbound(spec: &ResiliencySpec, component: &str) -> OutboundPolicy {
    match spec.targets.get(component) {
        Some(t) => OutboundPolicy {
            timeout: t.timeout.as_ref().and_then(|n| spec.timeouts.get(n).copied().flatten()),
            retry: t.retry.as_ref().and_then(|n| spec.retries.get(n).cloned()),
            breaker: t.breaker.as_ref().and_then(|n| spec.breakers.get(n).cloned()),
        },
        None => OutboundPolicy {
            timeout: by_default_name(|n| spec.timeouts.get(n).copied(), "Timeout").flatten(),
            retry: by_default_name(|n| spec.retries.get(n).cloned(), "Retry"),
            breaker: by_default_name(|n| spec.breakers.get(n).cloned(), "CircuitBreaker"),
        },
    }
}

/// The first default policy of this kind that exists.
fn by_default_name<T>(find: impl Fn(&str) -> Option<T>, kind: &str) -> Option<T> {
    DEFAULT_SCOPES.iter().find_map(|scope| find(&format!("Default{scope}{kind}Policy")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resiliency::spec::Target;

    fn spec(retry_names: &[&str]) -> ResiliencySpec {
        let mut s = ResiliencySpec::default();
        for (i, name) in retry_names.iter().enumerate() {
            let policy =
                RetryPolicy { max_retries: Some(i as u64), ..RetryPolicy::default_constant() };
            s.retries.insert(name.to_string(), policy);
        }
        s
    }

    fn retries(s: &ResiliencySpec, component: &str) -> Option<u64> {
        outbound(s, component).retry.and_then(|r| r.max_retries)
    }

    #[test]
    fn default_names_most_specific_first() {
        let names = [
            "DefaultRetryPolicy",
            "DefaultComponentRetryPolicy",
            "DefaultComponentOutboundRetryPolicy",
            "DefaultConversationComponentOutboundRetryPolicy",
        ];
        for n in 1..=names.len() {
            // With the first n names defined, the last of them (the most specific) wins.
            assert_eq!(retries(&spec(&names[..n]), "openai"), Some(n as u64 - 1), "{n}");
        }
        let other = spec(&["DefaultStatestoreComponentOutboundRetryPolicy"]);
        assert_eq!(outbound(&other, "openai"), OutboundPolicy::default());
        assert!(outbound(&other, "openai").is_empty());
    }

    #[test]
    fn a_target_wins_and_leaves_unnamed_kinds_empty() {
        let mut s = spec(&["DefaultRetryPolicy", "fast"]);
        s.timeouts.insert("DefaultTimeoutPolicy".into(), Some(Duration::from_secs(1)));
        s.targets
            .insert("openai".into(), Target { retry: Some("fast".into()), ..Target::default() });
        let p = outbound(&s, "openai");
        assert_eq!(p.retry.and_then(|r| r.max_retries), Some(1));
        assert_eq!(p.timeout, None, "a target does not fall back to default names");
        assert_eq!(outbound(&s, "other").timeout, Some(Duration::from_secs(1)));
        assert_eq!(retries(&s, "other"), Some(0));
    }
}
