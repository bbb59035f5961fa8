//! Secrets (passwords in URLs, tokens) never reach the screen or the logs: they are
//! held in a type whose `Debug`/`Display` redact, and URLs are shown with the
//! password removed.

/// A connection string that may contain a password.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The real value, for the client library only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Safe to show: scheme, user, host, port, path; never the password or query secrets.
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretUrl({})", self.redacted())
    }
}

impl std::fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Removes the password and any `password=`/`sslpassword=` query parameter.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let hidden = k.to_ascii_lowercase().contains("password");
                    (
                        k.into_owned(),
                        if hidden { "***".into() } else { v.into_owned() },
                    )
                })
                .collect();
            if !pairs.is_empty() {
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        // Not a URL (a libpq key=value string): show only the keys we know are harmless.
        Err(_) => raw
            .split_whitespace()
            .filter(|kv| {
                let key = kv.split('=').next().unwrap_or("");
                matches!(key, "host" | "port" | "user" | "dbname" | "sslmode")
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive_redaction() {
        let s = SecretUrl::new(
            "postgres://app:hunter2@db.example:5432/kitops?sslmode=require&password=x",
        );
        let shown = s.redacted();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("password=x"), "{shown}");
        assert!(shown.contains("db.example:5432/kitops"));
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(
            redact_url("host=db user=app password=hunter2"),
            "host=db user=app"
        );
        assert_eq!(
            SecretUrl::new("rediss://default:tok@cache:6380").redacted(),
            "rediss://default:***@cache:6380"
        );
    }
}
