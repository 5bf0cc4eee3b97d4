//! Reaching one holder's file: the facts the access policy needs, its answer, and the
//! audit entry. Every use case that reads or changes a file goes through [`read_file`]
//! or [`write_file`], so none can skip the policy or the audit trail.

use crate::{Actor, Core, Error, Refusal, Result};
use chrono::{DateTime, Utc};
use parcours_domain::access::{
    Change, FileFacts, HolderAccess, Read, Record, ReferralFacts, holder_access,
};
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::ConsentPurpose;
use parcours_persistence::holders::{self, Holder};
use parcours_persistence::{
    ConnectionTrait, DatabaseTransaction, audit, commit, consents, referrals,
};

/// What the policy says of `holder` for `actor`: the référent organisation needs no
/// more; anyone else's access depends on a live referral to their organisation and on
/// the holder's consent to share.
pub(crate) async fn access_to(
    conn: &impl ConnectionTrait,
    core: &Core,
    actor: &Actor,
    holder: &Holder,
    now: DateTime<Utc>,
) -> Result<HolderAccess> {
    let mut facts = FileFacts {
        holder_id: holder.id,
        referent_organisation_id: holder.referent_organisation_id,
        referral: None,
        sharing_consent: false,
    };
    if holder.referent_organisation_id != actor.organisation_id {
        facts.referral = referrals::live_for(conn, holder.id, actor.organisation_id)
            .await?
            .map(|r| ReferralFacts {
                status: r.status,
                sent_at: r.sent_at,
            });
        if facts.referral.is_some() {
            facts.sharing_consent = sharing_consent(conn, holder.id).await?;
        }
    }
    Ok(holder_access(
        &actor.viewer(),
        &facts,
        &core.settings.referral_deadlines,
        now,
    ))
}

/// Whether the holder's consent to share with partners (`partage_partenaires`) is in
/// force: the fact every rule of sharing reads.
pub(crate) async fn sharing_consent(conn: &impl ConnectionTrait, holder_id: i64) -> Result<bool> {
    Ok(consents::is_given(conn, holder_id, ConsentPurpose::PartagePartenaires).await?)
}

/// A holder and what `actor` may do with it. A role without personal data is refused
/// before anything is looked up, so a 403 says nothing of the holder.
pub(crate) async fn holder(
    conn: &impl ConnectionTrait,
    core: &Core,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(Holder, HolderAccess)> {
    actor.require_personal_data()?;
    let holder = holders::get(conn, id).await?.ok_or(Error::NotFound)?;
    let access = access_to(conn, core, actor, &holder, now).await?;
    Ok((holder, access))
}

/// A grant the policy may give: reading, recording one's own activity, changing.
pub(crate) trait Grant: Sized {
    fn from_access(access: &HolderAccess) -> Result<Self>;
}

/// Denials: a role without personal data is 403, a partner asked for more than it has
/// is 403 (it reads the file, so hiding it would be a lie), anyone else 404.
fn denied(access: &HolderAccess) -> Error {
    match access {
        HolderAccess::RoleForbidden => Error::Forbidden(Refusal::Role),
        HolderAccess::Partner(..) => Error::Forbidden(Refusal::ReadOnly),
        _ => Error::NotFound,
    }
}

macro_rules! grants {
    ($($proof:ident => $get:ident),+) => {$(
        impl Grant for $proof {
            fn from_access(access: &HolderAccess) -> Result<Self> {
                access.$get().ok_or_else(|| denied(access))
            }
        }
    )+};
}
grants!(Read => read, Record => record, Change => change);

/// The grant asked for, or the refusal — which leaves a trace in the log (ids only): an
/// attempt on a file one may not reach is worth knowing about.
pub(crate) fn grant<G: Grant>(actor: &Actor, holder_id: i64, access: &HolderAccess) -> Result<G> {
    G::from_access(access).inspect_err(|_| {
        tracing::warn!(
            user_id = actor.user_id,
            organisation_id = actor.organisation_id,
            holder_id,
            "access to a file refused"
        );
    })
}

/// Reads what `load` takes from a holder's file, from one snapshot, if the policy lets
/// `actor` read it; the read is audited as `action`, and the entry is committed before
/// the data is returned.
pub(crate) async fn read_file<T>(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: AuditAction,
    now: DateTime<Utc>,
    load: impl AsyncFnOnce(&DatabaseTransaction, Holder, Read) -> Result<T>,
) -> Result<T> {
    read_file_as(
        core,
        actor,
        id,
        action,
        now,
        async |txn, holder, read, _| load(txn, holder, read).await,
    )
    .await
}

/// [`read_file`], with the policy's whole answer given to `load` too: a page shows the
/// forms the reader may use.
pub(crate) async fn read_file_as<T>(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: AuditAction,
    now: DateTime<Utc>,
    load: impl AsyncFnOnce(&DatabaseTransaction, Holder, Read, &HolderAccess) -> Result<T>,
) -> Result<T> {
    let txn = core.db.begin_read().await?;
    let (holder, access) = holder(&txn, core, actor, id, now).await?;
    let read = grant::<Read>(actor, holder.id, &access)?;
    let holder_id = holder.id;
    let value = load(&txn, holder, read, &access).await?;
    commit(txn).await?;
    audit_reads(core, actor, action, &[holder_id], now).await?;
    Ok(value)
}

/// Changes a holder's file (or records on it) in one write transaction, if the policy
/// grants `G`; the change is audited as `action` in the same transaction.
pub(crate) async fn write_file<G: Grant, T>(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: AuditAction,
    now: DateTime<Utc>,
    write: impl AsyncFnOnce(&DatabaseTransaction, Holder, G) -> Result<T>,
) -> Result<T> {
    let txn = core.db.begin_write().await?;
    let value = write_in(&txn, core, actor, id, action, now, write).await?;
    commit(txn).await?;
    Ok(value)
}

/// Why nothing is written on an anonymised file: it is final (its figures stay, and
/// nothing may tie it to a person again).
pub(crate) const ANONYMISED: &str = "fiche anonymisée : elle ne se modifie plus";

/// [`write_file`] inside a transaction the caller holds. An anonymised file is final:
/// whoever may write on it is answered a conflict, before anything is written.
pub(crate) async fn write_in<G: Grant, T>(
    txn: &DatabaseTransaction,
    core: &Core,
    actor: &Actor,
    id: i64,
    action: AuditAction,
    now: DateTime<Utc>,
    write: impl AsyncFnOnce(&DatabaseTransaction, Holder, G) -> Result<T>,
) -> Result<T> {
    actor.require_personal_data()?;
    let holder = holders::get_for_update(txn, id)
        .await?
        .ok_or(Error::NotFound)?;
    let access = access_to(txn, core, actor, &holder, now).await?;
    let grant = grant::<G>(actor, holder.id, &access)?;
    if holder.anonymised_at.is_some() {
        return Err(Error::Conflict(ANONYMISED.into()));
    }
    audit::record(txn, &actor.audit(), action, holder.id, now).await?;
    write(txn, holder, grant).await
}

/// Audits reads of these holders' data; returns once the entries are committed, so
/// call it before answering with the data.
pub(crate) async fn audit_reads(
    core: &Core,
    actor: &Actor,
    action: AuditAction,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    core.audit.record(&actor.audit(), action, ids, now).await?;
    Ok(())
}

/// Audits, inside a write transaction, reads made in it.
pub(crate) async fn audit_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<()> {
    audit::record_many(conn, &actor.audit(), action, ids, now).await?;
    Ok(())
}

/// The version a change is based on, as the face received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// None was given: a change to a versioned record needs one (428).
    Missing,
    /// The version read before changing.
    Version(i32),
    /// `If-Match: *`: whatever the current version (RFC 9110), an explicit choice to
    /// overwrite.
    Any,
    /// Something that is not a version of this record (412).
    Unknown,
}

impl Expected {
    /// The version to change, or why not.
    pub(crate) fn check(self, current: i32) -> Result<i32> {
        match self {
            Self::Missing => Err(Error::VersionRequired),
            Self::Version(v) if v == current => Ok(v),
            Self::Any => Ok(current),
            _ => Err(Error::Stale),
        }
    }
}
