//! Resolving [`Credentials`] to keys at build time: the shared credentials file is an INI
//! file of `[profile]` sections with `aws_access_key_id`, `aws_secret_access_key` and
//! optionally `aws_session_token`.

use super::config::{Credentials, Keys};

/// The keys to sign with, or why there are none (never containing a secret).
pub fn resolve(credentials: &Credentials) -> Result<Keys, String> {
    match credentials {
        Credentials::Keys(keys) => Ok(keys.clone()),
        Credentials::Profile { path, profile } => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "set accessKey/secretKey, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile in {} ({e})",
                    path.display()
                )
            })?;
            profile_keys(&text, profile)
                .ok_or_else(|| format!("profile {profile:?} in {} has no keys", path.display()))
        }
    }
}

/// The keys of `[profile]` in a credentials file, if it has both of them.
fn profile_keys(text: &str, profile: &str) -> Option<Keys> {
    let (mut access, mut secret, mut token) = (None, None, None);
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') && line.ends_with(']') {
            inside = line[1..line.len() - 1].trim() == profile;
            continue;
        }
        let Some((key, value)) = line.split_once('=').filter(|_| inside) else { continue };
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match key.trim().to_ascii_lowercase().as_str() {
            "aws_access_key_id" => access = value,
            "aws_secret_access_key" => secret = value,
            "aws_session_token" => token = value,
            _ => {}
        }
    }
    Some(Keys { access_key: access?, secret_key: secret?, session_token: token })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = secretdefault\n\n[bedrock]\naws_access_key_id=AKIDBEDROCK\naws_secret_access_key=secretbedrock\naws_session_token = tok\n# comment\n[empty]\naws_access_key_id = AKIDONLY\n";

    #[test]
    fn reads_the_named_profile() {
        let k = profile_keys(FILE, "bedrock").unwrap();
        assert_eq!(
            (k.access_key.as_str(), k.secret_key.as_str()),
            ("AKIDBEDROCK", "secretbedrock")
        );
        assert_eq!(k.session_token.as_deref(), Some("tok"));
        assert_eq!(profile_keys(FILE, "default").unwrap().access_key, "AKIDDEFAULT");
        assert!(profile_keys(FILE, "empty").is_none());
        assert!(profile_keys(FILE, "missing").is_none());
    }

    #[test]
    fn a_missing_file_explains_what_to_set() {
        let c = Credentials::Profile {
            path: "/nonexistent/credentials".into(),
            profile: "default".into(),
        };
        let e = resolve(&c).unwrap_err();
        assert!(e.starts_with("set accessKey/secretKey"), "{e}");
    }
}
