//! Holders: registering, reading, editing (based on the version read), listing, and
//! moving along the pathway — move, close, reopen.

use crate::access::{Expected, audit_reads, read_file, write_file};
use crate::text::{optional, past_date, required_or, text, word};
use crate::{Actor, Core, Error, Page, PageRequest, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::{Change, registration};
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::{
    CommuneInsee, EducationLevel, Gender, Phone, PostalCode, QpvCode, QpvStatus, QpvStatusSource,
    Siret, Situation, check_birth_date, check_name, parse_date, search_key,
};
use parcours_domain::pathway::{Outcome, Pathway, PathwayError, PathwayEvent, Stage};
use parcours_domain::users::{Email, Role};
use parcours_persistence::holders::{self, Authority, Holder, HolderFields, HolderQuery};
use parcours_persistence::projects::{self, Project};
use parcours_persistence::{ConnectionTrait, DatabaseTransaction, audit, commit, qpv, users};
use serde::{Deserialize, Serialize};

/// What an adviser types at intake. Every field but the names is optional; a refusal
/// lists every invalid field at once.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HolderInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// YYYY-MM-DD; the person must be 15 to 99 years old.
    pub birth_date: Option<String>,
    /// `femme`, `homme` or `autre`.
    pub gender: Option<String>,
    pub email: Option<String>,
    /// National (06 12 34 56 78) or international (+33 6 12 34 56 78) form.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    /// A code of the QPV reference list; sets `qpv_status` to `in_qpv`.
    pub qpv_code: Option<String>,
    /// `in_qpv`, `not_in_qpv` or `unknown`, when known without a code.
    pub qpv_status: Option<String>,
    pub situation: Option<String>,
    pub education_level: Option<String>,
    /// Only the adviser's own organisation (the default).
    pub referent_organisation_id: Option<i64>,
    /// An adviser of that organisation (default: the one registering).
    pub referent_user_id: Option<i64>,
    /// Stage at registration (default `information`); only on creation.
    #[serde(skip_serializing)]
    pub stage: Option<String>,
}

impl From<&Holder> for HolderInput {
    /// The input form of a stored holder, onto which an edit is laid.
    fn from(holder: &Holder) -> Self {
        Self {
            first_name: Some(holder.first_name.clone()),
            last_name: Some(holder.last_name.clone()),
            birth_date: holder.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
            gender: holder.gender.map(|g| g.as_str().to_owned()),
            email: holder.email.clone(),
            phone: holder.phone.clone(),
            address: holder.address.clone(),
            postal_code: holder.postal_code.clone(),
            commune_insee: holder.commune_insee.clone(),
            qpv_code: holder.qpv_code.clone(),
            qpv_status: (holder.qpv_status_source == QpvStatusSource::Adviser
                && holder.qpv_code.is_none())
            .then(|| holder.qpv_status.as_str().to_owned()),
            situation: holder.situation.map(|s| s.as_str().to_owned()),
            education_level: holder.education_level.map(|e| e.as_str().to_owned()),
            referent_organisation_id: Some(holder.referent_organisation_id),
            referent_user_id: holder.referent_user_id,
            stage: None,
        }
    }
}

/// A holder's file: the person and their projects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderFile {
    pub holder: Holder,
    pub projects: Vec<Project>,
}

async fn file(conn: &impl ConnectionTrait, holder: Holder) -> Result<HolderFile> {
    let projects = projects::for_holder(conn, holder.id).await?;
    Ok(HolderFile { holder, projects })
}

/// Checks every field, then what needs the database (referent, QPV reference): the
/// rules of the intake form, whoever fills it in.
pub(crate) async fn validate(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &HolderInput,
    now: DateTime<Utc>,
) -> Result<HolderFields> {
    let today = now.date_naive();
    let mut errors = ValidationErrors::new();
    let first_name = errors.check(
        "first_name",
        check_name(input.first_name.as_deref().unwrap_or_default()),
    );
    let last_name = errors.check(
        "last_name",
        check_name(input.last_name.as_deref().unwrap_or_default()),
    );
    let birth_date = optional(
        &mut errors,
        "birth_date",
        input.birth_date.as_deref(),
        |v| parse_date(v).and_then(|d| check_birth_date(d, today)),
    );
    let gender: Option<Gender> = word(&mut errors, "gender", input.gender.as_deref());
    let email = optional(&mut errors, "email", input.email.as_deref(), Email::parse);
    let phone = optional(&mut errors, "phone", input.phone.as_deref(), Phone::parse);
    let address = text(&mut errors, "address", input.address.as_deref(), 300);
    let postal_code = optional(
        &mut errors,
        "postal_code",
        input.postal_code.as_deref(),
        PostalCode::parse,
    );
    let commune = optional(
        &mut errors,
        "commune_insee",
        input.commune_insee.as_deref(),
        CommuneInsee::parse,
    );
    let qpv_code = optional(
        &mut errors,
        "qpv_code",
        input.qpv_code.as_deref(),
        QpvCode::parse,
    );
    let qpv_status: Option<QpvStatus> =
        word(&mut errors, "qpv_status", input.qpv_status.as_deref());
    let situation: Option<Situation> = word(&mut errors, "situation", input.situation.as_deref());
    let education_level: Option<EducationLevel> = word(
        &mut errors,
        "education_level",
        input.education_level.as_deref(),
    );
    if input
        .referent_organisation_id
        .is_some_and(|id| id != actor.organisation_id)
    {
        errors.add(
            "referent_organisation_id",
            "vous ne pouvez suivre une personne que pour votre propre structure",
        );
    }
    if qpv_code.is_some() && qpv_status.is_some_and(|s| s != QpvStatus::InQpv) {
        errors.add(
            "qpv_status",
            "contradictoire avec le code QPV indiqué (in_qpv attendu)",
        );
    }
    if let Some(code) = &qpv_code
        && !qpv::exists(conn, code.as_str()).await?
    {
        errors.add("qpv_code", "quartier absent du référentiel QPV");
    }
    let referent_user_id = input.referent_user_id.unwrap_or(actor.user_id);
    match users::get(conn, referent_user_id).await? {
        Some(referent)
            if referent.organisation_id == actor.organisation_id
                && referent.disabled_at.is_none()
                && matches!(referent.role, Role::Adviser | Role::OrgAdmin) => {}
        _ => errors.add(
            "referent_user_id",
            "doit être un conseiller actif de votre structure",
        ),
    }
    let (qpv_status, qpv_status_source) = match (&qpv_code, qpv_status, &commune) {
        (Some(_), _, _) => (QpvStatus::InQpv, QpvStatusSource::Adviser),
        (None, Some(status), _) => (status, QpvStatusSource::Adviser),
        (None, None, Some(commune)) => {
            // Honest: a commune with no QPV at all says "not in a QPV"; a commune with
            // QPVs says nothing about the street.
            if qpv::count_in_commune(conn, commune.as_str()).await? == 0
                && qpv::reference_loaded(conn).await?
            {
                (QpvStatus::NotInQpv, QpvStatusSource::Commune)
            } else {
                (QpvStatus::Unknown, QpvStatusSource::Commune)
            }
        }
        (None, None, None) => (QpvStatus::Unknown, QpvStatusSource::NotSet),
    };
    errors.into_result()?;
    Ok(HolderFields {
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        birth_date,
        gender,
        email: email.map(Email::into_inner),
        phone: phone.map(|p| p.as_str().to_owned()),
        address,
        postal_code: postal_code.map(|p| p.as_str().to_owned()),
        commune_insee: commune.map(|c| c.as_str().to_owned()),
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        qpv_status,
        qpv_status_source,
        situation,
        education_level,
        referent_user_id: Some(referent_user_id),
    })
}

/// Registers a holder in `txn`: the actor's organisation becomes their référent, they
/// enter the pathway at `stage`, met at `source_event_id` if any. Returns the holder
/// and the grants of the référent over the new file.
pub(crate) async fn register_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    fields: HolderFields,
    stage: Stage,
    source_event_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(Holder, Change, parcours_domain::access::Record)> {
    actor.require_personal_data()?;
    let (_, entry) = Pathway::start(stage);
    let holder = holders::create(
        txn,
        actor.organisation_id,
        actor.user_id,
        fields,
        &entry,
        source_event_id,
        now,
    )
    .await?;
    audit::record(
        txn,
        &actor.audit(),
        AuditAction::HolderCreate,
        holder.id,
        now,
    )
    .await?;
    let (_, record, change) =
        registration(&actor.viewer(), holder.id).ok_or(Error::Forbidden(crate::Refusal::Role))?;
    Ok((holder, change, record))
}

/// Registers a person, who enters the pathway (at `information` unless told otherwise).
pub async fn register(
    core: &Core,
    actor: &Actor,
    input: HolderInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    actor.require_personal_data()?;
    let stage = match input.stage.as_deref() {
        None => Stage::Information,
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| Error::invalid("stage", format!("{e}")))?,
    };
    let txn = core.db.begin_write().await?;
    let fields = validate(&txn, actor, &input, now).await?;
    let (holder, ..) = register_in(&txn, actor, fields, stage, None, now).await?;
    let body = file(&txn, holder).await?;
    commit(txn).await?;
    Ok(body)
}

/// One holder's file.
pub async fn read(core: &Core, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<HolderFile> {
    read_file(
        core,
        actor,
        id,
        AuditAction::HolderRead,
        now,
        async |txn, holder, _| file(txn, holder).await,
    )
    .await
}

/// Changes the identity and situation fields: `edit` gets them as they stand and
/// returns them changed; the result goes through the intake rules. Based on the
/// `expected` version: a change in between refuses it.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    expected: Expected,
    edit: impl FnOnce(HolderInput) -> Result<HolderInput>,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    write_file(
        core,
        actor,
        id,
        AuditAction::HolderUpdate,
        now,
        async |txn, holder, change: Change| {
            let version = expected.check(holder.version)?;
            let input = edit(HolderInput::from(&holder))?;
            let fields = validate(txn, actor, &input, now).await?;
            let updated = holders::update(txn, &change, version, fields, now)
                .await?
                .ok_or(Error::Stale)?;
            file(txn, updated).await
        },
    )
    .await
}

/// Records a pathway event on the holder as read; a change in between is a conflict.
async fn record_event(
    txn: &DatabaseTransaction,
    authority: Authority<'_>,
    holder: &Holder,
    actor: &Actor,
    event: &PathwayEvent,
    siret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Holder> {
    holders::apply_event(txn, authority, holder, actor.user_id, event, siret, now)
        .await?
        .ok_or_else(|| Error::Conflict("la fiche a changé entre-temps : rechargez-la".into()))
}

/// Moving along the pathway.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    /// The stage to move to.
    pub to: String,
    /// Required when moving back.
    pub reason: Option<String>,
}

/// Moves the holder to another stage. Forward is normal; back needs a reason.
pub async fn move_stage(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: StageInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    write_file(
        core,
        actor,
        id,
        AuditAction::HolderStage,
        now,
        async |txn, holder, change: Change| {
            let to: Stage = input
                .to
                .trim()
                .parse()
                .map_err(|e| Error::invalid("to", format!("{e}")))?;
            let (_, event) = holder
                .pathway()
                .move_to(to, input.reason.as_deref())
                .map_err(|e| {
                    let field = match e {
                        PathwayError::BackwardWithoutReason { .. } => "reason",
                        _ => "to",
                    };
                    Error::invalid(field, e.to_string())
                })?;
            let updated = record_event(
                txn,
                Authority::Referent(&change),
                &holder,
                actor,
                &event,
                None,
                now,
            )
            .await?;
            file(txn, updated).await
        },
    )
    .await
}

/// Closing the pathway with an outcome.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// `entreprise_creee`, `emploi_ou_formation`, `abandon` or `sans_nouvelles`.
    pub outcome: String,
    pub reason: Option<String>,
    /// For `entreprise_creee`: the business's SIRET…
    pub siret: Option<String>,
    /// …its creation date (YYYY-MM-DD)…
    pub created_on: Option<String>,
    /// …and legal form.
    pub legal_form: Option<String>,
    /// The project that became the business (needed when the holder has several).
    pub project_id: Option<i64>,
}

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
    let outcome = errors.check("outcome", input.outcome.trim().parse::<Outcome>());
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
            |v| past_date(v, now.date_naive()),
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
            let (outcome, creation) = check_close(txn, &holder, &input, now).await?;
            let (_, event) = holder
                .pathway()
                .close(outcome, input.reason.as_deref())
                .map_err(|e| Error::invalid("outcome", e.to_string()))?;
            let siret = creation.as_ref().map(|c| c.siret.as_str().to_owned());
            let updated = record_event(
                txn,
                Authority::Referent(&change),
                &holder,
                actor,
                &event,
                siret.as_deref(),
                now,
            )
            .await?;
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
                projects::update(txn, &change, project.id, project.version, fields, now)
                    .await?
                    .ok_or_else(|| Error::Conflict("le projet a changé entre-temps".into()))?;
            }
            file(txn, updated).await
        },
    )
    .await
}

/// Reopening a closed pathway.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    pub reason: Option<String>,
}

/// Reopens a closed pathway at the stage it was closed in; needs a reason.
pub async fn reopen(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: ReopenInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    write_file(
        core,
        actor,
        id,
        AuditAction::HolderReopen,
        now,
        async |txn, holder, change: Change| {
            let (_, event) = holder
                .pathway()
                .reopen(input.reason.as_deref())
                .map_err(|e| Error::invalid("reason", e.to_string()))?;
            let updated = record_event(
                txn,
                Authority::Referent(&change),
                &holder,
                actor,
                &event,
                None,
                now,
            )
            .await?;
            file(txn, updated).await
        },
    )
    .await
}

/// Moves a holder into hébergement when a host records an agreement, if their pathway
/// is open and not there yet: the pathway's rule, on the host's authority.
pub(crate) async fn move_in(
    txn: &DatabaseTransaction,
    record: &parcours_domain::access::Record,
    holder: &Holder,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    if holder.outcome.is_some() || holder.stage >= Stage::Hebergement {
        return Ok(());
    }
    if let Ok((_, event)) = holder.pathway().move_to(Stage::Hebergement, None) {
        record_event(
            txn,
            Authority::Host(record),
            holder,
            actor,
            &event,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Filters of the caseload, as typed.
#[derive(Clone, Debug, Default)]
pub struct ListInput {
    /// Start of the last or first name, accents and case ignored.
    pub q: Option<String>,
    pub stage: Option<String>,
    pub qpv: Option<String>,
    /// A referent adviser's user id.
    pub referent: Option<String>,
    pub page: PageRequest,
}

/// The organisation's holders in name order, a page at a time.
pub async fn list(
    core: &Core,
    actor: &Actor,
    input: &ListInput,
    now: DateTime<Utc>,
) -> Result<Page<Holder>> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let stage: Option<Stage> = word(&mut errors, "stage", input.stage.as_deref());
    let qpv_code = optional(&mut errors, "qpv", input.qpv.as_deref(), QpvCode::parse);
    let referent_user_id: Option<i64> = word(&mut errors, "referent", input.referent.as_deref());
    let (after, limit) = input.page.parse(&mut errors);
    errors.into_result()?;
    let query = HolderQuery {
        organisation_id: actor.organisation_id,
        q: input.q.as_deref().map(search_key).filter(|q| !q.is_empty()),
        stage,
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        referent_user_id,
        after,
        limit,
    };
    let (rows, more) = holders::list(core.db.conn(), &query).await?;
    let ids: Vec<i64> = rows.iter().map(|h| h.id).collect();
    audit_reads(core, actor, AuditAction::HolderList, &ids, now).await?;
    Ok(Page::of(rows, more, |h| (h.sort_key.clone(), h.id)))
}
