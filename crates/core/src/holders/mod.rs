//! Holders: registering, reading, editing (based on the version read), listing, and
//! moving along the pathway — move, close, reopen.

mod import;
mod intake;
mod pathway;

pub use import::{
    ImportEntry, ImportOptions, ImportReport, Line as TableLine, Mapping as ImportMapping,
    Outcome as ImportOutcome, ReadColumn, ReportLine, acting_for, import, import_with_progress,
    latest_imports, may_import, read_mapping, read_table,
};
pub use intake::HolderInput;
pub use pathway::{CloseInput, ReopenInput, StageInput, close, move_stage, reopen};

pub(crate) use intake::validate;
pub(crate) use pathway::{close_in, move_in};

use crate::access::{Expected, audit_reads, read_file, write_file};
use crate::text::{id, optional, word};
use crate::{Actor, Core, Error, Page, PageRequest, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::{Change, Record, registration};
use parcours_domain::audit::AuditAction;
use parcours_domain::holders::{QpvCode, search_key};
use parcours_domain::pathway::{Pathway, Stage};
use parcours_domain::text::check_search;
use parcours_persistence::holders::{self, Holder, HolderFields, HolderQuery};
use parcours_persistence::projects::{self, Project};
use parcours_persistence::{ConnectionTrait, DatabaseTransaction, audit, commit};

/// A holder's file: the person and their projects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderFile {
    pub holder: Holder,
    pub projects: Vec<Project>,
}

pub(super) async fn file(conn: &impl ConnectionTrait, holder: Holder) -> Result<HolderFile> {
    let projects = projects::for_holder(conn, holder.id).await?;
    Ok(HolderFile { holder, projects })
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
) -> Result<(Holder, Change, Record)> {
    let new = holders::NewHolder {
        organisation_id: actor.organisation_id,
        user_id: actor.user_id,
        entered_at: now,
        source_event_id,
        external_ref: None,
    };
    register_entered_in(txn, actor, fields, stage, &new, now).await
}

/// [`register_in`], the entry into the pathway dated `new.entered_at`: a file brought
/// in from a spreadsheet keeps the day the person actually came.
pub(crate) async fn register_entered_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    fields: HolderFields,
    stage: Stage,
    new: &holders::NewHolder<'_>,
    now: DateTime<Utc>,
) -> Result<(Holder, Change, Record)> {
    let (holder, entry) = register_deferring(txn, actor, fields, stage, new, now).await?;
    holders::record_entries(txn, vec![entry]).await?;
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

/// [`register_entered_in`] but its first step and its audit entry (`HolderCreate`),
/// which the caller writes in the same transaction
/// ([`holders::record_entries`], [`audit::record_many`]): an import writes those of all
/// its new files together, in a few statements.
pub(crate) async fn register_deferring(
    txn: &DatabaseTransaction,
    actor: &Actor,
    fields: HolderFields,
    stage: Stage,
    new: &holders::NewHolder<'_>,
    now: DateTime<Utc>,
) -> Result<(Holder, holders::PendingEntry)> {
    actor.require_personal_data()?;
    let (_, entry) = Pathway::start(stage);
    let (holder, pending) =
        holders::create_entered_deferring(txn, new, fields, &entry, now).await?;
    registration(&actor.viewer(), holder.id).ok_or(Error::Forbidden(crate::Refusal::Role))?;
    Ok((holder, pending))
}

/// The stage a person enters the pathway at: `information` unless told otherwise.
fn entry_stage(input: &HolderInput) -> std::result::Result<Stage, String> {
    match input.stage.as_deref() {
        None => Ok(Stage::Information),
        Some(raw) => raw.parse().map_err(|e| format!("{e}")),
    }
}

/// Registers a person, who enters the pathway (at `information` unless told otherwise).
pub async fn register(
    core: &Core,
    actor: &Actor,
    input: HolderInput,
    now: DateTime<Utc>,
) -> Result<HolderFile> {
    actor.require_personal_data()?;
    let stage = entry_stage(&input).map_err(|e| Error::invalid("stage", e))?;
    let txn = core.db.begin_write().await?;
    let fields = validate(&txn, actor, &input, now).await?;
    let (holder, ..) = register_in(&txn, actor, fields, stage, None, now).await?;
    let body = file(&txn, holder).await?;
    commit(txn).await?;
    Ok(body)
}

/// Checks an intake form without saving anything: every invalid field at once.
pub async fn check(
    core: &Core,
    actor: &Actor,
    input: &HolderInput,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    errors.check("stage", entry_stage(input));
    let checked = validate(core.db.conn(), actor, input, now).await;
    match checked {
        Ok(_) => errors.into_result().map_err(Error::Invalid),
        Err(Error::Invalid(mut more)) => {
            more.0.extend(errors.0);
            Err(Error::Invalid(more))
        }
        Err(other) => Err(other),
    }
}

/// The organisation's people who may already be the one about to be registered (same
/// name and birth date, same phone or same e-mail), so that an adviser opens the
/// existing file instead of making a second one. Showing them is a read of their
/// files: it is audited.
pub async fn possible_duplicates(
    core: &Core,
    actor: &Actor,
    input: &HolderInput,
    now: DateTime<Utc>,
) -> Result<Vec<Holder>> {
    actor.require_personal_data()?;
    let conn = core.db.conn();
    let fields = validate(conn, actor, input, now).await?;
    let found = holders::possible_duplicates(conn, actor.organisation_id, &fields, 5).await?;
    let ids: Vec<i64> = found.iter().map(|h| h.id).collect();
    audit_reads(core, actor, AuditAction::HolderList, &ids, now).await?;
    Ok(found)
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

/// Everything the page of a file shows, read from one snapshot and audited as one
/// read of the file: the person and projects, the steps of the pathway, the consents,
/// the newest page of the timeline, and what the reader may do with it.
#[derive(Clone, Debug)]
pub struct Dossier {
    pub file: HolderFile,
    pub steps: Vec<parcours_persistence::holders::PathwayStep>,
    pub consents: parcours_persistence::consents::ConsentState,
    pub timeline: Page<parcours_persistence::timeline::Entry>,
    /// The reader is of the référent organisation: its access log and export are theirs.
    pub referent: bool,
    /// The référent organisation may change the file; not once it is anonymised (it is
    /// final). A partner with an accepted referral reads it and records its own
    /// contacts only.
    pub may_change: bool,
    /// The reader may record its own contacts (and, for a host, agreements): the
    /// référent organisation or a partner with an accepted referral, while the file is
    /// not anonymised.
    pub may_record: bool,
    /// The reader may erase the person's data at their request: an org admin of the
    /// référent organisation, while the file is not anonymised.
    pub may_erase: bool,
    /// The names of the organisations the timeline's referrals went between.
    pub organisations: std::collections::HashMap<i64, String>,
    /// For the référent organisation: when the file is anonymised unless kept.
    pub retention: Option<crate::privacy::RetentionStatus>,
}

impl Dossier {
    /// Why the reader may not change the file, if so: a partner reads it only (403); an
    /// anonymised file is final (409).
    pub fn change_allowed(&self) -> Result<()> {
        if self.may_change {
            Ok(())
        } else if self.referent {
            Err(Error::Conflict(crate::access::ANONYMISED.into()))
        } else {
            Err(Error::Forbidden(crate::Refusal::ReadOnly))
        }
    }
}

pub async fn dossier(
    core: &Core,
    actor: &Actor,
    id: i64,
    timeline: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Dossier> {
    let mut errors = ValidationErrors::new();
    let (cursor, limit) = timeline.parse(&mut errors);
    errors.into_result()?;
    crate::access::read_file_as(
        core,
        actor,
        id,
        AuditAction::HolderRead,
        now,
        async |txn, holder, read, access| {
            let holder_id = holder.id;
            let steps = holders::pathway_steps(txn, &read).await?;
            let (entries, more) =
                parcours_persistence::timeline::page(txn, &read, cursor, limit).await?;
            let sides: Vec<i64> = entries
                .iter()
                .filter_map(|entry| match entry {
                    parcours_persistence::timeline::Entry::Referral(_, of) => {
                        Some([of.from_organisation_id, of.to_organisation_id])
                    }
                    _ => None,
                })
                .flatten()
                .collect();
            let organisations = parcours_persistence::organisations::names(txn, &sides).await?;
            let referent = access.change().is_some();
            let open = holder.anonymised_at.is_none();
            let may_change = referent && open;
            let may_record = access.record().is_some() && open;
            let retention = if referent {
                crate::privacy::status(txn, core, &holder, now).await?
            } else {
                None
            };
            Ok(Dossier {
                organisations,
                retention,
                file: file(txn, holder).await?,
                steps,
                consents: parcours_persistence::consents::state(txn, holder_id).await?,
                timeline: Page::of(entries, more, parcours_persistence::timeline::Entry::key),
                referent,
                may_change,
                may_record,
                may_erase: may_change && actor.require_org_admin().is_ok(),
            })
        },
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
            // What was sent is checked first: a bad field is a 422 whatever the version.
            let input = edit(HolderInput::from(&holder))?;
            if input.stage.is_some() {
                return Err(Error::invalid(
                    "stage",
                    "l'étape ne se modifie pas avec la fiche : changez d'étape (POST /api/v1/holders/{id}/stage)",
                ));
            }
            let fields = validate(txn, actor, &input, now).await?;
            let version = expected.check(holder.version)?;
            let updated = holders::update(txn, &change, version, fields, now)
                .await?
                .ok_or(Error::Stale)?;
            file(txn, updated).await
        },
    )
    .await
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
    /// Only open pathways without a contact for this many days.
    pub without_contact_days: Option<u32>,
    pub page: PageRequest,
}

/// How many of the organisation's holders the filters match (the page is ignored).
pub async fn count(
    core: &Core,
    actor: &Actor,
    input: &ListInput,
    now: DateTime<Utc>,
) -> Result<u64> {
    let query = list_query(actor, input, now)?;
    Ok(holders::count(core.db.conn(), &query).await?)
}

fn list_query(actor: &Actor, input: &ListInput, now: DateTime<Utc>) -> Result<HolderQuery> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let stage: Option<Stage> = word(&mut errors, "stage", input.stage.as_deref());
    let qpv_code = optional(&mut errors, "qpv", input.qpv.as_deref(), QpvCode::parse);
    let referent_user_id = id(&mut errors, "referent", input.referent.as_deref());
    let q = optional(&mut errors, "q", input.q.as_deref(), check_search).flatten();
    let (after, limit) = input.page.parse(&mut errors);
    errors.into_result()?;
    Ok(HolderQuery {
        organisation_id: actor.organisation_id,
        q: q.as_deref().map(search_key).filter(|q| !q.is_empty()),
        stage,
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        referent_user_id,
        no_contact_since: input
            .without_contact_days
            .map(|days| now - chrono::Duration::days(i64::from(days))),
        after,
        limit,
    })
}

/// The organisation's holders in name order, a page at a time.
pub async fn list(
    core: &Core,
    actor: &Actor,
    input: &ListInput,
    now: DateTime<Utc>,
) -> Result<Page<Holder>> {
    let query = list_query(actor, input, now)?;
    let (rows, more) = holders::list(core.db.conn(), &query).await?;
    let ids: Vec<i64> = rows.iter().map(|h| h.id).collect();
    audit_reads(core, actor, AuditAction::HolderList, &ids, now).await?;
    Ok(Page::of(rows, more, |h| (h.sort_key.clone(), h.id)))
}
