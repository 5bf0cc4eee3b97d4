//! What each side sees of a referral: the sender everything; the receiver what it
//! shares while it is in force, then only its dates, status and organisations.

use super::deadlines::settle_expiry;
use super::{OrganisationRef, organisation_ref, side_of};
use crate::access::{access_to, audit_in, sharing_consent};
use crate::{Actor, Core, Result};
use chrono::{DateTime, Utc};
use parcours_domain::audit::AuditAction;
use parcours_domain::referrals::{
    DeclineReason, Disclosure, ReferralOutcome, ReferralStatus, ReferralStep, disclosure,
};
use parcours_persistence::referrals::{self, Referral};
use parcours_persistence::{ConnectionTrait, holders, projects};

/// What a referral shares of the person with the receiving organisation.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedHolder {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The first project's idea, sector and financing need.
    pub project_summary: Option<String>,
}

parcours_domain::redacted_debug!(SharedHolder { id });

/// One step of the history, as the reader may see it.
#[derive(Clone, PartialEq, Eq)]
pub struct Step {
    pub step: ReferralStep,
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    /// Who acted; none for the scheduler, and none in an outline.
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

parcours_domain::redacted_debug!(Step {
    step,
    to_status,
    at
});

/// A referral as its reader may see it: the sender everything; the receiver what it
/// shares while it is in force, then only its dates, status and organisations.
#[derive(Clone, PartialEq, Eq)]
pub struct ReferralDetail {
    pub id: i64,
    pub disclosure: Disclosure,
    pub holder_id: Option<i64>,
    pub from_organisation: OrganisationRef,
    /// The adviser who sent it; none in an outline.
    pub from_user_id: Option<i64>,
    pub to_organisation: OrganisationRef,
    pub service_id: Option<i64>,
    pub need: Option<String>,
    pub message: Option<String>,
    /// As it stands now: a sent referral past its delay is expired.
    pub status: ReferralStatus,
    pub decline_reason: Option<DeclineReason>,
    pub decline_text: Option<String>,
    pub outcome: Option<ReferralOutcome>,
    pub sent_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reminders_sent: i32,
    /// The person, while the reader may see them.
    pub holder: Option<SharedHolder>,
    /// Every step, oldest first (on the detail only).
    pub history: Vec<Step>,
}

parcours_domain::redacted_debug!(ReferralDetail {
    id,
    disclosure,
    status,
    sent_at
});

/// What the referral shares of the person: name, how to reach them, their first project.
async fn shared_holder(
    conn: &impl ConnectionTrait,
    holder_id: i64,
) -> Result<Option<SharedHolder>> {
    let Some(holder) = holders::get(conn, holder_id).await? else {
        return Ok(None);
    };
    let project_summary = projects::first_of(conn, holder.id).await?.map(|p| {
        let mut text = p.idea;
        if let Some(sector) = p.sector {
            text.push_str(&format!(" ({sector})"));
        }
        if let Some(need) = p.financing_need_eur {
            text.push_str(&format!(" ; besoin de financement : {need} €"));
        }
        text
    });
    Ok(Some(SharedHolder {
        id: holder.id,
        first_name: holder.first_name,
        last_name: holder.last_name,
        email: holder.email,
        phone: holder.phone,
        project_summary,
    }))
}

/// The referral as `actor` may see it, its expiry settled. Shown personal data is
/// audited in the transaction.
pub(super) async fn detail(
    conn: &impl ConnectionTrait,
    core: &Core,
    actor: &Actor,
    referral: Referral,
    with_history: bool,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    let side = side_of(actor, &referral)?;
    let referral = settle_expiry(conn, core, referral, now).await?;
    let consent = sharing_consent(conn, referral.holder_id).await?;
    let shown = disclosure(side, referral.status, consent);
    let sees_person = match shown {
        // The sender sees the person while the policy lets it read their file.
        Disclosure::Whole => match holders::get(conn, referral.holder_id).await? {
            Some(holder) => access_to(conn, core, actor, &holder, now)
                .await?
                .read()
                .is_some(),
            None => false,
        },
        Disclosure::Shared => true,
        Disclosure::Outline => false,
    };
    let holder = if sees_person {
        let shared = shared_holder(conn, referral.holder_id).await?;
        if let Some(person) = &shared {
            audit_in(conn, actor, AuditAction::ReferralRead, &[person.id], now).await?;
        }
        shared
    } else {
        None
    };
    let outline = shown == Disclosure::Outline;
    let history = if with_history {
        referrals::events(conn, referral.id)
            .await?
            .into_iter()
            .map(|e| Step {
                step: e.step,
                from_status: e.from_status,
                to_status: e.to_status,
                user_id: keep(outline, e.user_id),
                reason: keep(outline, e.reason),
                at: e.occurred_at,
            })
            .collect()
    } else {
        Vec::new()
    };
    fn keep<T>(outline: bool, value: Option<T>) -> Option<T> {
        value.filter(|_| !outline)
    }
    Ok(ReferralDetail {
        id: referral.id,
        disclosure: shown,
        holder_id: keep(outline, Some(referral.holder_id)),
        from_organisation: organisation_ref(conn, referral.from_organisation_id).await?,
        from_user_id: keep(outline, Some(referral.from_user_id)),
        to_organisation: organisation_ref(conn, referral.to_organisation_id).await?,
        service_id: referral.service_id,
        need: keep(outline, Some(referral.need)),
        message: keep(outline, referral.message),
        status: referral.status,
        decline_reason: keep(outline, referral.decline_reason),
        decline_text: keep(outline, referral.decline_text),
        outcome: keep(outline, referral.outcome),
        sent_at: referral.sent_at,
        answered_at: referral.answered_at,
        closed_at: referral.closed_at,
        reminders_sent: referral.reminders_sent,
        holder,
        history,
    })
}
