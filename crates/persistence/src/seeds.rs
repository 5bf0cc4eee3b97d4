//! Seed data: a directory of TOML files (and the QPV list in the ANCT CSV layout) that
//! `parcours seed DIR` and `parcours demo` load. Everything is read and validated before
//! the database is touched, then applied in the caller's transaction; applying the same
//! directory twice changes nothing.
//!
//! Files, each optional:
//! - `territories.toml`: `[[territories]]` with `code`, `name`, `communes = [{insee, name}]`
//! - `qpv.csv`: the ANCT list layout (see [`crate::qpv`])
//! - `organisations.toml`: `[[organisations]]` with `name`, `kind`, `territory` (a code),
//!   `notification_email`
//! - `users.toml`: `[[users]]` with `email`, `name`, `role`, `organisation` (a name)
//! - `services.toml`: `[[services]]` with `organisation` (a name), `name`, `description`,
//!   `stage`, `needs`, `publics`, `sectors`, `financing_min_eur`, `financing_max_eur`,
//!   `places`, `contact`

use crate::qpv::{self, QpvRecord};
use crate::{PersistenceError, organisations, territories, users};
use chrono::{DateTime, Utc};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::{DisplayName, Email, Role};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{path} : {message}")]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Database(#[from] PersistenceError),
}

#[derive(Debug, Default)]
pub struct SeedSet {
    pub territories: Vec<SeedTerritory>,
    pub qpv: Vec<QpvRecord>,
    pub organisations: Vec<SeedOrganisation>,
    pub users: Vec<SeedUser>,
    pub services: Vec<SeedService>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedService {
    pub organisation: String,
    pub name: String,
    pub description: String,
    pub stage: parcours_domain::pathway::Stage,
    #[serde(default)]
    pub needs: Vec<parcours_domain::services::Need>,
    #[serde(default)]
    pub publics: Vec<parcours_domain::services::Public>,
    #[serde(default)]
    pub sectors: Vec<String>,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    pub places: Option<i32>,
    pub contact: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesFile {
    services: Vec<SeedService>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTerritory {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub communes: Vec<SeedCommune>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCommune {
    pub insee: String,
    pub name: String,
}

#[derive(Debug)]
pub struct SeedOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub territory: String,
    pub notification_email: Option<Email>,
}

#[derive(Debug)]
pub struct SeedUser {
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
    pub organisation: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub territories: u64,
    pub qpv: u64,
    pub organisations: u64,
    pub users_created: u64,
    pub users_existing: u64,
    pub services: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TerritoriesFile {
    territories: Vec<SeedTerritory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationsFile {
    organisations: Vec<RawOrganisation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    name: String,
    kind: OrganisationKind,
    territory: String,
    notification_email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<RawUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    email: String,
    name: String,
    role: Role,
    organisation: String,
}

/// The contents of the seed files, each optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeedTexts<'a> {
    pub territories: Option<&'a str>,
    pub qpv: Option<&'a str>,
    pub organisations: Option<&'a str>,
    pub users: Option<&'a str>,
    pub services: Option<&'a str>,
}

/// Reads and checks a seed directory without touching the database.
pub fn read_dir(dir: &Path) -> Result<SeedSet, SeedError> {
    if !dir.is_dir() {
        return Err(file_error(dir, "dossier introuvable"));
    }
    let read = |name: &str| -> Result<Option<String>, SeedError> {
        let path = dir.join(name);
        if !path.exists() {
            return Ok(None);
        }
        std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| file_error(&path, e))
    };
    let (territories, qpv, organisations, users, services) = (
        read("territories.toml")?,
        read("qpv.csv")?,
        read("organisations.toml")?,
        read("users.toml")?,
        read("services.toml")?,
    );
    parse(
        dir,
        SeedTexts {
            territories: territories.as_deref(),
            qpv: qpv.as_deref(),
            organisations: organisations.as_deref(),
            users: users.as_deref(),
            services: services.as_deref(),
        },
    )
}

/// Parses and checks seed texts; `dir` names them in error messages.
pub fn parse(dir: &Path, texts: SeedTexts<'_>) -> Result<SeedSet, SeedError> {
    let mut set = SeedSet::default();
    if let Some(text) = texts.territories {
        set.territories =
            parse_toml::<TerritoriesFile>(&dir.join("territories.toml"), text)?.territories;
    }
    if let Some(text) = texts.qpv {
        set.qpv = qpv::parse(text.as_bytes()).map_err(|e| file_error(&dir.join("qpv.csv"), e))?;
    }
    let orgs_path = dir.join("organisations.toml");
    if let Some(text) = texts.organisations {
        for raw in parse_toml::<OrganisationsFile>(&orgs_path, text)?.organisations {
            let notification_email = raw
                .notification_email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|e| file_error(&orgs_path, format!("{} : {e}", raw.name)))?;
            set.organisations.push(SeedOrganisation {
                name: raw.name,
                kind: raw.kind,
                territory: raw.territory,
                notification_email,
            });
        }
    }
    let users_path = dir.join("users.toml");
    if let Some(text) = texts.users {
        for raw in parse_toml::<UsersFile>(&users_path, text)?.users {
            let email = Email::parse(&raw.email)
                .map_err(|e| file_error(&users_path, format!("{} : {e}", raw.email)))?;
            let name = DisplayName::parse(&raw.name)
                .map_err(|e| file_error(&users_path, format!("{} : {e}", raw.email)))?;
            set.users.push(SeedUser {
                email,
                name,
                role: raw.role,
                organisation: raw.organisation,
            });
        }
    }
    if let Some(text) = texts.services {
        set.services = parse_toml::<ServicesFile>(&dir.join("services.toml"), text)?.services;
    }
    Ok(set)
}

fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, SeedError> {
    toml::from_str(text).map_err(|e| file_error(path, e.to_string().trim_end().replace('\n', " ")))
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> SeedError {
    SeedError::File {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// Applies a seed set. New users get `new_user_password_hash`; existing users (by
/// e-mail) are left as they are.
pub async fn apply(
    conn: &impl ConnectionTrait,
    set: &SeedSet,
    new_user_password_hash: &str,
    now: DateTime<Utc>,
) -> Result<SeedReport, SeedError> {
    let mut report = SeedReport::default();
    for territory in &set.territories {
        territories::upsert(
            conn,
            &territories::TerritoryInput {
                code: &territory.code,
                name: &territory.name,
                communes: territory
                    .communes
                    .iter()
                    .map(|c| (c.insee.as_str(), c.name.as_str()))
                    .collect(),
            },
            now,
        )
        .await?;
        report.territories += 1;
    }
    let imported = qpv::upsert_all(conn, &set.qpv, now).await?;
    report.qpv = imported.created + imported.updated;
    for org in &set.organisations {
        let territory = territories::find_by_code(conn, &org.territory)
            .await?
            .ok_or_else(|| unknown("territoire", &org.territory))?;
        organisations::upsert(
            conn,
            &organisations::OrganisationInput {
                name: &org.name,
                kind: org.kind,
                territory_id: territory.id,
                notification_email: org.notification_email.as_ref().map(Email::as_str),
            },
            now,
        )
        .await?;
        report.organisations += 1;
    }
    for user in &set.users {
        if users::find_by_email(conn, &user.email).await?.is_some() {
            report.users_existing += 1;
            continue;
        }
        let organisation_id = organisations::find_id_by_name(conn, &user.organisation)
            .await?
            .ok_or_else(|| unknown("structure", &user.organisation))?;
        users::create(
            conn,
            &users::NewUser {
                organisation_id,
                email: &user.email,
                display_name: &user.name,
                role: user.role,
                password_hash: new_user_password_hash,
            },
            now,
        )
        .await?;
        report.users_created += 1;
    }
    for service in &set.services {
        let organisation_id = organisations::find_id_by_name(conn, &service.organisation)
            .await?
            .ok_or_else(|| unknown("structure", &service.organisation))?;
        if crate::services::find_by_name(conn, organisation_id, &service.name)
            .await?
            .is_some()
        {
            continue;
        }
        crate::services::create(
            conn,
            organisation_id,
            crate::services::ServiceFields {
                name: service.name.clone(),
                description: service.description.clone(),
                stage: service.stage,
                needs: service.needs.clone(),
                publics: service.publics.clone(),
                sectors: service.sectors.clone(),
                financing_min_eur: service.financing_min_eur,
                financing_max_eur: service.financing_max_eur,
                places: service.places,
                contact: service.contact.clone(),
                active: true,
            },
            now,
        )
        .await?;
        report.services += 1;
    }
    Ok(report)
}

fn unknown(what: &str, name: &str) -> SeedError {
    SeedError::File {
        path: PathBuf::from("seeds"),
        message: format!("{what} inconnu(e) : « {name} »"),
    }
}
