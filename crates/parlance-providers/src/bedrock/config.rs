//! Configuration of `conversation.aws.bedrock`: Dapr's metadata keys (spec §3.2), validated
//! without I/O.
//!
//! - `region`: metadata, else `AWS_REGION`, else `AWS_DEFAULT_REGION`; required.
//! - `endpoint`: replaces `https://bedrock-runtime.{region}.amazonaws.com` (emulators, fakes,
//!   VPC endpoints).
//! - `model`: a model id or an inference-profile ARN; default `amazon.titan-text-lite-v1`
//!   (Dapr's, through langchaingo). Unlike Dapr, responses always report the resolved model.
//! - Credentials: `accessKey` + `secretKey` (+ `sessionToken`), else the environment
//!   (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), else the shared
//!   credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`, profile
//!   `AWS_PROFILE` or `default`), read when the component is built. Container and instance
//!   credentials, SSO and IAM Roles Anywhere (`assumeRoleArn`, `trustAnchorArn`,
//!   `trustProfileArn`) are not supported yet and are reported as problems when configured.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use parlance_config::Metadata;

/// Dapr's default model.
pub const DEFAULT_MODEL: &str = "amazon.titan-text-lite-v1";

/// The default bound on an upstream call (metadata `timeout` overrides it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Metadata Dapr accepts that parlance cannot honour yet.
const UNSUPPORTED: [&str; 3] = ["assumeRoleArn", "trustAnchorArn", "trustProfileArn"];

/// Static AWS credentials. `Debug` never shows the secret parts.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    /// Access key id (not secret; shown in `Debug`).
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("access_key", &self.access_key)
            .field("secret_key", &"[redacted]")
            .field("session_token", &self.session_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Where the credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Component metadata or the environment.
    Keys(Keys),
    /// A profile of the shared credentials file, read at build time.
    Profile {
        /// The file.
        path: PathBuf,
        /// The profile name.
        profile: String,
    },
}

/// A validated `conversation.aws.bedrock` component.
#[derive(Debug, Clone, PartialEq)]
pub struct BedrockConfig {
    /// Signing region.
    pub region: String,
    /// Resolved model id or ARN.
    pub model: String,
    /// Full URL of the Converse call, the model id path-escaped.
    pub url: String,
    /// Credentials source.
    pub credentials: Credentials,
    /// `maxTokens` metadata: the output cap when the request sets none.
    pub default_max_tokens: Option<u64>,
    /// Bound on one upstream call until resiliency policies say otherwise.
    pub timeout: Duration,
}

/// Validates the metadata; every problem is reported as `"<key>: <message>"`.
pub fn validate(
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BedrockConfig, Vec<String>> {
    let mut problems = Vec::new();
    let region = region(meta, env, &mut problems);
    let model = non_empty(meta, "model").unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let credentials = credentials(meta, env, &mut problems);
    for key in UNSUPPORTED.iter().filter(|k| non_empty(meta, k).is_some()) {
        problems.push(format!("{key}: IAM Roles Anywhere is not supported by parlance yet"));
    }
    let default_max_tokens = meta.u64("maxTokens").unwrap_or_else(|e| {
        problems.push(format!("maxTokens: {e}"));
        None
    });
    let timeout = meta.duration("timeout").unwrap_or_else(|e| {
        problems.push(format!("timeout: {e}"));
        None
    });
    match credentials {
        Some(credentials) if problems.is_empty() => Ok(BedrockConfig {
            url: url(meta, &region, &model),
            region,
            model,
            credentials,
            default_max_tokens,
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        }),
        _ => Err(problems),
    }
}

fn non_empty(meta: &Metadata, key: &str) -> Option<String> {
    meta.get(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

fn env_var(env: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    env(key).filter(|v| !v.trim().is_empty())
}

fn region(
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> String {
    let found = non_empty(meta, "region")
        .or_else(|| env_var(env, "AWS_REGION"))
        .or_else(|| env_var(env, "AWS_DEFAULT_REGION"));
    found.unwrap_or_else(|| {
        problems.push("region: required (or set AWS_REGION)".to_string());
        String::new()
    })
}

fn credentials(
    meta: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<Credentials> {
    let (access, secret) = (non_empty(meta, "accessKey"), non_empty(meta, "secretKey"));
    match (access, secret) {
        (Some(access_key), Some(secret_key)) => Some(Credentials::Keys(Keys {
            access_key,
            secret_key,
            session_token: non_empty(meta, "sessionToken"),
        })),
        (Some(_), None) => {
            problems.push("secretKey: required when accessKey is set".to_string());
            None
        }
        (None, Some(_)) => {
            problems.push("accessKey: required when secretKey is set".to_string());
            None
        }
        (None, None) => Some(from_environment(env)),
    }
}

/// The environment's keys, else the shared credentials file.
fn from_environment(env: &dyn Fn(&str) -> Option<String>) -> Credentials {
    let keys = env_var(env, "AWS_ACCESS_KEY_ID").zip(env_var(env, "AWS_SECRET_ACCESS_KEY"));
    if let Some((access_key, secret_key)) = keys {
        let session_token = env_var(env, "AWS_SESSION_TOKEN");
        return Credentials::Keys(Keys { access_key, secret_key, session_token });
    }
    let path =
        env_var(env, "AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from).unwrap_or_else(|| {
            let home = env_var(env, "HOME").unwrap_or_default();
            PathBuf::from(home).join(".aws").join("credentials")
        });
    let profile = env_var(env, "AWS_PROFILE").unwrap_or_else(|| "default".to_string());
    Credentials::Profile { path, profile }
}

impl BedrockConfig {
    /// The Converse URL of a call to `model` (the model id is part of the path, and signed
    /// with it): `None` for the configured model, whose URL is [`BedrockConfig::url`].
    pub fn url_for(&self, model: &str) -> Result<Option<String>, String> {
        if model == self.model {
            return Ok(None);
        }
        if matches!(model, "" | "." | "..") {
            return Err(format!("model {model:?} cannot be part of the upstream URL"));
        }
        let suffix = format!("/model/{}/converse", escape_path_segment(&self.model));
        let base = self.url.strip_suffix(&suffix).ok_or("the Converse URL has no model path")?;
        Ok(Some(format!("{base}/model/{}/converse", escape_path_segment(model))))
    }
}

fn url(meta: &Metadata, region: &str, model: &str) -> String {
    let base = non_empty(meta, "endpoint")
        .unwrap_or_else(|| format!("https://bedrock-runtime.{region}.amazonaws.com"));
    format!("{}/model/{}/converse", base.trim_end_matches('/'), escape_path_segment(model))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (ARNs carry `:` and `/`).
pub fn escape_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
    fn keys_region_and_default_model() {
        let m =
            meta(&[("region", "us-west-2"), ("accessKey", "AKIDEXAMPLE"), ("secretKey", "s3cr3t")]);
        let c = validate(&m, &no_env).unwrap();
        assert_eq!(c.model, DEFAULT_MODEL);
        assert_eq!(
            c.url,
            "https://bedrock-runtime.us-west-2.amazonaws.com/model/amazon.titan-text-lite-v1/converse"
        );
        let Credentials::Keys(k) = &c.credentials else { panic!("keys expected") };
        assert_eq!((k.access_key.as_str(), k.session_token.as_ref()), ("AKIDEXAMPLE", None));
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn arns_are_escaped_and_endpoint_overrides() {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
        let m =
            meta(&[("region", "us-east-1"), ("model", arn), ("endpoint", "http://127.0.0.1:9/")]);
        let c = validate(&m, &no_env).unwrap();
        assert_eq!(
            c.url,
            "http://127.0.0.1:9/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
        );
    }

    #[test]
    fn a_request_model_has_its_own_escaped_path() {
        let m = meta(&[("region", "us-east-1"), ("endpoint", "http://127.0.0.1:9/")]);
        let c = validate(&m, &no_env).unwrap();
        assert_eq!(c.url_for(DEFAULT_MODEL).unwrap(), None);
        assert_eq!(
            c.url_for("anthropic.claude-3-haiku-20240307-v1:0").unwrap().unwrap(),
            "http://127.0.0.1:9/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"
        );
        assert_eq!(
            c.url_for("a/../b").unwrap().unwrap(),
            "http://127.0.0.1:9/model/a%2F..%2Fb/converse"
        );
        assert!(c.url_for("..").is_err());
    }

    #[test]
    fn region_and_credentials_come_from_the_environment() {
        let env = |k: &str| match k {
            "AWS_DEFAULT_REGION" => Some("eu-west-1".to_string()),
            "AWS_ACCESS_KEY_ID" => Some("AKENV".to_string()),
            "AWS_SECRET_ACCESS_KEY" => Some("envsecret".to_string()),
            "AWS_SESSION_TOKEN" => Some("tok".to_string()),
            _ => None,
        };
        let c = validate(&meta(&[]), &env).unwrap();
        assert_eq!(c.region, "eu-west-1");
        let want = Keys {
            access_key: "AKENV".into(),
            secret_key: "envsecret".into(),
            session_token: Some("tok".into()),
        };
        assert_eq!(c.credentials, Credentials::Keys(want));
        let env = |k: &str| match k {
            "AWS_REGION" => Some("us-east-1".to_string()),
            "HOME" => Some("/home/app".to_string()),
            "AWS_PROFILE" => Some("bedrock".to_string()),
            _ => None,
        };
        let c = validate(&meta(&[]), &env).unwrap();
        let want = Credentials::Profile {
            path: "/home/app/.aws/credentials".into(),
            profile: "bedrock".into(),
        };
        assert_eq!(c.credentials, want);
    }

    #[test]
    fn every_problem_is_reported() {
        let m = meta(&[("accessKey", "AK"), ("assumeRoleArn", "arn:x"), ("timeout", "soon")]);
        let e = validate(&m, &no_env).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e.contains(&"region: required (or set AWS_REGION)".to_string()));
        assert!(e.contains(&"secretKey: required when accessKey is set".to_string()));
    }
}
