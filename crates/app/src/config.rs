//! Configuration: `config/default.toml` (built in), then `--config FILE`, then
//! environment variables `PARCOURS__SECTION__KEY`. Unknown keys are errors, so a typo
//! does not silently fall back to a default.

use figment::providers::{Env, Format, Toml};
use figment::{Figment, Provider};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub referrals: ReferralsConfig,
    pub reports: ReportsConfig,
    pub privacy: PrivacyConfig,
    pub jobs: JobsConfig,
    pub session: SessionConfig,
    pub login: LoginConfig,
    pub log: LogConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub secure: bool,
    pub body_limit_bytes: usize,
    pub request_timeout_seconds: u64,
    /// On SIGTERM, how long `/readyz` answers 503 while every route still serves, so
    /// that a load balancer stops sending requests before the listener closes.
    pub drain_seconds: u64,
    pub shutdown_grace_seconds: u64,
    pub public_url: String,
    /// Set by a file or the environment, not the built-in default.
    #[serde(skip)]
    pub public_url_given: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralsConfig {
    pub remind_after_days: u32,
    pub expire_after_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    pub small_count_threshold: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// A file without activity for this many months is anonymised.
    pub retention_months: u32,
    /// This many days before, it is listed for its référent organisation.
    pub warning_days: u32,
    /// Audit entries older than this many months are deleted.
    pub audit_retention_months: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Whether `serve` runs the scheduler; off for instances that only answer requests
    /// while another instance (or `jobs run-once` from cron) does the background work.
    pub enabled: bool,
    pub outbox_poll_seconds: u64,
    pub deadlines_every_seconds: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// May carry a password: redacted in Debug.
    pub url: SecretString,
    pub max_connections: u32,
    pub busy_timeout_ms: u64,
    pub auto_migrate: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// May carry credentials: redacted in Debug.
    pub smtp_url: SecretString,
    pub from: String,
    pub timeout_seconds: u64,
    /// Set by a file or the environment, not the built-in default.
    #[serde(skip)]
    pub smtp_url_given: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    pub cookie_name: String,
    pub idle_timeout_minutes: u32,
    pub absolute_timeout_hours: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    pub free_failures: u32,
    pub first_lock_seconds: u32,
    pub max_lock_minutes: u32,
    pub per_address_per_minute: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A configuration problem, in one line that names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration invalide : {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads the layers; `file` must exist when given.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, Env::prefixed("PARCOURS__").split("__"))
    }

    fn load_with_env(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError(format!(
                    "fichier {} introuvable",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let figment = figment.merge(env);
        let mut config: Config = figment
            .extract()
            .map_err(|error| ConfigError(describe(&error)))?;
        // Whether a key came from the file or the environment rather than the built-in
        // default: the demonstration then sends over SMTP, or links to that address.
        let default_source = Toml::string(DEFAULT_TOML).metadata().name;
        let given = |key: &str| {
            figment
                .find_metadata(key)
                .is_some_and(|source| source.name != default_source)
        };
        config.mail.smtp_url_given = given("mail.smtp_url");
        config.server.public_url_given = given("server.public_url");
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("clé {key} : {why}")));
        if self.session.idle_timeout_minutes == 0 {
            return fail("session.idle_timeout_minutes", "doit être supérieur à 0");
        }
        if self.session.absolute_timeout_hours == 0 {
            return fail("session.absolute_timeout_hours", "doit être supérieur à 0");
        }
        if self.session.cookie_name.is_empty()
            || !self
                .session
                .cookie_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return fail("session.cookie_name", "lettres, chiffres, - et _ seulement");
        }
        if self.server.body_limit_bytes < 1024 {
            return fail("server.body_limit_bytes", "1024 octets au moins");
        }
        if let Err(why) = parcours_persistence::check_url(self.database.url.expose_secret()) {
            return fail("database.url", why);
        }
        if self.database.max_connections < 2 {
            return fail(
                "database.max_connections",
                "2 au moins (une écriture n'arrête pas les lectures)",
            );
        }
        if self.referrals.remind_after_days == 0
            || self.referrals.expire_after_days <= self.referrals.remind_after_days
        {
            return fail(
                "referrals.expire_after_days",
                "doit dépasser referrals.remind_after_days (et celui-ci être supérieur à 0)",
            );
        }
        if self.jobs.outbox_poll_seconds == 0 || self.jobs.deadlines_every_seconds == 0 {
            return fail("jobs", "intervalles supérieurs à 0 attendus");
        }
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            return fail("server.public_url", "URL http:// ou https:// attendue");
        }
        if self.privacy.retention_months == 0 {
            return fail("privacy.retention_months", "doit être supérieur à 0");
        }
        if self.privacy.audit_retention_months == 0 {
            return fail("privacy.audit_retention_months", "doit être supérieur à 0");
        }
        if i64::from(self.privacy.warning_days) >= i64::from(self.privacy.retention_months) * 28 {
            return fail(
                "privacy.warning_days",
                "doit être plus court que privacy.retention_months",
            );
        }
        if self.login.max_lock_minutes == 0 {
            return fail("login.max_lock_minutes", "doit être supérieur à 0");
        }
        Ok(())
    }
}

/// figment's message, on one line, with the key and where the bad value came from.
fn describe(error: &figment::Error) -> String {
    let mut text = String::new();
    for (i, e) in error.clone().into_iter().enumerate() {
        if i > 0 {
            text.push_str(" ; ");
        }
        let key = e.path.join(".");
        let kind = e.kind.to_string();
        let source = e
            .metadata
            .as_ref()
            .map(|m| match &m.source {
                Some(source) => format!(" (dans {source})"),
                None => format!(" (dans {})", m.name),
            })
            .unwrap_or_default();
        if key.is_empty() {
            text.push_str(&format!("{kind}{source}"));
        } else {
            text.push_str(&format!("clé {key} : {kind}{source}"));
        }
    }
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_file(contents: &str) -> tempfile_like::TempFile {
        tempfile_like::TempFile::new(contents)
    }

    /// A file in the temp dir, removed on drop (no extra crate for two tests).
    mod tempfile_like {
        pub struct TempFile(pub std::path::PathBuf);
        impl TempFile {
            pub fn new(contents: &str) -> Self {
                let path = std::env::temp_dir().join(format!(
                    "parcours-config-{}-{}.toml",
                    std::process::id(),
                    rand_suffix()
                ));
                let mut file = std::fs::File::create(&path).unwrap();
                super::Write::write_all(&mut file, contents.as_bytes()).unwrap();
                Self(path)
            }
        }
        impl Drop for TempFile {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        fn rand_suffix() -> u128 {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        }
    }

    fn no_env() -> Env {
        Env::prefixed("PARCOURS_TEST_UNSET_PREFIX__").split("__")
    }

    #[test]
    fn defaults_load_and_secrets_are_redacted() {
        let config = Config::load_with_env(None, no_env()).unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.session.idle_timeout_minutes, 30);
        assert_eq!(config.server.drain_seconds, 5);
        assert_eq!(config.privacy.retention_months, 24);
        assert_eq!(config.privacy.warning_days, 30);
        assert_eq!(config.privacy.audit_retention_months, 12);
        let debug = format!("{config:?}");
        assert!(!debug.contains("sqlite://"), "{debug}");
        assert!(!debug.contains("smtp://"), "{debug}");
        assert_eq!(
            config.database.url.expose_secret(),
            "sqlite://parcours.sqlite?mode=rwc"
        );
    }

    #[test]
    fn a_file_overrides_the_defaults() {
        let file = temp_file("[server]\nlisten = \"127.0.0.1:9999\"\n");
        let config = Config::load_with_env(Some(&file.0), no_env()).unwrap();
        assert_eq!(config.server.listen.port(), 9999);
        assert!(config.server.secure);
    }

    #[test]
    fn a_bad_value_names_its_key_on_one_line() {
        let file = temp_file("[server]\nlisten = \"partout\"\n");
        let error = Config::load_with_env(Some(&file.0), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("server.listen"), "{error}");
        assert!(!error.contains('\n'));
        let typo = temp_file("[sesion]\nidle_timeout_minutes = 5\n");
        let error = Config::load_with_env(Some(&typo.0), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("sesion"), "{error}");
        let zero = temp_file("[session]\nidle_timeout_minutes = 0\n");
        let error = Config::load_with_env(Some(&zero.0), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("session.idle_timeout_minutes"), "{error}");
    }

    #[test]
    fn whether_the_smtp_url_was_set_is_known() {
        let config = Config::load_with_env(None, no_env()).unwrap();
        assert!(!config.mail.smtp_url_given, "the default is not a choice");
        // Even set to the default's value: whoever wrote it means it.
        let file = temp_file("[mail]\nsmtp_url = \"smtp://127.0.0.1:2525\"\n");
        let config = Config::load_with_env(Some(&file.0), no_env()).unwrap();
        assert!(config.mail.smtp_url_given);
        let other = temp_file("[server]\nlisten = \"127.0.0.1:9999\"\n");
        let config = Config::load_with_env(Some(&other.0), no_env()).unwrap();
        assert!(!config.mail.smtp_url_given);
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let error = Config::load_with_env(Some(Path::new("/nonexistent/parcours.toml")), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("introuvable"), "{error}");
    }
}
