//! The platform's administration, for platform admins only: organisations, territories
//! and the QPV reference list (the official ANCT file, imported whole or not at all).

use crate::{Actor, Core, Error, Refusal, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::CommuneInsee;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::{DisplayName, Email, Role};
use parcours_persistence::organisations::{self, Organisation, OrganisationInput};
use parcours_persistence::territories::{self, Territory, TerritoryInput};
use parcours_persistence::{commit, qpv};

/// Platform administration is for platform admins: the one home of that rule, for the
/// use cases below and the pages that only show a menu.
pub fn require_admin(actor: &Actor) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden(Refusal::Role))
    }
}

/// Every organisation, by name.
pub async fn organisations(core: &Core, actor: &Actor) -> Result<Vec<Organisation>> {
    require_admin(actor)?;
    Ok(organisations::all(core.db.conn()).await?)
}

/// Every territory, by name, with its number of communes.
pub async fn territories(core: &Core, actor: &Actor) -> Result<Vec<(Territory, u64)>> {
    require_admin(actor)?;
    Ok(territories::all(core.db.conn()).await?)
}

/// An organisation, as typed.
#[derive(Clone, Debug, Default)]
pub struct OrganisationForm {
    pub name: String,
    pub kind: String,
    /// A territory id.
    pub territory: String,
    /// Blank for none.
    pub notification_email: String,
}

struct CheckedOrganisation {
    name: String,
    kind: OrganisationKind,
    territory_id: i64,
    notification_email: Option<String>,
}

/// Errors name the fields `name`, `organisation_kind`, `territory`, `notification_email`.
async fn check_organisation(core: &Core, form: &OrganisationForm) -> Result<CheckedOrganisation> {
    let mut errors = ValidationErrors::new();
    let name = errors.check("name", DisplayName::parse(&form.name));
    let kind = match form.kind.trim().parse::<OrganisationKind>() {
        Ok(kind) => Some(kind),
        Err(_) => {
            errors.add("organisation_kind", "choisissez un type dans la liste");
            None
        }
    };
    let territory_id = match form.territory.trim().parse::<i64>() {
        Ok(id) if territories::get(core.db.conn(), id).await?.is_some() => Some(id),
        _ => {
            errors.add("territory", "choisissez un territoire dans la liste");
            None
        }
    };
    let notification_email = match form.notification_email.trim() {
        "" => Some(None),
        typed => errors
            .check("notification_email", Email::parse(typed))
            .map(|e| Some(e.into_inner())),
    };
    errors.into_result()?;
    match (name, kind, territory_id, notification_email) {
        (Some(name), Some(kind), Some(territory_id), Some(notification_email)) => {
            Ok(CheckedOrganisation {
                name: name.as_str().to_owned(),
                kind,
                territory_id,
                notification_email,
            })
        }
        _ => Err(Error::Internal(anyhow::anyhow!(
            "validated organisation incomplete"
        ))),
    }
}

/// Creates an organisation; returns its id. A name already used is an error on `name`.
pub async fn create_organisation(
    core: &Core,
    actor: &Actor,
    form: &OrganisationForm,
    now: DateTime<Utc>,
) -> Result<i64> {
    require_admin(actor)?;
    let checked = check_organisation(core, form).await?;
    let txn = core.db.begin_write().await?;
    let id = organisations::create(
        &txn,
        &OrganisationInput {
            name: &checked.name,
            kind: checked.kind,
            territory_id: checked.territory_id,
            notification_email: checked.notification_email.as_deref(),
        },
        now,
    )
    .await?;
    commit(txn).await?;
    tracing::info!(
        actor_id = actor.user_id,
        organisation_id = id,
        "organisation created"
    );
    Ok(id)
}

/// Changes an organisation.
pub async fn update_organisation(
    core: &Core,
    actor: &Actor,
    id: i64,
    form: &OrganisationForm,
    now: DateTime<Utc>,
) -> Result<()> {
    require_admin(actor)?;
    let checked = check_organisation(core, form).await?;
    let txn = core.db.begin_write().await?;
    organisations::update(
        &txn,
        id,
        &OrganisationInput {
            name: &checked.name,
            kind: checked.kind,
            territory_id: checked.territory_id,
            notification_email: checked.notification_email.as_deref(),
        },
        now,
    )
    .await?;
    commit(txn).await?;
    tracing::info!(
        actor_id = actor.user_id,
        organisation_id = id,
        "organisation changed"
    );
    Ok(())
}

/// A territory, as typed: its communes one a line, « 93066 Saint-Denis ».
#[derive(Clone, Debug, Default)]
pub struct TerritoryForm {
    pub code: String,
    pub name: String,
    pub communes: String,
}

/// Creates a territory, or renames the one with this code; the communes listed are
/// added to it (none is removed). Errors name `code`, `name`, `communes` (with the line).
pub async fn save_territory(
    core: &Core,
    actor: &Actor,
    form: &TerritoryForm,
    now: DateTime<Utc>,
) -> Result<i64> {
    require_admin(actor)?;
    let mut errors = ValidationErrors::new();
    let code = form.code.trim().to_uppercase();
    if code.is_empty() {
        errors.add("code", "le code est obligatoire");
    } else if code.chars().count() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.add(
            "code",
            "32 caractères au plus : lettres sans accent, chiffres, - ou _",
        );
    }
    let name = errors.check("name", DisplayName::parse(&form.name));
    let mut communes = Vec::new();
    for (index, line) in form.communes.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (insee, commune) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match (CommuneInsee::parse(insee), DisplayName::parse(commune)) {
            (Ok(insee), Ok(commune)) => {
                communes.push((insee.as_str().to_owned(), commune.as_str().to_owned()))
            }
            (Err(message), _) => errors.add("communes", format!("ligne {} : {message}", index + 1)),
            (_, Err(_)) => errors.add(
                "communes",
                format!(
                    "ligne {} : le nom de la commune manque après son code",
                    index + 1
                ),
            ),
        }
    }
    errors.into_result()?;
    let Some(name) = name else {
        return Err(Error::Internal(anyhow::anyhow!(
            "validated territory incomplete"
        )));
    };
    let txn = core.db.begin_write().await?;
    let id = territories::upsert(
        &txn,
        &TerritoryInput {
            code: &code,
            name: name.as_str(),
            communes: communes
                .iter()
                .map(|(i, n)| (i.as_str(), n.as_str()))
                .collect(),
        },
        now,
    )
    .await?;
    commit(txn).await?;
    tracing::info!(
        actor_id = actor.user_id,
        territory_id = id,
        "territory saved"
    );
    Ok(id)
}

pub use parcours_persistence::qpv::ImportReport;

/// Imports the ANCT list: every quartier is created or updated, in one transaction. A
/// file with any error writes nothing; the errors are `file`'s, one per line at fault
/// (as the command line prints them).
pub async fn import_qpv(
    core: &Core,
    actor: &Actor,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    require_admin(actor)?;
    let records = qpv::parse(bytes).map_err(|error| {
        let mut errors = ValidationErrors::new();
        match error {
            qpv::QpvFileError::Rows(rows) => {
                for row in rows {
                    errors.add("file", row.to_string());
                }
            }
            other => errors.add("file", other.to_string()),
        }
        Error::Invalid(errors)
    })?;
    if records.is_empty() {
        return Err(Error::invalid(
            "file",
            "le fichier ne contient aucun quartier",
        ));
    }
    let txn = core.db.begin_write().await?;
    let report = qpv::upsert_all(&txn, &records, now).await?;
    commit(txn).await?;
    tracing::info!(
        actor_id = actor.user_id,
        created = report.created,
        updated = report.updated,
        "QPV list imported"
    );
    Ok(report)
}
