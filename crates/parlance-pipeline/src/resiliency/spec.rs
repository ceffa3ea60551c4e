//! `kind: Resiliency` documents (raw YAML) → typed policies and component targets.
//!
//! Pure: every problem is collected with its file and YAML path, nothing stops at the first.
//! All documents are merged into one [`ResiliencySpec`], as daprd merges them; a policy or a
//! component target defined twice is an error (daprd silently keeps the last one). Unknown keys
//! are warnings, so that a typo such as `maxRetry` does not silently mean "retry forever".

use std::collections::BTreeMap;
use std::time::Duration;

use parlance_config::{ConfigProblem, RawDocument, Source, parse_go_duration};
use serde_yaml::{Mapping, Value};

use super::backoff::{BackoffKind, CONSTANT_INTERVAL, MAX_INTERVAL, RetryPolicy, StatusCodes};
use super::breaker::{BreakerPolicy, DEFAULT_MAX_REQUESTS, DEFAULT_TIMEOUT};
use super::trip::Trip;

/// Every policy and component target of the resources.
#[derive(Debug, Clone, Default)]
pub struct ResiliencySpec {
    /// `spec.policies.timeouts`; a zero timeout is kept as `None` (no timeout).
    pub timeouts: BTreeMap<String, Option<Duration>>,
    /// `spec.policies.retries`.
    pub retries: BTreeMap<String, RetryPolicy>,
    /// `spec.policies.circuitBreakers`.
    pub breakers: BTreeMap<String, BreakerPolicy>,
    /// `spec.targets.components`, by component name.
    pub targets: BTreeMap<String, Target>,
}

/// A `spec.targets.components.<name>` entry: the policy names of its `outbound` side.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Where it was written (for problems about the component name).
    pub source: Option<Source>,
    /// `outbound.timeout`.
    pub timeout: Option<String>,
    /// `outbound.retry`.
    pub retry: Option<String>,
    /// `outbound.circuitBreaker`.
    pub breaker: Option<String>,
}

/// The outcome of [`parse`].
#[derive(Debug, Default)]
pub struct Parsed {
    /// What could be read (policies with problems are left out).
    pub spec: ResiliencySpec,
    /// Problems that fail validation.
    pub errors: Vec<ConfigProblem>,
    /// Problems worth a warning (unknown keys, reserved names).
    pub warnings: Vec<ConfigProblem>,
    /// Policies left out for their problems: naming one is not a second problem.
    broken: Vec<(PolicyKind, String)>,
}

/// Parses every `kind: Resiliency` document.
pub fn parse(docs: &[RawDocument]) -> Parsed {
    let mut out = Parsed::default();
    let mut references = Vec::new();
    for doc in docs {
        let mut d = Doc { source: &doc.source, out: &mut out };
        d.document(&doc.value, &mut references);
    }
    for (source, path, kind, name) in references {
        let broken = out.broken.iter().any(|(k, n)| *k == kind && *n == name);
        if !broken && !out.spec.has_policy(kind, &name) {
            let msg =
                format!("{} policy {name:?} is not defined under spec.policies", kind.label());
            out.errors.push(source.problem(&path, msg));
        }
    }
    out
}

impl ResiliencySpec {
    fn has_policy(&self, kind: PolicyKind, name: &str) -> bool {
        match kind {
            PolicyKind::Timeout => self.timeouts.contains_key(name),
            PolicyKind::Retry => self.retries.contains_key(name),
            PolicyKind::Breaker => self.breakers.contains_key(name),
        }
    }
}

/// The three policy kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyKind {
    Timeout,
    Retry,
    Breaker,
}

impl PolicyKind {
    fn label(self) -> &'static str {
        match self {
            PolicyKind::Timeout => "timeout",
            PolicyKind::Retry => "retry",
            PolicyKind::Breaker => "circuit breaker",
        }
    }
}

/// A policy name used by a target, checked once every document is read.
type Reference = (Source, String, PolicyKind, String);

/// Reads one named policy of a group: `(doc, name, yaml path, value)`.
type ReadPolicy<'a> = fn(&mut Doc<'a>, &str, &str, &Value);

/// One document being read.
struct Doc<'a> {
    source: &'a Source,
    out: &'a mut Parsed,
}

impl Doc<'_> {
    fn error(&mut self, path: &str, msg: impl Into<String>) {
        self.out.errors.push(self.source.problem(path, msg));
    }

    fn warn(&mut self, path: &str, msg: impl Into<String>) {
        self.out.warnings.push(self.source.problem(path, msg));
    }

    /// The mapping at `path`, or an error if it is something else; `None` when absent.
    fn mapping<'v>(&mut self, value: Option<&'v Value>, path: &str) -> Option<&'v Mapping> {
        match value? {
            Value::Mapping(m) => Some(m),
            Value::Null => None,
            _ => {
                self.error(path, "must be a mapping");
                None
            }
        }
    }

    /// The string entries of a mapping; non-string keys are problems.
    fn entries<'v>(&mut self, m: &'v Mapping, path: &str) -> Vec<(String, &'v Value)> {
        let mut entries = Vec::new();
        for (k, v) in m {
            match k.as_str() {
                Some(key) => entries.push((key.to_string(), v)),
                None => self.error(path, format!("key {k:?} must be a string")),
            }
        }
        entries
    }

    fn unknown_keys(&mut self, m: &Mapping, path: &str, known: &[&str]) {
        for (key, _) in self.entries(m, path) {
            if !known.contains(&key.as_str()) {
                let hint = if key == "matches" { " (did you mean `matching`?)" } else { "" };
                let msg =
                    format!("unknown key {key:?} is ignored{hint}; known: {}", known.join(", "));
                self.warn(&format!("{path}.{key}"), msg);
            }
        }
    }

    fn document(&mut self, root: &Value, references: &mut Vec<Reference>) {
        let Some(spec) = self.mapping(root.get("spec"), "spec") else { return };
        self.unknown_keys(spec, "spec", &["policies", "targets"]);
        if let Some(policies) = self.mapping(spec.get("policies"), "spec.policies") {
            self.policies(policies);
        }
        if let Some(targets) = self.mapping(spec.get("targets"), "spec.targets") {
            self.targets(targets, references);
        }
    }

    fn policies(&mut self, policies: &Mapping) {
        let base = "spec.policies";
        self.unknown_keys(policies, base, &["timeouts", "retries", "circuitBreakers"]);
        let groups: [(&str, ReadPolicy<'_>); 3] = [
            ("timeouts", Doc::timeout),
            ("retries", Doc::retry),
            ("circuitBreakers", Doc::breaker),
        ];
        for (group, read) in groups {
            let path = format!("{base}.{group}");
            let Some(m) = self.mapping(policies.get(group), &path) else { continue };
            for (name, value) in self.entries(m, &path) {
                let at = format!("{path}.{name}");
                if name.starts_with("DaprBuiltIn") {
                    self.warn(&at, "DaprBuiltIn* names are reserved for daprd's built-in retries and do not apply to conversation components");
                }
                read(self, &name, &at, value);
            }
        }
    }

    fn duplicate(&mut self, defined: bool, path: &str, what: &str) -> bool {
        if defined {
            self.error(path, format!("{what} is defined more than once (names are shared by all Resiliency documents)"));
        }
        defined
    }

    fn timeout(&mut self, name: &str, path: &str, value: &Value) {
        let Some(d) = self.duration(Some(value), path) else {
            self.out.broken.push((PolicyKind::Timeout, name.to_string()));
            return;
        };
        if !self.duplicate(self.out.spec.timeouts.contains_key(name), path, "timeout policy") {
            self.out.spec.timeouts.insert(name.to_string(), (!d.is_zero()).then_some(d));
        }
    }

    fn retry(&mut self, name: &str, path: &str, value: &Value) {
        let Some(m) = self.mapping(Some(value), path) else {
            if value.is_null() {
                self.error(path, "must be a mapping");
            }
            return;
        };
        let errors = self.out.errors.len();
        let policy = self.retry_policy(m, path);
        let fine = self.out.errors.len() == errors;
        if !fine {
            self.out.broken.push((PolicyKind::Retry, name.to_string()));
        }
        if fine && !self.duplicate(self.out.spec.retries.contains_key(name), path, "retry policy") {
            self.out.spec.retries.insert(name.to_string(), policy);
        }
    }

    fn retry_policy(&mut self, m: &Mapping, path: &str) -> RetryPolicy {
        let known = ["policy", "duration", "maxInterval", "maxRetries", "matching"];
        self.unknown_keys(m, path, &known);
        let kind = text(m.get("policy")).map(|s| s.to_ascii_lowercase());
        let duration = self.duration(m.get("duration"), &format!("{path}.duration"));
        let max_interval = self.duration(m.get("maxInterval"), &format!("{path}.maxInterval"));
        let backoff = match kind.as_deref() {
            None | Some("") | Some("constant") => {
                BackoffKind::Constant(duration.unwrap_or(CONSTANT_INTERVAL))
            }
            Some("exponential") => {
                BackoffKind::Exponential { max_interval: max_interval.unwrap_or(MAX_INTERVAL) }
            }
            Some(other) => {
                let msg =
                    format!("unknown retry policy {other:?} (expected constant or exponential)");
                self.error(&format!("{path}.policy"), msg);
                BackoffKind::Constant(CONSTANT_INTERVAL)
            }
        };
        let max_retries = self.max_retries(m.get("maxRetries"), &format!("{path}.maxRetries"));
        let (http_statuses, grpc_statuses) = self.matching(m.get("matching"), path);
        RetryPolicy { backoff, max_retries, http_statuses, grpc_statuses }
    }

    fn max_retries(&mut self, value: Option<&Value>, path: &str) -> Option<u64> {
        let raw = text(value)?;
        match raw.trim().parse::<i64>() {
            Ok(n) if n < 0 => {
                if n != -1 {
                    self.error(path, format!("{n} is not allowed (use -1 to retry forever)"));
                }
                None
            }
            Ok(n) => Some(n.unsigned_abs()),
            Err(_) => {
                self.error(path, format!("{raw:?} is not an integer (use -1 to retry forever)"));
                None
            }
        }
    }

    fn matching(
        &mut self,
        value: Option<&Value>,
        path: &str,
    ) -> (Option<StatusCodes>, Option<StatusCodes>) {
        let path = format!("{path}.matching");
        let Some(m) = self.mapping(value, &path) else { return (None, None) };
        self.unknown_keys(m, &path, &["httpStatusCodes", "gRPCStatusCodes"]);
        let http =
            self.codes(m.get("httpStatusCodes"), &format!("{path}.httpStatusCodes"), (100, 599));
        let grpc =
            self.codes(m.get("gRPCStatusCodes"), &format!("{path}.gRPCStatusCodes"), (0, 16));
        (http, grpc)
    }

    fn codes(
        &mut self,
        value: Option<&Value>,
        path: &str,
        valid: (u16, u16),
    ) -> Option<StatusCodes> {
        let raw = text(value).filter(|s| !s.trim().is_empty())?;
        StatusCodes::parse(&raw, valid).map_err(|e| self.error(path, e)).ok()
    }

    fn breaker(&mut self, name: &str, path: &str, value: &Value) {
        let Some(m) = self.mapping(Some(value), path) else {
            if value.is_null() {
                self.error(path, "must be a mapping");
            }
            return;
        };
        let errors = self.out.errors.len();
        let policy = self.breaker_policy(m, path);
        let fine = self.out.errors.len() == errors;
        if !fine {
            self.out.broken.push((PolicyKind::Breaker, name.to_string()));
        }
        let defined = self.out.spec.breakers.contains_key(name);
        if fine && !self.duplicate(defined, path, "circuit breaker policy") {
            self.out.spec.breakers.insert(name.to_string(), policy);
        }
    }

    fn breaker_policy(&mut self, m: &Mapping, path: &str) -> BreakerPolicy {
        self.unknown_keys(m, path, &["maxRequests", "interval", "timeout", "trip"]);
        let at = |key: &str| format!("{path}.{key}");
        let max_requests = self.max_requests(m.get("maxRequests"), &at("maxRequests"));
        let interval = self.duration(m.get("interval"), &at("interval")).filter(|d| !d.is_zero());
        let timeout = self.duration(m.get("timeout"), &at("timeout")).filter(|d| !d.is_zero());
        let trip = match text(m.get("trip")).filter(|t| !t.trim().is_empty()) {
            None => Trip::default_rule(),
            Some(expr) => Trip::parse(&expr).unwrap_or_else(|e| {
                self.error(&at("trip"), format!("invalid trip expression {expr:?}: {e}"));
                Trip::default_rule()
            }),
        };
        BreakerPolicy { max_requests, interval, timeout: timeout.unwrap_or(DEFAULT_TIMEOUT), trip }
    }

    fn max_requests(&mut self, value: Option<&Value>, path: &str) -> u32 {
        let Some(raw) = text(value) else { return DEFAULT_MAX_REQUESTS };
        match raw.trim().parse::<u32>() {
            Ok(0) => DEFAULT_MAX_REQUESTS,
            Ok(n) => n,
            Err(_) => {
                self.error(path, format!("{raw:?} is not a non-negative integer"));
                DEFAULT_MAX_REQUESTS
            }
        }
    }

    /// A Go duration (`5s`, `1m30s`); `None` when absent or invalid (invalid is an error).
    fn duration(&mut self, value: Option<&Value>, path: &str) -> Option<Duration> {
        let raw = text(value)?;
        parse_go_duration(raw.trim()).map_err(|e| self.error(path, e)).ok()
    }

    fn targets(&mut self, targets: &Mapping, references: &mut Vec<Reference>) {
        let base = "spec.targets";
        self.unknown_keys(targets, base, &["components", "apps", "actors"]);
        let path = format!("{base}.components");
        let Some(components) = self.mapping(targets.get("components"), &path) else { return };
        for (name, value) in self.entries(components, &path) {
            let at = format!("{path}.{name}");
            if self.duplicate(self.out.spec.targets.contains_key(&name), &at, "component target") {
                continue;
            }
            let target = self.target(value, &at, references);
            self.out.spec.targets.insert(name, target);
        }
    }

    fn target(&mut self, value: &Value, path: &str, references: &mut Vec<Reference>) -> Target {
        let mut target = Target { source: Some(self.source.clone()), ..Target::default() };
        let Some(m) = self.mapping(Some(value), path) else { return target };
        self.unknown_keys(m, path, &["outbound", "inbound"]);
        let path = format!("{path}.outbound");
        let Some(out) = self.mapping(m.get("outbound"), &path) else { return target };
        self.unknown_keys(out, &path, &["timeout", "retry", "circuitBreaker"]);
        let mut name = |key: &str, kind: PolicyKind| {
            let name = text(out.get(key)).filter(|n| !n.is_empty())?;
            references.push((self.source.clone(), format!("{path}.{key}"), kind, name.clone()));
            Some(name)
        };
        target.timeout = name("timeout", PolicyKind::Timeout);
        target.retry = name("retry", PolicyKind::Retry);
        target.breaker = name("circuitBreaker", PolicyKind::Breaker);
        target
    }
}

/// A scalar as text (strings as they are, numbers and booleans printed).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn doc(yaml: &str) -> RawDocument {
        let source = Source { file: PathBuf::from("res.yaml"), document: 0 };
        let value: Value = serde_yaml::from_str(yaml).unwrap();
        RawDocument { source, name: "r".into(), value }
    }

    const GOOD: &str = "
kind: Resiliency
metadata: {name: r}
spec:
  policies:
    timeouts:
      llmTimeout: 30s
      none: 0s
    retries:
      llmRetry: {policy: exponential, maxInterval: 10s, maxRetries: 3,
                 matching: {httpStatusCodes: '429,500-599', gRPCStatusCodes: '14'}}
      plain: {}
    circuitBreakers:
      llmCB: {maxRequests: 2, interval: 0s, timeout: 45s, trip: consecutiveFailures > 2}
      defaults: {}
  targets:
    components:
      openai:
        outbound: {timeout: llmTimeout, retry: llmRetry, circuitBreaker: llmCB}
";

    #[test]
    fn reads_every_policy_kind() {
        let p = parse(&[doc(GOOD)]);
        assert!(p.errors.is_empty() && p.warnings.is_empty(), "{:?} {:?}", p.errors, p.warnings);
        let s = p.spec;
        assert_eq!(s.timeouts["llmTimeout"], Some(Duration::from_secs(30)));
        assert_eq!(s.timeouts["none"], None);
        let r = &s.retries["llmRetry"];
        assert_eq!(r.backoff, BackoffKind::Exponential { max_interval: Duration::from_secs(10) });
        assert_eq!(r.max_retries, Some(3));
        assert!(r.http_statuses.as_ref().is_some_and(|c| c.contains(503) && !c.contains(400)));
        assert_eq!(s.retries["plain"], RetryPolicy::default_constant());
        let b = &s.breakers["llmCB"];
        assert_eq!((b.max_requests, b.interval, b.timeout), (2, None, Duration::from_secs(45)));
        assert_eq!(s.breakers["defaults"], BreakerPolicy::default());
        assert_eq!(s.targets["openai"].retry.as_deref(), Some("llmRetry"));
    }

    #[test]
    fn every_problem_has_a_path() {
        let yaml = "
spec:
  policies:
    timeouts: {t: soon}
    retries:
      r: {policy: linear, duration: 5 seconds, maxRetries: lots, maxRetry: 3,
          matching: {httpStatusCodes: '700'}}
      m: {maxRetries: -2}
    circuitBreakers:
      c: {maxRequests: -1, trip: 'failures > 3'}
  targets:
    components:
      openai: {outbound: {retry: missing, timeout: t}}
";
        let p = parse(&[doc(yaml)]);
        let paths: Vec<&str> = p.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.policies.timeouts.t",
                "spec.policies.retries.r.duration",
                "spec.policies.retries.r.policy",
                "spec.policies.retries.r.maxRetries",
                "spec.policies.retries.r.matching.httpStatusCodes",
                "spec.policies.retries.m.maxRetries",
                "spec.policies.circuitBreakers.c.maxRequests",
                "spec.policies.circuitBreakers.c.trip",
                "spec.targets.components.openai.outbound.retry",
            ],
            "{:#?}",
            p.errors
        );
        assert!(p.errors[7].message.contains("unknown counter `failures`"), "{}", p.errors[7]);
        assert!(p.errors[8].message.contains("retry policy \"missing\" is not defined"));
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].path, "spec.policies.retries.r.maxRetry");
    }

    #[test]
    fn documents_merge_and_duplicates_are_errors() {
        let a = "spec: {policies: {retries: {DefaultRetryPolicy: {maxRetries: 1}}}}";
        let b = "spec:
  policies: {retries: {DefaultRetryPolicy: {maxRetries: 2}}, timeouts: {t: 1s}}
  targets: {components: {x: {outbound: {timeout: t}}}}";
        let p = parse(&[doc(a), doc(b)]);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(p.errors[0].message.contains("defined more than once"));
        assert_eq!(p.spec.retries["DefaultRetryPolicy"].max_retries, Some(1));
        assert_eq!(p.spec.targets["x"].timeout.as_deref(), Some("t"));
    }

    #[test]
    fn a_target_may_name_a_policy_from_another_document() {
        let a = "spec: {targets: {components: {x: {outbound: {retry: later}}}}}";
        let b = "spec: {policies: {retries: {later: {}}}}";
        assert!(parse(&[doc(a), doc(b)]).errors.is_empty());
    }
}
