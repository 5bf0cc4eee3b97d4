//! Wiring shared by the commands: connecting to the database, checking its schema, and
//! the use cases with the configuration's settings and mailer.

use crate::config::Config;
use anyhow::{Context, bail};
use parcours_core::{Core, Settings};
use parcours_domain::auth::{LoginThrottle, SessionPolicy};
use parcours_mail::{MailSettings, Mailer};
use parcours_persistence::schema::{self, SchemaStatus};
use parcours_persistence::{Db, DbSettings, explain_connect_failure};
use secrecy::ExposeSecret;
use std::time::Duration;

fn db_settings(config: &Config, url: String) -> DbSettings {
    DbSettings {
        url,
        max_connections: config.database.max_connections,
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms),
        acquire_timeout: Duration::from_secs(10),
    }
}

/// Connects to the configured database. The URL is never echoed: it may hold a password.
pub(super) async fn connect(config: &Config) -> anyhow::Result<Db> {
    connect_url(config, config.database.url.expose_secret().to_owned()).await
}

/// Connects to `url`; a failure says why without repeating the URL.
pub(super) async fn connect_url(config: &Config, url: String) -> anyhow::Result<Db> {
    let engine = url.split(':').next().unwrap_or_default().to_owned();
    match Db::connect(&db_settings(config, url.clone())).await {
        Ok(db) => Ok(db),
        Err(error) => {
            let why = explain_connect_failure(&url, &error).await;
            bail!("connexion à la base ({engine}) impossible : {why}")
        }
    }
}

pub async fn apply_migrations(db: &Db) -> anyhow::Result<()> {
    if let SchemaStatus::Newer(unknown) = schema::status(db).await? {
        bail!(
            "la base a un schéma plus récent que ce programme (migrations inconnues : {}) : mettez parcours à jour",
            unknown.join(", ")
        );
    }
    let applied = schema::migrate(db).await.context("échec des migrations")?;
    if applied.is_empty() {
        println!("Base déjà à jour.");
    } else {
        for name in &applied {
            println!("Migration appliquée : {name}");
        }
    }
    Ok(())
}

pub async fn require_current_schema(db: &Db) -> anyhow::Result<()> {
    match schema::status(db).await? {
        SchemaStatus::UpToDate => Ok(()),
        SchemaStatus::Pending(names) => bail!(
            "la base n'est pas à jour ({} migration(s) en attente) : lancez `parcours migrate` ou réglez database.auto_migrate = true",
            names.len()
        ),
        SchemaStatus::Newer(names) => bail!(
            "la base a un schéma plus récent que ce programme (migrations inconnues : {}) : mettez parcours à jour",
            names.join(", ")
        ),
    }
}

fn core_settings(config: &Config) -> Settings {
    Settings {
        session: SessionPolicy {
            idle_timeout: chrono::Duration::minutes(config.session.idle_timeout_minutes.into()),
            absolute_timeout: chrono::Duration::hours(config.session.absolute_timeout_hours.into()),
        },
        login: LoginThrottle {
            free_failures: config.login.free_failures,
            first_lock: chrono::Duration::seconds(config.login.first_lock_seconds.into()),
            max_lock: chrono::Duration::minutes(config.login.max_lock_minutes.into()),
        },
        login_per_address_per_minute: config.login.per_address_per_minute,
        public_url: config.server.public_url.clone(),
        referral_deadlines: parcours_domain::referrals::Deadlines {
            remind_after: chrono::Duration::days(config.referrals.remind_after_days.into()),
            expire_after: chrono::Duration::days(config.referrals.expire_after_days.into()),
        },
        small_count_threshold: config.reports.small_count_threshold.into(),
        retention: parcours_domain::privacy::Retention {
            months: config.privacy.retention_months,
            warning_days: config.privacy.warning_days,
            audit_months: config.privacy.audit_retention_months,
        },
    }
}

/// The use cases on `db`, with the configuration's settings and mailer. Must be called
/// on a Tokio runtime.
pub(super) fn core(config: &Config, db: Db) -> anyhow::Result<Core> {
    let mailer = Mailer::new(&MailSettings {
        smtp_url: config.mail.smtp_url.clone(),
        from: config.mail.from.clone(),
        timeout: Duration::from_secs(config.mail.timeout_seconds),
    })?;
    Ok(core_with(config, db, mailer))
}

/// The use cases on `db` with a mailer of the caller's choosing (the demonstration
/// writes its e-mails to a folder).
pub(super) fn core_with(config: &Config, db: Db, mailer: Mailer) -> Core {
    Core::new(db, core_settings(config), mailer)
}

/// The use cases on the configured database, once its schema is current.
pub(super) async fn ready_core(config: &Config) -> anyhow::Result<Core> {
    let db = connect(config).await?;
    require_current_schema(&db).await?;
    core(config, db)
}
