//! Reaching one holder's file: role check (403), organisation check (404, so existence
//! is not revealed), optimistic-lock headers, and the audit entry.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::request_id;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, header};
use parcours_domain::access::{HolderAccess, handles_personal_data, holder_access};
use parcours_domain::referrals::{ReceiverView, receiver_view};
use parcours_persistence::audit::{self, Actor};
use parcours_persistence::holders::{self, Holder};
use parcours_persistence::referrals;
use parcours_persistence::{ConnectionTrait, DatabaseTransaction, commit};

/// Coordinators and platform admins never reach personal data: 403.
pub fn require_personal_data_role(user: &CurrentUser) -> ApiResult<()> {
    if handles_personal_data(user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

pub fn actor(user: &CurrentUser) -> Actor {
    Actor {
        user_id: user.id,
        organisation_id: user.organisation_id,
        request_id: request_id::current(),
    }
}

/// Parses a path id; anything that is not one is simply not found.
pub fn parse_id(raw: &str) -> ApiResult<i64> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// A holder the user may see: their organisation's, or one referred to it and accepted
/// (the whole file, until the referral ends). Anyone else's is simply not found.
async fn visible_holder(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<Holder> {
    require_personal_data_role(user)?;
    let holder = holders::get(conn, id).await?.ok_or(ApiError::NotFound)?;
    if holder_access(
        user.role,
        user.organisation_id,
        holder.referent_organisation_id,
    ) == HolderAccess::Hidden
    {
        let live = referrals::live_for(conn, holder.id, user.organisation_id).await?;
        let accepted =
            live.is_some_and(|r| r.status.parse().map(receiver_view) == Ok(ReceiverView::Full));
        if !accepted {
            return Err(ApiError::NotFound);
        }
    }
    Ok(holder)
}

/// Loads a holder the user may see, inside `txn`, and audits the access as `action` in
/// the same transaction (for changes).
pub async fn holder_for(
    txn: &DatabaseTransaction,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    action: &str,
) -> ApiResult<Holder> {
    let holder = visible_holder(txn, user, id).await?;
    audit::record(txn, &actor(user), action, holder.id, state.clock.now()).await?;
    Ok(holder)
}

/// Reads what `load` takes from a holder's file the user may see, from one snapshot, and
/// audits the read as `action`: the entry is committed before the data is returned, so
/// a handler built on it cannot answer without it.
pub async fn read_holder<T>(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    action: &str,
    load: impl AsyncFnOnce(&DatabaseTransaction, Holder) -> ApiResult<T>,
) -> ApiResult<T> {
    let txn = state.db.begin_read().await?;
    let holder = visible_holder(&txn, user, id).await?;
    let holder_id = holder.id;
    let read = load(&txn, holder).await?;
    commit(txn).await?;
    audit_reads(state, user, action, &[holder_id]).await?;
    Ok(read)
}

/// Audits reads of these holders' data; returns once the entries are committed, so
/// call it before answering with the data.
pub async fn audit_reads(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    ids: &[i64],
) -> ApiResult<()> {
    state
        .audit
        .record(&actor(user), action, ids, state.clock.now())
        .await?;
    Ok(())
}

pub fn etag(kind: &str, id: i64, version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{kind}{id}-v{version}\""))
        .unwrap_or(HeaderValue::from_static("\"\""))
}

/// The version an `If-Match` header names: 428 without one, 412 when it is not the
/// current one.
pub fn require_if_match(
    headers: &HeaderMap,
    kind: &str,
    id: i64,
    current_version: i32,
) -> ApiResult<i32> {
    let value = headers
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?
        .to_str()
        .map_err(|_| ApiError::PreconditionFailed)?;
    if value.trim() == etag(kind, id, current_version).to_str().unwrap_or_default() {
        Ok(current_version)
    } else {
        Err(ApiError::PreconditionFailed)
    }
}
