use std::path::Path;

use super::*;
use crate::{load, parse, validate};

const ENV_STORE: &str = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: env}\n\
spec: {type: secretstores.local.env, version: v1}\n";
const REDIS: &str = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: statestore}\n\
spec:\n  type: state.redis\n  version: v1\n  metadata: [{name: redisHost, value: 'localhost:6379'}]\n";
// sha256("test")
const TEST_DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn checked(text: &str) -> crate::Validated {
    let docs = parse(Path::new("keys.yaml"), text).unwrap();
    validate(&docs)
}

fn messages(v: &crate::Validated) -> Vec<String> {
    v.errors.iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_full_key_and_its_group_parse() {
    let text = format!(
        "{REDIS}---
{ENV_STORE}---
apiVersion: parlance.dev/v1alpha1
kind: APIKey
metadata: {{name: ci-bot}}
spec:
  secret: {{sha256: {TEST_DIGEST}}}
  group: team-a
  components: [openai, 'claude*']
  models: ['gpt-4o*']
  limits: {{requestsPerMinute: 50, tokensPerMinute: 100000, concurrent: 10}}
  budgets: [{{usd: 25, window: day}}, {{usd: 0.5, window: total}}]
  store: statestore
  labels: {{owner: ci}}
---
apiVersion: parlance.dev/v1alpha1
kind: APIKeyGroup
metadata: {{name: team-a}}
spec:
  limits: {{requestsPerMinute: 500}}
  budgets: [{{usd: 1000, window: month}}]
  store: statestore
"
    );
    let v = checked(&text);
    assert_eq!(messages(&v), Vec::<String>::new());
    let key = &v.keys[0];
    assert_eq!(key.name, "ci-bot");
    assert_eq!(key.limits.requests_per_minute, Some(50));
    assert_eq!(key.limits.concurrent, Some(10));
    assert_eq!(key.budgets[1], Budget { usd: 0.5, window: BudgetWindow::Total });
    assert!(key.allows_component("claude-3") && key.allows_component("openai"));
    assert!(!key.allows_component("openai2"));
    assert!(key.allows_model("gpt-4o-mini") && !key.allows_model("gpt-3.5"));
    assert_eq!(key.labels["owner"], "ci");
    assert_eq!(v.groups[0].limits.requests_per_minute, Some(500));
    let shown = format!("{key:?}");
    assert!(!shown.contains("9f86d0") && shown.contains("redacted"), "{shown}");
}

#[test]
fn every_problem_of_a_key_file_is_listed() {
    let text = "kind: APIKey
metadata: {name: bad}
spec:
  secret: {sha256: 'ABC', secretKeyRef: {name: K}}
  group: nobody
  limits: {requestsPerMinute: -5, tokensPerMinute: 99999999999999999, concurrent: 1.5, rpm: 3}
  budgets: [{usd: -1, window: year}, {window: day}]
  store: nothere
  colour: red
";
    let v = checked(text);
    let all = messages(&v).join("\n");
    for expected in [
        "spec.secret: give exactly one of sha256 and secretKeyRef, not both",
        "spec.group: no APIKeyGroup named \"nobody\"",
        "spec.limits.requestsPerMinute: must be a positive integer, got -5",
        "spec.limits.tokensPerMinute: must be a positive integer of at most",
        "spec.limits.concurrent: must be a positive integer, got 1.5",
        "spec.limits.rpm: unknown field",
        "spec.budgets[0].usd: must be a positive number",
        "spec.budgets[0].window: must be day, week, month or total, got \"year\"",
        "spec.budgets[1].usd: is required",
        "spec.colour: unknown field",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in\n{all}");
    }
    assert!(v.keys.is_empty());
    assert!(all.contains("spec.store: no state.redis component named \"nothere\""), "{all}");
    let text = "kind: APIKey\nmetadata: {name: k}\nspec: {secret: {sha256: x}, store: nothere}\n";
    let all = messages(&checked(text)).join("\n");
    assert!(all.contains("spec.secret.sha256: must be the 64"), "{all}");
    assert!(!all.contains("x\""), "the bad digest is not echoed: {all}");
}

#[test]
fn stores_groups_and_names_are_checked_across_files() {
    let key = |name: &str, extra: &str| {
        format!(
            "kind: APIKey\nmetadata: {{name: {name}}}\nspec:\n  secret: {{sha256: {TEST_DIGEST}}}\n{extra}"
        )
    };
    let text = format!(
        "{ENV_STORE}---\n{}---\n{}---\n{}",
        key("a", "  store: env\n  group: g\n"),
        key("a", ""),
        "kind: APIKeyGroup\nmetadata: {name: g}\nspec: {limits: {concurrent: 0}}\n"
    );
    let all = messages(&checked(&text)).join("\n");
    assert!(all.contains("spec.store: component \"env\" is a secretstores.local.env"), "{all}");
    assert!(all.contains("duplicate APIKey name \"a\""), "{all}");
    assert!(all.contains("spec.limits.concurrent: must be a positive integer of at most"), "{all}");
    assert!(!all.contains("no APIKeyGroup named"), "a group with problems is still known: {all}");
}

#[test]
fn a_secret_key_ref_is_kept_only_as_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{ENV_STORE}---\nkind: APIKey\nmetadata: {{name: k}}\n\
spec: {{secret: {{secretKeyRef: {{name: CI_KEY, key: CI_KEY}}}}}}\nauth: {{secretStore: env}}\n---\n\
kind: APIKey\nmetadata: {{name: same}}\nspec: {{secret: {{sha256: {TEST_DIGEST}}}}}\n"
    );
    std::fs::write(dir.path().join("keys.yaml"), text).unwrap();
    let env = |v: &str| (v == "CI_KEY").then(|| "test".to_string());
    let errors = load(&[dir.path().to_path_buf()], &env).unwrap_err();
    let all: Vec<String> = errors.iter().map(|p| p.to_string()).collect();
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].contains("has the same secret as APIKey \"k\""), "{all:?}");
    let env = |v: &str| (v == "CI_KEY").then(|| "other".to_string());
    let loaded = load(&[dir.path().to_path_buf()], &env).unwrap();
    let digest: [u8; 32] = sha2::Sha256::digest(b"other").into();
    use sha2::Digest;
    assert_eq!(loaded.keys[0].digest(), Some(&digest));
    let env = |_: &str| None;
    let errors = load(&[dir.path().to_path_buf()], &env).unwrap_err();
    assert!(errors[0].to_string().contains("spec.secret.secretKeyRef"), "{errors:?}");
}

#[test]
fn globs() {
    assert!(glob_match("*", ""));
    assert!(glob_match("a*c", "abbbc") && glob_match("a*c", "ac"));
    assert!(!glob_match("a*c", "ab") && !glob_match("abc", "abcd"));
    assert!(glob_match("*-mini", "gpt-4o-mini") && glob_match("g*4*i", "gpt-4o-mini"));
    assert!(!glob_match("a*a", "a"));
}
