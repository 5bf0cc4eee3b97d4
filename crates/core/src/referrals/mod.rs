//! Referrals between partners: sending, answering, completing, withdrawing; what each
//! side sees at each step; the coordinator's queue; reminders and expiry. Every change
//! writes its e-mail to the outbox in the same transaction.

mod deadlines;
mod detail;
mod draft;

pub use deadlines::{Deadlines, Overdue, overdue, run_deadlines};
pub use detail::{ReferralDetail, SharedHolder, Step};
pub use draft::{Draft, Partner, draft};

use crate::access::{self, sharing_consent};
use crate::notify::{self, Told};
use crate::text::{required_text, text};
use crate::{Actor, Core, Error, Page, PageRequest, Refusal, Result};
use chrono::{DateTime, Utc};
use deadlines::settle_expiry;
use detail::detail;
use parcours_domain::ValidationErrors;
use parcours_domain::access::Change;
use parcours_domain::audit::AuditAction;
use parcours_domain::labels::Label;
use parcours_domain::referrals::{
    CONSENT_WITHDRAWN, DeclineReason, ReferralAction, ReferralError, ReferralOutcome,
    ReferralStatus, Side, transition,
};
use parcours_persistence::referrals::{self, Box as Mailbox, NewReferral, Referral, Transition};
use parcours_persistence::{ConnectionTrait, DatabaseTransaction, commit, organisations, services};
use serde::Deserialize;

/// A referral to send.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub holder_id: i64,
    pub to_organisation_id: i64,
    /// One service of that organisation, optionally.
    pub service_id: Option<i64>,
    /// What the person needs from the partner.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub need: String,
    /// A word for the receiving adviser.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub message: Option<String>,
}

parcours_domain::redacted_debug!(ReferralInput {
    holder_id,
    to_organisation_id,
    service_id
});

/// Declining, with a reason.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    /// `hors_perimetre`, `public_non_eligible`, `injoignable`, `capacite` or `autre`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::referrals::DeclineReason))]
    pub reason: String,
    /// Required with `autre`. Kept in Parcours, never in e-mails.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub text: Option<String>,
}

parcours_domain::redacted_debug!(DeclineInput { reason });

/// Completing, with an outcome.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    /// `accompagne`, `finance`, `entreprise_creee`, `reoriente` or `sans_suite`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::referrals::ReferralOutcome))]
    pub outcome: String,
}

/// An organisation, by id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganisationRef {
    pub id: i64,
    pub name: String,
}

/// The reader's side, or not found for anyone else.
pub(super) fn side_of(actor: &Actor, referral: &Referral) -> Result<Side> {
    if actor.organisation_id == referral.from_organisation_id {
        Ok(Side::Sender)
    } else if actor.organisation_id == referral.to_organisation_id {
        Ok(Side::Receiver)
    } else {
        Err(Error::NotFound)
    }
}

pub(super) fn referral_error(error: ReferralError) -> Error {
    match error {
        ReferralError::ReceiverOnly | ReferralError::SenderOnly => {
            Error::Forbidden(Refusal::OtherSide(error.to_string()))
        }
        ReferralError::OtherNeedsText => Error::invalid("text", error.to_string()),
        ReferralError::Illegal { .. } => Error::invalid("status", error.to_string()),
    }
}

pub(super) async fn organisation_ref(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<OrganisationRef> {
    let org = organisations::get(conn, id).await?.ok_or(Error::NotFound)?;
    Ok(OrganisationRef {
        id: org.id,
        name: org.name,
    })
}

/// Refers a holder to a partner. Only the référent organisation refers, with the
/// holder's consent to share with partners.
pub async fn refer(
    core: &Core,
    actor: &Actor,
    input: ReferralInput,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    let txn = core.db.begin_write().await?;
    let referral = access::write_in(
        &txn,
        core,
        actor,
        input.holder_id,
        AuditAction::ReferralCreate,
        now,
        async |txn, holder, change: Change| {
            let mut errors = ValidationErrors::new();
            let need = required_text(
                &mut errors,
                "need",
                Some(&input.need),
                500,
                "obligatoire : dites ce que la personne attend du partenaire",
            );
            let message = text(&mut errors, "message", input.message.as_deref(), 2000);
            if input.to_organisation_id == actor.organisation_id {
                errors.add(
                    "to_organisation_id",
                    "orientez vers une autre structure que la vôtre",
                );
            } else if organisations::get(txn, input.to_organisation_id)
                .await?
                .is_none()
            {
                errors.add("to_organisation_id", "structure inconnue");
            }
            if let Some(service_id) = input.service_id {
                match services::get(txn, service_id).await? {
                    Some(service)
                        if service.organisation_id == input.to_organisation_id
                            && service.fields.active => {}
                    _ => errors.add(
                        "service_id",
                        "ce service n'est pas proposé par la structure choisie",
                    ),
                }
            }
            if !sharing_consent(txn, holder.id).await? {
                errors.add("holder_id", "la personne n'a pas donné son accord pour le partage avec les partenaires (consentement partage_partenaires)");
            }
            errors.into_result()?;
            if let Some(live) =
                referrals::live_for(txn, holder.id, input.to_organisation_id).await?
            {
                // One past its delay is over: it no longer stands in the way.
                if settle_expiry(txn, core, live, now).await?.status != ReferralStatus::Expired {
                    return Err(Error::Conflict(
                        "une orientation vers cette structure est déjà en cours pour cette personne"
                            .into(),
                    ));
                }
            }
            let referral = referrals::create(
                txn,
                &change,
                NewReferral {
                    from_organisation_id: actor.organisation_id,
                    from_user_id: actor.user_id,
                    to_organisation_id: input.to_organisation_id,
                    service_id: input.service_id,
                    need: need.unwrap_or_default(),
                    message,
                },
                now,
            )
            .await?;
            notify::referral_received(txn, core, &referral, now).await?;
            Ok(referral)
        },
    )
    .await?;
    let body = detail(&txn, core, actor, referral, true, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// Filters of an organisation's referrals.
#[derive(Clone, Debug, Default)]
pub struct ListInput {
    /// `inbox` (received, the default) or `outbox` (sent).
    pub which: Option<String>,
    pub status: Option<String>,
    /// Oldest first (those waiting longest), instead of newest first.
    pub oldest_first: bool,
    pub page: PageRequest,
}

/// The organisation's received or sent referrals, newest first or oldest first.
pub async fn list(
    core: &Core,
    actor: &Actor,
    input: &ListInput,
    now: DateTime<Utc>,
) -> Result<Page<ReferralDetail>> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let which: Mailbox =
        crate::text::word(&mut errors, "box", input.which.as_deref()).unwrap_or(Mailbox::Inbox);
    let status: Option<ReferralStatus> =
        crate::text::word(&mut errors, "status", input.status.as_deref());
    let (cursor, limit) = input.page.parse::<i64>(&mut errors);
    errors.into_result()?;
    let txn = core.db.begin_write().await?;
    // Referrals past their delay are expired before the list is read, so that a filter
    // on the status sees them as they stand.
    let deadline = now - core.settings.referral_deadlines.expire_after;
    for stale in referrals::sent_before(&txn, actor.organisation_id, which, deadline).await? {
        settle_expiry(&txn, core, stale, now).await?;
    }
    let (rows, more) = referrals::list(
        &txn,
        actor.organisation_id,
        which,
        status,
        cursor,
        input.oldest_first,
        limit,
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for referral in rows {
        items.push(detail(&txn, core, actor, referral, false, now).await?);
    }
    commit(txn).await?;
    Ok(Page::of(items, more, |r| r.id))
}

/// One referral with its history. Only its two organisations see it.
pub async fn get(
    core: &Core,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let referral = referrals::get(&txn, id).await?.ok_or(Error::NotFound)?;
    let body = detail(&txn, core, actor, referral, true, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// What answering or closing a referral records, and what the other side is told.
struct Effect {
    transition: Transition,
    told: Told,
    what: &'static str,
    detail: Option<String>,
}

fn effect(action: &ReferralAction, to: ReferralStatus, user_id: Option<i64>) -> Effect {
    let mut transition = Transition {
        step: action.step(),
        to_status: to,
        user_id,
        decline_reason: None,
        decline_text: None,
        outcome: None,
        reason: None,
    };
    let (told, what, detail) = match action {
        ReferralAction::Accept => (Told::Sender, "acceptée", None),
        ReferralAction::Decline { reason, text } => {
            transition.decline_reason = Some(*reason);
            transition.decline_text = text.clone();
            transition.reason = text.clone();
            // The free text stays in Parcours: it may speak of the person.
            (
                Told::Sender,
                "déclinée",
                Some(format!("Motif : {}", reason.label())),
            )
        }
        ReferralAction::Complete { outcome } => {
            transition.outcome = Some(*outcome);
            (
                Told::Sender,
                "clôturée",
                Some(format!("Issue : {}", outcome.label())),
            )
        }
        ReferralAction::Withdraw => (
            Told::Receiver,
            "retirée par la structure qui avait orienté",
            None,
        ),
        ReferralAction::ConsentWithdrawn => {
            transition.reason = Some(CONSENT_WITHDRAWN.to_owned());
            (
                Told::Receiver,
                "retirée : la personne a retiré son accord pour le partage de ses informations avec les partenaires",
                None,
            )
        }
        ReferralAction::Erased => {
            transition.reason = Some(parcours_domain::referrals::ERASED.to_owned());
            (
                Told::Receiver,
                "retirée : la personne a demandé l'effacement de ses données",
                None,
            )
        }
        ReferralAction::Expire => (Told::Sender, "expirée sans réponse", None),
    };
    Effect {
        transition,
        told,
        what,
        detail,
    }
}

/// Records `action` (by `user_id`, none for the scheduler) on the referral as read,
/// bringing it to `next`, and tells the other side by e-mail; `None` when another change
/// got there first. Every change of a referral goes through here.
pub(super) async fn record_and_tell(
    conn: &impl ConnectionTrait,
    core: &Core,
    referral: &Referral,
    action: &ReferralAction,
    next: ReferralStatus,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<Referral>> {
    let effect = effect(action, next, user_id);
    let Some(updated) = referrals::apply(conn, referral, effect.transition, now).await? else {
        return Ok(None);
    };
    notify::referral_changed(
        conn,
        core,
        &updated,
        effect.told,
        action.name(),
        effect.what,
        effect.detail,
        now,
    )
    .await?;
    Ok(Some(updated))
}

/// Applies one action by `actor`, records it, and queues the e-mail to the other side.
async fn act(
    core: &Core,
    actor: &Actor,
    id: i64,
    action: ReferralAction,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let referral = referrals::get(&txn, id).await?.ok_or(Error::NotFound)?;
    let side = side_of(actor, &referral)?;
    let referral = settle_expiry(&txn, core, referral, now).await?;
    let next = match transition(referral.status, side, &action) {
        Ok(next) => next,
        Err(error) => {
            // An expiry found on the way is a fact: it stays recorded.
            commit(txn).await?;
            return Err(referral_error(error));
        }
    };
    if action == ReferralAction::Accept && !sharing_consent(&txn, referral.holder_id).await? {
        return Err(Error::invalid(
            "status",
            "la personne a retiré son accord pour le partage avec les partenaires",
        ));
    }
    let updated = record_and_tell(
        &txn,
        core,
        &referral,
        &action,
        next,
        Some(actor.user_id),
        now,
    )
    .await?
    .ok_or_else(|| Error::Conflict("l'orientation a changé entre-temps : rechargez-la".into()))?;
    let body = detail(&txn, core, actor, updated, true, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// The receiving organisation takes the person on: it reads the file and records its
/// own contacts until the referral ends.
pub async fn accept(
    core: &Core,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    act(core, actor, id, ReferralAction::Accept, now).await
}

/// The receiving organisation declines, with a reason.
pub async fn decline(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: DeclineInput,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    let mut errors = ValidationErrors::new();
    let reason = crate::text::required(
        &mut errors,
        "reason",
        Some(&input.reason),
        str::parse::<DeclineReason>,
    );
    let text = text(&mut errors, "text", input.text.as_deref(), 500);
    errors.into_result()?;
    let reason = reason.ok_or_else(|| Error::invalid("reason", "obligatoire"))?;
    act(
        core,
        actor,
        id,
        ReferralAction::Decline { reason, text },
        now,
    )
    .await
}

/// The receiving organisation closes its part with an outcome; its access ends.
pub async fn complete(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: CompleteInput,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    let outcome = input
        .outcome
        .parse::<ReferralOutcome>()
        .map_err(|e| Error::invalid("outcome", e.to_string()))?;
    act(core, actor, id, ReferralAction::Complete { outcome }, now).await
}

/// The sending organisation withdraws the referral.
pub async fn withdraw(
    core: &Core,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<ReferralDetail> {
    act(core, actor, id, ReferralAction::Withdraw, now).await
}

/// Consent to share was withdrawn: every live referral of the holder ends at once, and
/// each receiving organisation is told, without personal data. Inside the transaction
/// that records the consent.
pub(crate) async fn end_for_consent(
    txn: &DatabaseTransaction,
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<usize> {
    end_live(
        txn,
        core,
        actor,
        holder_id,
        ReferralAction::ConsentWithdrawn,
        now,
    )
    .await
}

/// The person's data is erased at their request: every live referral ends at once, and
/// each receiving organisation is told, without personal data. Inside the erasing
/// transaction.
pub(crate) async fn end_for_erasure(
    txn: &DatabaseTransaction,
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<usize> {
    end_live(txn, core, actor, holder_id, ReferralAction::Erased, now).await
}

/// Ends every live referral of the holder by `action` (one the system takes), telling
/// each receiver.
async fn end_live(
    txn: &DatabaseTransaction,
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    action: ReferralAction,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut ended = 0;
    // A referral answered at the same moment is read again, until none is live.
    for _ in 0..5 {
        let live = referrals::live_of_holder(txn, holder_id).await?;
        if live.is_empty() {
            return Ok(ended);
        }
        for referral in live {
            let next =
                transition(referral.status, Side::System, &action).map_err(referral_error)?;
            let user_id = Some(actor.user_id);
            if record_and_tell(txn, core, &referral, &action, next, user_id, now)
                .await?
                .is_some()
            {
                ended += 1;
            }
        }
    }
    Err(Error::Conflict(
        "les orientations de cette personne changent en ce moment : recommencez".into(),
    ))
}
