//! Moving along the pathway: forward freely, back with a reason, closing with an
//! outcome (a business created records its SIRET), reopening; and the move into
//! hébergement that a host's agreement brings.

use super::{HolderFile, file};
use crate::access::write_file;
use crate::text::{one_text, past_date, required_or};
use crate::{Actor, Core, Error, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::{Change, Record};
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::Siret;
use parcours_domain::pathway::{Outcome, PathwayError, PathwayEvent, Stage};
use parcours_persistence::holders::{self, Authority, Holder};
use parcours_persistence::projects::{self, Project};
use parcours_persistence::{ConnectionTrait, DatabaseTransaction, contacts};
use serde::Deserialize;

/// Records a pathway event on the holder as read, dated `occurred_at`; a change in
/// between is a conflict.
#[expect(clippy::too_many_arguments, reason = "the event, whose, and when")]
async fn record_event(
    txn: &DatabaseTransaction,
    authority: Authority<'_>,
    holder: &Holder,
    actor: &Actor,
    event: &PathwayEvent,
    siret: Option<&str>,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Holder> {
    holders::apply_event_at(
        txn,
        authority,
        holder,
        actor.user_id,
        event,
        siret,
        occurred_at,
        now,
    )
    .await?
    .ok_or_else(|| Error::Conflict("la fiche a changé entre-temps : rechargez-la".into()))
}

/// Moving along the pathway.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Its name in the OpenAPI document, as clients know it.
#[cfg_attr(feature = "openapi", schema(as = StageRequest))]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    /// The stage to move to.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::pathway::Stage))]
    pub to: String,
    /// Required when moving back.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
}

parcours_domain::redacted_debug!(StageInput { to });

/// The longest reason for a step of the pathway.
const REASON_MAX: usize = 500;

/// Moves the holder to another stage. Forward is normal; back needs a reason.
pub async fn move_stage(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: StageInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    step(core, actor, id, AuditAction::HolderStage, now, |holder| {
        let to: Stage = input
            .to
            .parse()
            .map_err(|e| Error::invalid("to", format!("{e}")))?;
        let reason = one_text("reason", input.reason.as_deref(), REASON_MAX)?;
        let (_, event) = holder
            .pathway()
            .move_to(to, reason.as_deref())
            .map_err(|e| {
                let field = match e {
                    PathwayError::BackwardWithoutReason { .. } => "reason",
                    _ => "to",
                };
                Error::invalid(field, e.to_string())
            })?;
        Ok(event)
    })
    .await
}

/// One step of the pathway on the référent's authority: `event` says what it is, from
/// the holder as read, or why not.
async fn step(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: AuditAction,
    now: DateTime<Utc>,
    event: impl FnOnce(&Holder) -> Result<PathwayEvent>,
) -> Result<HolderFile> {
    write_file(
        core,
        actor,
        id,
        action,
        now,
        async |txn, holder, change: Change| {
            let event = event(&holder)?;
            let authority = Authority::Referent(&change);
            let updated =
                record_event(txn, authority, &holder, actor, &event, None, now, now).await?;
            file(txn, updated).await
        },
    )
    .await
}

/// Closing the pathway with an outcome.
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Its name in the OpenAPI document, as clients know it.
#[cfg_attr(feature = "openapi", schema(as = CloseRequest))]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// `entreprise_creee`, `emploi_ou_formation`, `abandon` or `sans_nouvelles`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::pathway::Outcome))]
    pub outcome: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
    /// For `entreprise_creee`: the business's SIRET…
    pub siret: Option<String>,
    /// …its creation date (YYYY-MM-DD)…
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub created_on: Option<String>,
    /// …and legal form.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::contacts::LegalForm>))]
    pub legal_form: Option<String>,
    /// The project that became the business (needed when the holder has several).
    pub project_id: Option<i64>,
}

parcours_domain::redacted_debug!(CloseInput {
    outcome,
    project_id
});

/// The business a closing records.
struct Creation {
    siret: Siret,
    created_on: chrono::NaiveDate,
    legal_form: LegalForm,
    project: Option<Project>,
}

async fn check_close(
    conn: &impl ConnectionTrait,
    holder: &Holder,
    input: &CloseInput,
    now: DateTime<Utc>,
) -> Result<(Outcome, Option<Creation>)> {
    let mut errors = ValidationErrors::new();
    let outcome = errors.check("outcome", input.outcome.parse::<Outcome>());
    let mut creation = None;
    if outcome == Some(Outcome::EntrepriseCreee) {
        let missing = "obligatoire pour une création d'entreprise";
        let siret = required_or(
            &mut errors,
            "siret",
            input.siret.as_deref(),
            missing,
            Siret::parse,
        );
        let created_on = required_or(
            &mut errors,
            "created_on",
            input.created_on.as_deref(),
            missing,
            |v| past_date(v, parcours_domain::calendar::paris_day(now)),
        );
        let legal_form = required_or(
            &mut errors,
            "legal_form",
            input.legal_form.as_deref(),
            missing,
            str::parse::<LegalForm>,
        );
        let projects = projects::for_holder(conn, holder.id).await?;
        let project = match input.project_id {
            Some(pid) => {
                let found = projects.into_iter().find(|p| p.id == pid);
                if found.is_none() {
                    errors.add("project_id", "projet inconnu pour cette personne");
                }
                found
            }
            None if projects.len() > 1 => {
                errors.add("project_id", "précisez le projet devenu entreprise");
                None
            }
            None => projects.into_iter().next(),
        };
        if let (Some(siret), Some(created_on), Some(legal_form)) = (siret, created_on, legal_form) {
            creation = Some(Creation {
                siret,
                created_on,
                legal_form,
                project,
            });
        }
    } else {
        for (field, given) in [
            ("siret", input.siret.is_some()),
            ("created_on", input.created_on.is_some()),
            ("legal_form", input.legal_form.is_some()),
        ] {
            if given {
                errors.add(field, "réservé à l'issue entreprise_creee");
            }
        }
    }
    errors.into_result()?;
    let outcome = outcome.ok_or_else(|| Error::invalid("outcome", "obligatoire"))?;
    Ok((outcome, creation))
}

/// Closes the pathway with an outcome. A business creation records the SIRET, date and
/// legal form on the project.
pub async fn close(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: CloseInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    write_file(
        core,
        actor,
        id,
        AuditAction::HolderClose,
        now,
        async |txn, holder, change: Change| {
            let updated = close_in(txn, actor, &holder, &change, &input, now, now).await?;
            file(txn, updated).await
        },
    )
    .await
}

/// [`close`] in the caller's transaction, on the référent organisation's authority
/// (`change`), the step dated `occurred_at` — a business created years ago, brought in
/// from a spreadsheet, closes the pathway on the day it was created. The closing rules
/// check `input`; nothing stays pending; a business created is recorded on its project.
/// The caller audits.
pub(crate) async fn close_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    holder: &Holder,
    change: &Change,
    input: &CloseInput,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Holder> {
    let (outcome, creation) = check_close(txn, holder, input, now).await?;
    let reason = one_text("reason", input.reason.as_deref(), REASON_MAX)?;
    let (_, event) = holder
        .pathway()
        .close(outcome, reason.as_deref())
        .map_err(|e| Error::invalid("outcome", e.to_string()))?;
    let siret = creation.as_ref().map(|c| c.siret.as_str().to_owned());
    let updated = record_event(
        txn,
        Authority::Referent(change),
        holder,
        actor,
        &event,
        siret.as_deref(),
        occurred_at,
        now,
    )
    .await?;
    // A closed pathway leaves no follow-up pending.
    contacts::settle_all(txn, change, now).await?;
    if let Some(Creation {
        siret,
        created_on,
        legal_form,
        project: Some(project),
    }) = creation
    {
        let fields = projects::ProjectFields {
            siret: Some(siret.as_str().to_owned()),
            created_on: Some(created_on),
            legal_form: Some(legal_form),
            ..project.fields()
        };
        projects::update(txn, change, project.id, project.version, fields, now)
            .await?
            .ok_or_else(|| Error::Conflict("le projet a changé entre-temps".into()))?;
    }
    Ok(updated)
}

/// Reopening a closed pathway.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Its name in the OpenAPI document, as clients know it.
#[cfg_attr(feature = "openapi", schema(as = ReopenRequest))]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 500))]
    pub reason: Option<String>,
}

parcours_domain::redacted_debug!(ReopenInput {});

/// Reopens a closed pathway at the stage it was closed in; needs a reason.
pub async fn reopen(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: ReopenInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    step(core, actor, id, AuditAction::HolderReopen, now, |holder| {
        let reason = one_text("reason", input.reason.as_deref(), REASON_MAX)?;
        let (_, event) = holder
            .pathway()
            .reopen(reason.as_deref())
            .map_err(|e| Error::invalid("reason", e.to_string()))?;
        Ok(event)
    })
    .await
}

/// Moves a holder into hébergement when a host records an agreement, if their pathway
/// is open and not there yet: the pathway's rule, on the host's authority.
pub(crate) async fn move_in(
    txn: &DatabaseTransaction,
    record: &Record,
    holder: &Holder,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some((_, event)) = holder.pathway().move_in_for_hosting() {
        record_event(
            txn,
            Authority::Host(record),
            holder,
            actor,
            &event,
            None,
            now,
            now,
        )
        .await?;
    }
    Ok(())
}
