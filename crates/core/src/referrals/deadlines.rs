//! Deadlines of unanswered referrals: reminders, expiry — a fact of time, settled
//! whenever a referral is read or acted on, and by the scheduler — and the coordinator's
//! queue.

use super::{OrganisationRef, record_and_tell, referral_error};
use crate::notify;
use crate::{Actor, Core, Error, Refusal, Result};
use chrono::{DateTime, Utc};
use parcours_domain::referrals::{ReferralAction, ReferralStatus, Side, transition};
use parcours_domain::users::Role;
use parcours_persistence::referrals::{self, Referral};
use parcours_persistence::{ConnectionTrait, commit, organisations};

/// A sent referral past its delay is expired now, whatever the scheduler did: the
/// expiry is recorded and told to its sender. The one home of the expiry rule.
pub(super) async fn settle_expiry(
    conn: &impl ConnectionTrait,
    core: &Core,
    referral: Referral,
    now: DateTime<Utc>,
) -> Result<Referral> {
    let deadlines = core.settings.referral_deadlines;
    if !deadlines.is_expired(referral.status, referral.sent_at, now) {
        return Ok(referral);
    }
    let action = ReferralAction::Expire;
    let next = transition(referral.status, Side::System, &action).map_err(referral_error)?;
    match record_and_tell(conn, core, &referral, &action, next, None, now).await? {
        Some(expired) => Ok(expired),
        // Someone answered or the scheduler expired it in between: read it again.
        None => referrals::get(conn, referral.id)
            .await?
            .ok_or(Error::NotFound),
    }
}

/// A referral on the coordinator's queue: organisations and delays, no person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub id: i64,
    pub from_organisation: OrganisationRef,
    pub to_organisation: OrganisationRef,
    pub sent_at: DateTime<Utc>,
    pub days_waiting: i64,
    pub reminders_sent: i32,
}

/// Referrals of the coordinator's territory still unanswered past the reminder delay
/// (and not yet expired), oldest first. Coordinators only.
pub async fn overdue(core: &Core, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Overdue>> {
    if actor.role != Role::Coordinator {
        return Err(Error::Forbidden(Refusal::Role));
    }
    let conn = core.db.conn();
    let deadlines = core.settings.referral_deadlines;
    let rows = referrals::unanswered_since(
        conn,
        now - deadlines.remind_after,
        Some(actor.territory_id),
        None,
        500,
    )
    .await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| deadlines.effective_status(r.status, r.sent_at, now) == ReferralStatus::Sent)
        .collect();
    // The same few organisations come back row after row: their names in one read.
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.from_organisation_id, r.to_organisation_id])
        .collect();
    let names = organisations::names(conn, &ids).await?;
    let organisation = |id: i64| -> Result<OrganisationRef> {
        let name = names.get(&id).ok_or(Error::NotFound)?;
        Ok(OrganisationRef {
            id,
            name: name.clone(),
        })
    };
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(Overdue {
            id: r.id,
            from_organisation: organisation(r.from_organisation_id)?,
            to_organisation: organisation(r.to_organisation_id)?,
            sent_at: r.sent_at,
            days_waiting: (now - r.sent_at).num_days(),
            reminders_sent: r.reminders_sent,
        });
    }
    Ok(items)
}

/// What a run of the deadlines did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deadlines {
    pub reminded: u64,
    pub expired: u64,
}

/// The scheduler's job: reminds and expires unanswered referrals, each change with its
/// e-mail in one transaction.
pub async fn run_deadlines(core: &Core, now: DateTime<Utc>) -> Result<Deadlines> {
    let deadlines = core.settings.referral_deadlines;
    let mut report = Deadlines::default();
    let mut after = None;
    loop {
        let candidates = referrals::unanswered_since(
            core.db.conn(),
            now - deadlines.remind_after,
            None,
            after,
            200,
        )
        .await?;
        let Some(last) = candidates.last() else {
            return Ok(report);
        };
        after = Some((last.sent_at, last.id));
        for referral in candidates {
            let txn = core.db.begin_write().await?;
            if deadlines.is_expired(referral.status, referral.sent_at, now) {
                if settle_expiry(&txn, core, referral, now).await?.status == ReferralStatus::Expired
                {
                    report.expired += 1;
                }
            } else if deadlines.reminder_due(
                referral.status,
                referral.sent_at,
                referral.last_reminded_at,
                now,
            ) && referrals::mark_reminded(&txn, &referral, now).await?
            {
                let days = (now - referral.sent_at).num_days();
                notify::referral_reminder(&txn, core, &referral, days, now).await?;
                report.reminded += 1;
            }
            commit(txn).await?;
        }
    }
}
