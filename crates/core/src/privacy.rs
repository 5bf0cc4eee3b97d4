//! Personal data over its whole life: the files soon anonymised (listed for their
//! référent organisation), « garder » with a dated reason, and the job that anonymises
//! the files past their retention and deletes audit entries past theirs.

use crate::access::{audit_reads, grant, read_file_as, write_file, write_in};
use crate::{Actor, Core, Error, Page, PageRequest, Result, notify, text};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::Change;
use parcours_domain::audit::AuditAction;
use parcours_domain::privacy::REASON_MAX;
use parcours_persistence::holders::{self, Holder};
use parcours_persistence::privacy::{self, Among, Keep, StaleFile};
use parcours_persistence::{
    ConnectionTrait, audit, commit, organisations, outbox, referrals, users,
};
use serde::Deserialize;

/// A file listed for its référent organisation: no activity for nearly the retention
/// period.
#[derive(Clone, Debug)]
pub struct DueFile {
    pub holder: Holder,
    pub last_activity: DateTime<Utc>,
    /// When it is anonymised unless someone keeps it.
    pub anonymised_on: DateTime<Utc>,
}

/// The actor's organisation's files that will be anonymised within the warning
/// period, the soonest first. Reading their names is audited.
pub async fn due(core: &Core, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<DueFile>> {
    actor.require_personal_data()?;
    let txn = core.db.begin_read().await?;
    let among = Among {
        organisation_id: Some(actor.organisation_id),
        holder_id: None,
    };
    let due = due_among(&txn, core, among, now).await?;
    let ids: Vec<i64> = due.iter().map(|d| d.file.holder_id).collect();
    let mut holders: std::collections::HashMap<i64, Holder> = holders::get_many(&txn, &ids)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    commit(txn).await?;
    let mut files: Vec<DueFile> = due
        .into_iter()
        .filter_map(|d| {
            Some(DueFile {
                holder: holders.remove(&d.file.holder_id)?,
                last_activity: d.last_activity,
                anonymised_on: d.anonymised_on,
            })
        })
        .collect();
    files.sort_by_key(|f| (f.anonymised_on, f.holder.id));
    audit_reads(core, actor, AuditAction::RetentionDueRead, &ids, now).await?;
    Ok(files)
}

/// A file within the warning period, with its dates.
struct Due {
    file: StaleFile,
    last_activity: DateTime<Utc>,
    anonymised_on: DateTime<Utc>,
}

/// The files `among` that will be anonymised within the warning period, by id: the
/// step [`due`] and [`due_everywhere`] share.
async fn due_among(
    conn: &impl ConnectionTrait,
    core: &Core,
    among: Among,
    now: DateTime<Utc>,
) -> Result<Vec<Due>> {
    let rules = core.settings.retention;
    let stale = privacy::stale(conn, among, rules.warned_before(now)).await?;
    let ids: Vec<i64> = stale.iter().map(|s| s.holder_id).collect();
    let last = privacy::last_activity(conn, &ids).await?;
    Ok(stale
        .into_iter()
        .filter_map(|file| {
            let last_activity = *last.get(&file.holder_id)?;
            Some(Due {
                file,
                last_activity,
                anonymised_on: rules.anonymised_on(last_activity),
            })
        })
        .collect())
}

/// A file due, as the operator's command line lists it: ids and dates, no name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueSummary {
    pub holder_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub last_activity: DateTime<Utc>,
    pub anonymised_on: DateTime<Utc>,
}

/// Every organisation's files that will be anonymised within the warning period (the
/// command line's `privacy due`), by organisation then date. No name leaves here.
pub async fn due_everywhere(core: &Core, now: DateTime<Utc>) -> Result<Vec<DueSummary>> {
    let txn = core.db.begin_read().await?;
    let due = due_among(&txn, core, Among::default(), now).await?;
    let organisation_ids: Vec<i64> = due.iter().map(|d| d.file.organisation_id).collect();
    let names = organisations::names(&txn, &organisation_ids).await?;
    commit(txn).await?;
    let mut out: Vec<DueSummary> = due
        .into_iter()
        .map(|d| DueSummary {
            holder_id: d.file.holder_id,
            organisation_id: d.file.organisation_id,
            organisation_name: names
                .get(&d.file.organisation_id)
                .cloned()
                .unwrap_or_default(),
            last_activity: d.last_activity,
            anonymised_on: d.anonymised_on,
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.organisation_name, a.anonymised_on, a.holder_id).cmp(&(
            &b.organisation_name,
            b.anonymised_on,
            b.holder_id,
        ))
    });
    Ok(out)
}

/// « Garder » a file: why it is still needed.
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = KeepRequest))]
#[serde(deny_unknown_fields)]
pub struct KeepInput {
    /// Why the file is still needed for the support (500 characters at most): the
    /// person's pathway goes on, a step is planned… It counts as activity.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: String,
}

parcours_domain::redacted_debug!(KeepInput {});

/// Keeps a file past its retention date: the reason, dated, counts as activity. Only
/// the référent organisation keeps a file; an anonymised file is final (a conflict).
pub async fn keep(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    input: KeepInput,
    now: DateTime<Utc>,
) -> Result<Keep> {
    let mut errors = ValidationErrors::new();
    let reason = text::required_text(
        &mut errors,
        "reason",
        Some(input.reason.as_str()),
        REASON_MAX,
        "obligatoire : dites pourquoi le dossier reste utile à l'accompagnement",
    );
    write_file(
        core,
        actor,
        holder_id,
        AuditAction::RetentionKeep,
        now,
        async |txn, _, change: Change| {
            errors.into_result()?;
            let reason = reason.unwrap_or_default();
            Ok(privacy::keep(
                txn,
                &change,
                actor.organisation_id,
                actor.user_id,
                reason,
                now,
            )
            .await?)
        },
    )
    .await
}

/// Where a file stands with the retention period, for its référent organisation.
#[derive(Clone, Debug)]
pub struct RetentionStatus {
    pub last_activity: DateTime<Utc>,
    /// When it is anonymised unless someone keeps it or something happens.
    pub anonymised_on: DateTime<Utc>,
    /// Within the warning period: listed on « Aujourd'hui », « garder » offered.
    pub listed: bool,
    /// The latest « garder », if any.
    pub last_keep: Option<Keep>,
}

/// The file's retention status, read in the caller's snapshot (the file's own read is
/// audited by the caller). None for an anonymised file.
pub(crate) async fn status(
    conn: &impl ConnectionTrait,
    core: &Core,
    holder: &Holder,
    now: DateTime<Utc>,
) -> Result<Option<RetentionStatus>> {
    if holder.anonymised_at.is_some() {
        return Ok(None);
    }
    let rules = core.settings.retention;
    let Some(last_activity) = privacy::last_activity(conn, &[holder.id])
        .await?
        .get(&holder.id)
        .copied()
    else {
        return Ok(None);
    };
    Ok(Some(RetentionStatus {
        anonymised_on: rules.anonymised_on(last_activity),
        listed: last_activity <= rules.warned_before(now),
        last_keep: privacy::keeps(conn, holder.id).await?.into_iter().next(),
        last_activity,
    }))
}

/// Erasing a person's data on their request.
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = EraseRequest))]
#[serde(deny_unknown_fields)]
pub struct EraseInput {
    /// The request's reference (how and when the person asked), without their name:
    /// it is kept after the erasure (500 characters at most).
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: String,
}

parcours_domain::redacted_debug!(EraseInput {});

/// What an erasure did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erasure {
    pub holder_id: i64,
    pub anonymised_at: DateTime<Utc>,
    /// Live referrals withdrawn, each receiver told without personal data.
    pub referrals_withdrawn: usize,
}

/// The file an org admin is about to erase, for the confirmation page: an org admin of
/// the référent organisation only (anyone else 403, or 404 for a file not theirs); an
/// anonymised file has nothing left to erase (404). Audited as a read.
pub async fn to_erase(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<Holder> {
    to_change_whole(core, actor, holder_id, now).await
}

/// The two files an org admin is about to merge, the one kept first, for the
/// confirmation page: each as [`to_erase`] reads it (the référent organisation's org
/// admins only, not anonymised, audited as a read); the same file twice is not found.
pub async fn to_merge(
    core: &Core,
    actor: &Actor,
    keep_id: i64,
    duplicate_id: i64,
    now: DateTime<Utc>,
) -> Result<(Holder, Holder)> {
    actor.require_org_admin()?;
    if keep_id == duplicate_id {
        return Err(Error::NotFound);
    }
    Ok((
        to_change_whole(core, actor, keep_id, now).await?,
        to_change_whole(core, actor, duplicate_id, now).await?,
    ))
}

/// A file an org admin of its référent organisation changes as a whole (erases,
/// merges): read and audited; an anonymised file is not found.
async fn to_change_whole(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<Holder> {
    actor.require_org_admin()?;
    read_file_as(
        core,
        actor,
        holder_id,
        AuditAction::HolderRead,
        now,
        async |_, holder, _, access| {
            grant::<Change>(actor, holder.id, access)?;
            if holder.anonymised_at.is_some() {
                return Err(Error::NotFound);
            }
            Ok(holder)
        },
    )
    .await
}

/// Erases a person's data on their request (the right to erasure, or an objection):
/// an org admin of the référent organisation, with the request's reference. The file
/// is anonymised at once, as the retention job would, and its live referrals are
/// withdrawn, their receivers told without personal data; the figures stay.
pub async fn erase(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    input: EraseInput,
    now: DateTime<Utc>,
) -> Result<Erasure> {
    actor.require_org_admin()?;
    let mut errors = ValidationErrors::new();
    let reason = text::required_text(
        &mut errors,
        "reason",
        Some(input.reason.as_str()),
        REASON_MAX,
        "obligatoire : la référence de la demande (par exemple « courrier reçu le 3 décembre »)",
    );
    write_file(
        core,
        actor,
        holder_id,
        AuditAction::HolderErase,
        now,
        async |txn, holder, change: Change| {
            errors.into_result()?;
            // Unsent e-mails about the person go first; the withdrawals' e-mails, which
            // name no one, are then queued.
            anonymise_in(txn, holder.id, now).await?;
            let referrals_withdrawn =
                crate::referrals::end_for_erasure(txn, core, actor, holder.id, now).await?;
            privacy::mark_erased(txn, &change, actor.user_id, reason.unwrap_or_default()).await?;
            tracing::info!(holder_id = holder.id, "file erased on request");
            Ok(Erasure {
                holder_id: holder.id,
                anonymised_at: now,
                referrals_withdrawn,
            })
        },
    )
    .await
}

/// What the retention job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Files anonymised.
    pub anonymised: u64,
    /// Unsent e-mails about those people, dropped.
    pub mail_dropped: u64,
    /// Audit entries past their retention, deleted.
    pub audit_deleted: u64,
}

/// The daily job (and `parcours privacy run`): anonymises every file without activity
/// for the retention period, each in its own transaction, and deletes the audit entries
/// past theirs.
pub async fn run(core: &Core, now: DateTime<Utc>) -> Result<RunReport> {
    let rules = core.settings.retention;
    let since = rules.due_before(now);
    let mut report = RunReport::default();
    let stale = privacy::stale(core.db.conn(), Among::default(), since).await?;
    // Those whose person withdrew their consent to be followed, whatever their activity.
    for holder_id in privacy::scheduled(core.db.conn(), now).await? {
        let txn = core.db.begin_write().await?;
        let still = holders::get_for_update(&txn, holder_id)
            .await?
            .is_some_and(|h| {
                h.anonymised_at.is_none() && h.anonymise_from.is_some_and(|at| at <= now)
            });
        if !still {
            continue;
        }
        report.mail_dropped += anonymise_in(&txn, holder_id, now).await?;
        commit(txn).await?;
        report.anonymised += 1;
        tracing::info!(
            holder_id,
            "file anonymised: consent to be followed withdrawn"
        );
    }
    for file in stale {
        let txn = core.db.begin_write().await?;
        // Locked, then asked again: a « garder » or a contact may have come meanwhile.
        holders::get_for_update(&txn, file.holder_id).await?;
        let among = Among {
            organisation_id: None,
            holder_id: Some(file.holder_id),
        };
        if privacy::stale(&txn, among, since).await?.is_empty() {
            continue;
        }
        report.mail_dropped += anonymise_in(&txn, file.holder_id, now).await?;
        commit(txn).await?;
        report.anonymised += 1;
        tracing::info!(
            holder_id = file.holder_id,
            "file anonymised after its retention period"
        );
    }
    let txn = core.db.begin_write().await?;
    report.audit_deleted = privacy::delete_audit_before(&txn, rules.audit_kept_from(now)).await?;
    commit(txn).await?;
    Ok(report)
}

/// Anonymises a file in the caller's transaction and drops the unsent e-mails about the
/// person; how many e-mails were dropped.
pub(crate) async fn anonymise_in(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    let referral_ids = privacy::anonymise(conn, holder_id, now).await?;
    let prefixes: Vec<String> = referral_ids
        .into_iter()
        .map(notify::referral_mail_prefix)
        .collect();
    Ok(outbox::drop_unsent(conn, &prefixes).await?)
}

/// One entry of a file's access log: who, of which organisation, did what, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub action: AuditAction,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub user_id: i64,
    pub user_name: String,
}

/// « Qui a consulté ce dossier »: the file's audit trail, newest first, a page at a
/// time, with organisations and users named. The référent organisation's only (a
/// partner reading the file gets 403, anyone else 404); reading it is audited too.
pub async fn access_log(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    request: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<AccessEntry>> {
    let mut errors = ValidationErrors::new();
    let (before, limit) = request.parse::<i64>(&mut errors);
    errors.into_result()?;
    read_file_as(
        core,
        actor,
        holder_id,
        AuditAction::AccessLogRead,
        now,
        async |txn, holder, read, access| {
            grant::<Change>(actor, holder.id, access)?;
            let (rows, more) = audit::access_page(txn, &read, before, limit).await?;
            let entries = named(txn, rows).await?;
            Ok(Page::of(entries, more, |e| e.id))
        },
    )
    .await
}

/// Audit rows with their organisations and users named.
async fn named(conn: &impl ConnectionTrait, rows: Vec<audit::Access>) -> Result<Vec<AccessEntry>> {
    let organisation_ids: Vec<i64> = rows.iter().map(|r| r.organisation_id).collect();
    let user_ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    let organisations = organisations::names(conn, &organisation_ids).await?;
    let users = users::names(conn, &user_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| AccessEntry {
            action: r.action,
            id: r.id,
            occurred_at: r.occurred_at,
            organisation_name: organisations
                .get(&r.organisation_id)
                .cloned()
                .unwrap_or_default(),
            user_name: users.get(&r.user_id).cloned().unwrap_or_default(),
            organisation_id: r.organisation_id,
            user_id: r.user_id,
        })
        .collect())
}

/// Everything Parcours holds about a person, for their right of access: identity and
/// projects, the whole history (stage changes, contacts with their notes, consents
/// with their history, referral steps, events attended, hosting agreements), each
/// referral with its organisations, the « garder », and the access log.
#[derive(Clone, Debug)]
pub struct Export {
    /// Identity, contact details, situation and pathway.
    pub holder: Holder,
    pub projects: Vec<parcours_persistence::projects::Project>,
    pub consents: parcours_persistence::consents::ConsentState,
    /// Newest first.
    pub history: Vec<parcours_persistence::timeline::Entry>,
    pub referrals: Vec<parcours_persistence::referrals::Referral>,
    /// The names of the organisations of the referrals, the history and the log.
    pub organisations: std::collections::HashMap<i64, String>,
    /// Newest first.
    pub keeps: Vec<Keep>,
    /// Newest first.
    pub access_log: Vec<AccessEntry>,
}

/// The most rows of one kind an export reads: far more than a file holds.
const EXPORT_MAX: u64 = 100_000;

/// The access export of one file, for the référent organisation (a partner reading the
/// file gets 403, anyone else 404); audited as `holder.export`.
pub async fn export(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<Export> {
    read_file_as(
        core,
        actor,
        holder_id,
        AuditAction::HolderExport,
        now,
        async |txn, holder, read, access| {
            grant::<Change>(actor, holder.id, access)?;
            let (history, _) =
                parcours_persistence::timeline::page(txn, &read, None, EXPORT_MAX).await?;
            let referrals = referrals::of_holder(txn, &read).await?;
            let (log, _) = audit::access_page(txn, &read, None, EXPORT_MAX).await?;
            let access_log = named(txn, log).await?;
            let mut ids: Vec<i64> = referrals
                .iter()
                .flat_map(|r| [r.from_organisation_id, r.to_organisation_id])
                .collect();
            ids.extend(access_log.iter().map(|e| e.organisation_id));
            ids.push(holder.referent_organisation_id);
            ids.sort_unstable();
            ids.dedup();
            Ok(Export {
                organisations: organisations::names(txn, &ids).await?,
                consents: parcours_persistence::consents::state(txn, holder.id).await?,
                keeps: privacy::keeps(txn, holder.id).await?,
                projects: parcours_persistence::projects::for_holder(txn, holder.id).await?,
                holder,
                history,
                referrals,
                access_log,
            })
        },
    )
    .await
}

/// Two files of the organisation that may be one person.
#[derive(Clone, Debug)]
pub struct DuplicatePair {
    pub first: Holder,
    pub second: Holder,
}

/// The organisation's files that may be one person (same name and birth date, same
/// phone or same e-mail), for its org admins to merge; reading them is audited.
pub async fn duplicates(
    core: &Core,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<DuplicatePair>> {
    actor.require_org_admin()?;
    let txn = core.db.begin_read().await?;
    let pairs = holders::merge::duplicate_pairs(&txn, actor.organisation_id).await?;
    let mut ids: Vec<i64> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let holders: std::collections::HashMap<i64, Holder> = holders::get_many(&txn, &ids)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    commit(txn).await?;
    audit_reads(core, actor, AuditAction::DuplicatesRead, &ids, now).await?;
    Ok(pairs
        .into_iter()
        .filter_map(|(a, b)| {
            Some(DuplicatePair {
                first: holders.get(&a)?.clone(),
                second: holders.get(&b)?.clone(),
            })
        })
        .collect())
}

/// Merging a duplicate into the file kept.
#[derive(Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MergeRequest))]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The other file of the same person: everything it holds moves to this one, and
    /// its id then answers 404, pointing the organisation's users here.
    pub duplicate_id: i64,
}

parcours_domain::redacted_debug!(MergeInput { duplicate_id });

/// Merges the file `duplicate_id` into `keep_id`, both followed by the actor's
/// organisation (org admins only), in one transaction: contacts, projects, consents,
/// referrals, events attended, hosting agreements, « garder » and audit entries follow;
/// the duplicate's identity and pathway steps go; its id points to the one kept.
/// Audited on both. Two live referrals to one partner are a conflict to settle first.
pub async fn merge(
    core: &Core,
    actor: &Actor,
    keep_id: i64,
    input: MergeInput,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require_org_admin()?;
    if input.duplicate_id == keep_id {
        return Err(Error::invalid(
            "duplicate_id",
            "une autre fiche que celle gardée est attendue",
        ));
    }
    let txn = core.db.begin_write().await?;
    let lock = async |id| {
        write_in(
            &txn,
            core,
            actor,
            id,
            AuditAction::HolderMerge,
            now,
            async |_, _, change: Change| Ok(change),
        )
        .await
    };
    // Locked in id order, so that two merges of the same pair cannot deadlock.
    let (keep, duplicate) = if keep_id < input.duplicate_id {
        let keep = lock(keep_id).await;
        (keep, lock(input.duplicate_id).await)
    } else {
        let duplicate = lock(input.duplicate_id).await;
        (lock(keep_id).await, duplicate)
    };
    // The file kept is the address: when it is not found, that is the answer (a 404),
    // whatever the duplicate.
    let keep = keep?;
    let duplicate = match duplicate {
        Err(Error::NotFound) => {
            return Err(Error::invalid(
                "duplicate_id",
                "fiche introuvable dans votre structure",
            ));
        }
        other => other?,
    };
    holders::merge::merge(
        &txn,
        &keep,
        &duplicate,
        actor.organisation_id,
        actor.user_id,
        now,
    )
    .await?;
    commit(txn).await?;
    tracing::info!(
        holder_id = keep_id,
        merged_id = input.duplicate_id,
        "files merged"
    );
    Ok(())
}

/// The file a merged one now lives in, for the organisation's own users: the pointer
/// a 404 gives them. None for anyone else, or an id never merged.
pub async fn merged_into(core: &Core, actor: &Actor, id: i64) -> Result<Option<i64>> {
    if actor.require_personal_data().is_err() {
        return Ok(None);
    }
    Ok(holders::merge::merged_into(core.db.conn(), actor.organisation_id, id).await?)
}
