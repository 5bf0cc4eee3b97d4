//! Referrals between partners and their history.

use crate::entities::{organisations, referral_events, referrals};
use crate::unique::Unique;
use crate::words::{optional, sql_list, word};
use crate::{PersistenceError, Result, keyset};
use chrono::{DateTime, Utc};
use parcours_domain::access::Change;
use parcours_domain::referrals::{DeclineReason, ReferralOutcome, ReferralStatus, ReferralStep};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

const TABLE: &str = "referrals";

#[derive(Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: i64,
    pub holder_id: i64,
    pub from_organisation_id: i64,
    pub from_user_id: i64,
    pub to_organisation_id: i64,
    pub service_id: Option<i64>,
    pub need: String,
    pub message: Option<String>,
    pub status: ReferralStatus,
    pub decline_reason: Option<DeclineReason>,
    pub decline_text: Option<String>,
    pub outcome: Option<ReferralOutcome>,
    pub sent_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub last_reminded_at: Option<DateTime<Utc>>,
    pub reminders_sent: i32,
}

parcours_domain::redacted_debug!(Referral {
    id,
    holder_id,
    from_organisation_id,
    to_organisation_id,
    status,
    sent_at
});

impl TryFrom<referrals::Model> for Referral {
    type Error = PersistenceError;

    fn try_from(m: referrals::Model) -> Result<Self> {
        Ok(Self {
            status: word(TABLE, "status", &m.status)?,
            decline_reason: optional(TABLE, "decline_reason", m.decline_reason.as_deref())?,
            outcome: optional(TABLE, "outcome", m.outcome.as_deref())?,
            id: m.id,
            holder_id: m.holder_id,
            from_organisation_id: m.from_organisation_id,
            from_user_id: m.from_user_id,
            to_organisation_id: m.to_organisation_id,
            service_id: m.service_id,
            need: m.need,
            message: m.message,
            decline_text: m.decline_text,
            sent_at: m.sent_at,
            answered_at: m.answered_at,
            closed_at: m.closed_at,
            last_reminded_at: m.last_reminded_at,
            reminders_sent: m.reminders_sent,
        })
    }
}

fn records(rows: Vec<referrals::Model>) -> Result<Vec<Referral>> {
    rows.into_iter().map(Referral::try_from).collect()
}

/// One step of a referral's history.
#[derive(Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    pub id: i64,
    pub referral_id: i64,
    pub step: ReferralStep,
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    /// None for the scheduler.
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

parcours_domain::redacted_debug!(ReferralEvent {
    id,
    referral_id,
    step,
    to_status,
    occurred_at
});

impl TryFrom<referral_events::Model> for ReferralEvent {
    type Error = PersistenceError;

    fn try_from(m: referral_events::Model) -> Result<Self> {
        const EVENTS: &str = "referral_events";
        Ok(Self {
            step: word(EVENTS, "action", &m.action)?,
            from_status: optional(EVENTS, "from_status", m.from_status.as_deref())?,
            to_status: word(EVENTS, "to_status", &m.to_status)?,
            id: m.id,
            referral_id: m.referral_id,
            user_id: m.user_id,
            reason: m.reason,
            occurred_at: m.occurred_at,
        })
    }
}

pub(crate) fn event_records(rows: Vec<referral_events::Model>) -> Result<Vec<ReferralEvent>> {
    rows.into_iter().map(ReferralEvent::try_from).collect()
}

#[derive(Clone)]
pub struct NewReferral {
    pub from_organisation_id: i64,
    pub from_user_id: i64,
    pub to_organisation_id: i64,
    pub service_id: Option<i64>,
    pub need: String,
    pub message: Option<String>,
}

parcours_domain::redacted_debug!(NewReferral {
    from_organisation_id,
    to_organisation_id,
    service_id
});

/// Sends a referral of the holder; `Constraint(LiveReferral)` when one to the same
/// organisation is still running.
pub async fn create(
    conn: &impl ConnectionTrait,
    change: &Change,
    new: NewReferral,
    now: DateTime<Utc>,
) -> Result<Referral> {
    let id = referrals::Entity::insert(referrals::ActiveModel {
        holder_id: Set(change.holder_id()),
        from_organisation_id: Set(new.from_organisation_id),
        from_user_id: Set(new.from_user_id),
        to_organisation_id: Set(new.to_organisation_id),
        service_id: Set(new.service_id),
        need: Set(new.need),
        message: Set(new.message),
        status: Set(ReferralStatus::Sent.as_str().into()),
        sent_at: Set(now),
        reminders_sent: Set(0),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    record_event(
        conn,
        Step {
            referral_id: id,
            step: ReferralStep::Send,
            from: None,
            to: ReferralStatus::Sent,
            user_id: Some(new.from_user_id),
            reason: None,
        },
        now,
    )
    .await?;
    get(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Referral>> {
    referrals::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Referral::try_from)
        .transpose()
}

struct Step {
    referral_id: i64,
    step: ReferralStep,
    from: Option<ReferralStatus>,
    to: ReferralStatus,
    user_id: Option<i64>,
    reason: Option<String>,
}

async fn record_event(conn: &impl ConnectionTrait, step: Step, now: DateTime<Utc>) -> Result<()> {
    referral_events::Entity::insert(referral_events::ActiveModel {
        referral_id: Set(step.referral_id),
        action: Set(step.step.as_str().to_owned()),
        from_status: Set(step.from.map(|s| s.as_str().to_owned())),
        to_status: Set(step.to.as_str().to_owned()),
        user_id: Set(step.user_id),
        reason: Set(step.reason),
        occurred_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A change of status and what it records.
#[derive(Clone)]
pub struct Transition {
    pub step: ReferralStep,
    pub to_status: ReferralStatus,
    pub user_id: Option<i64>,
    pub decline_reason: Option<DeclineReason>,
    pub decline_text: Option<String>,
    pub outcome: Option<ReferralOutcome>,
    /// Free text kept in the history (decline text, why it was withdrawn).
    pub reason: Option<String>,
}

parcours_domain::redacted_debug!(Transition { step, to_status });

/// Applies a change if the referral is still in the status it was read in; `None` when
/// another change got there first. Accepting or declining answers the referral; every
/// status but accepted ends it.
pub async fn apply(
    conn: &impl ConnectionTrait,
    referral: &Referral,
    change: Transition,
    now: DateTime<Utc>,
) -> Result<Option<Referral>> {
    let answers = change.to_status.is_answer();
    let closes = !change.to_status.is_live();
    let mut update = referrals::Entity::update_many()
        .col_expr(referrals::Column::Status, change.to_status.as_str().into())
        .col_expr(referrals::Column::UpdatedAt, now.into())
        .filter(referrals::Column::Id.eq(referral.id))
        .filter(referrals::Column::Status.eq(referral.status.as_str()));
    if let Some(reason) = change.decline_reason {
        update = update
            .col_expr(
                referrals::Column::DeclineReason,
                Some(reason.as_str().to_owned()).into(),
            )
            .col_expr(
                referrals::Column::DeclineText,
                change.decline_text.clone().into(),
            );
    }
    if let Some(outcome) = change.outcome {
        update = update.col_expr(
            referrals::Column::Outcome,
            Some(outcome.as_str().to_owned()).into(),
        );
    }
    if answers {
        update = update.col_expr(referrals::Column::AnsweredAt, Some(now).into());
    }
    if closes {
        update = update.col_expr(referrals::Column::ClosedAt, Some(now).into());
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    record_event(
        conn,
        Step {
            referral_id: referral.id,
            step: change.step,
            from: Some(referral.status),
            to: change.to_status,
            user_id: change.user_id,
            reason: change.reason,
        },
        now,
    )
    .await?;
    get(conn, referral.id).await
}

pub async fn events(conn: &impl ConnectionTrait, referral_id: i64) -> Result<Vec<ReferralEvent>> {
    event_records(
        referral_events::Entity::find()
            .filter(referral_events::Column::ReferralId.eq(referral_id))
            .order_by_asc(referral_events::Column::Id)
            .all(conn)
            .await?,
    )
}

fn live() -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!("status IN {}", sql_list(&ReferralStatus::LIVE)))
}

/// The newest live referral (sent or accepted) of a holder to an organisation.
pub async fn live_for(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    organisation_id: i64,
) -> Result<Option<Referral>> {
    referrals::Entity::find()
        .filter(referrals::Column::HolderId.eq(holder_id))
        .filter(referrals::Column::ToOrganisationId.eq(organisation_id))
        .filter(live())
        .order_by_desc(referrals::Column::Id)
        .unique(conn)
        .await?
        .map(Referral::try_from)
        .transpose()
}

/// Every live referral of a holder, to any organisation.
pub async fn live_of_holder(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<Referral>> {
    records(
        referrals::Entity::find()
            .filter(referrals::Column::HolderId.eq(holder_id))
            .filter(live())
            .order_by_asc(referrals::Column::Id)
            .all(conn)
            .await?,
    )
}

/// Every referral of a holder, live or not, oldest first (the access export).
pub async fn of_holder(
    conn: &impl ConnectionTrait,
    read: &parcours_domain::access::Read,
) -> Result<Vec<Referral>> {
    records(
        referrals::Entity::find()
            .filter(referrals::Column::HolderId.eq(read.holder_id()))
            .order_by_asc(referrals::Column::Id)
            .all(conn)
            .await?,
    )
}

/// Received by the organisation (`Inbox`) or sent by it (`Outbox`).
pub use parcours_domain::referrals::ReferralBox as Box;

/// An organisation's referrals, newest first (a page at a time before `cursor_id`) or,
/// with `oldest_first`, oldest first (after `cursor_id`). Ids follow the order of sending.
pub async fn list(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    which: Box,
    status: Option<ReferralStatus>,
    cursor_id: Option<i64>,
    oldest_first: bool,
    limit: u64,
) -> Result<(Vec<Referral>, bool)> {
    let mut select = referrals::Entity::find().filter(match which {
        Box::Inbox => referrals::Column::ToOrganisationId.eq(organisation_id),
        Box::Outbox => referrals::Column::FromOrganisationId.eq(organisation_id),
    });
    if let Some(status) = status {
        select = select.filter(referrals::Column::Status.eq(status.as_str()));
    }
    select = match (cursor_id, oldest_first) {
        (None, _) => select,
        (Some(after), true) => select.filter(referrals::Column::Id.gt(after)),
        (Some(before), false) => select.filter(referrals::Column::Id.lt(before)),
    };
    let order = if oldest_first {
        sea_orm::Order::Asc
    } else {
        sea_orm::Order::Desc
    };
    let rows = records(
        select
            .order_by(referrals::Column::Id, order)
            .limit(limit + 1)
            .all(conn)
            .await?,
    )?;
    Ok(keyset::page(rows, limit))
}

/// An organisation's received or sent referrals still `sent` and sent before `at`
/// (those past their delay, when `at` is now minus the delay), oldest first, 500 at most.
pub async fn sent_before(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    which: Box,
    at: DateTime<Utc>,
) -> Result<Vec<Referral>> {
    records(
        referrals::Entity::find()
            .filter(match which {
                Box::Inbox => referrals::Column::ToOrganisationId.eq(organisation_id),
                Box::Outbox => referrals::Column::FromOrganisationId.eq(organisation_id),
            })
            .filter(referrals::Column::Status.eq(ReferralStatus::Sent.as_str()))
            .filter(referrals::Column::SentAt.lte(at))
            .order_by_asc(referrals::Column::Id)
            .limit(500)
            .all(conn)
            .await?,
    )
}

/// Sent referrals still unanswered at `sent_before`, oldest first, a page at a time
/// after (sent_at, id); optionally only those to organisations of one territory.
pub async fn unanswered_since(
    conn: &impl ConnectionTrait,
    sent_before: DateTime<Utc>,
    territory_id: Option<i64>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<Vec<Referral>> {
    let mut select = referrals::Entity::find()
        .filter(referrals::Column::Status.eq(ReferralStatus::Sent.as_str()))
        .filter(referrals::Column::SentAt.lte(sent_before));
    if let Some((at, id)) = after {
        select = select.filter(keyset::after(
            referrals::Column::SentAt,
            referrals::Column::Id,
            (at, id),
        ));
    }
    if let Some(territory) = territory_id {
        let orgs: Vec<i64> = organisations::Entity::find()
            .filter(organisations::Column::TerritoryId.eq(territory))
            .select_only()
            .column(organisations::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        select = select.filter(referrals::Column::ToOrganisationId.is_in(orgs));
    }
    records(
        select
            .order_by_asc(referrals::Column::SentAt)
            .order_by_asc(referrals::Column::Id)
            .limit(limit)
            .all(conn)
            .await?,
    )
}

/// Records that a reminder went out; `false` when the referral changed in between.
pub async fn mark_reminded(
    conn: &impl ConnectionTrait,
    referral: &Referral,
    now: DateTime<Utc>,
) -> Result<bool> {
    let updated = referrals::Entity::update_many()
        .col_expr(referrals::Column::LastRemindedAt, Some(now).into())
        .col_expr(
            referrals::Column::RemindersSent,
            (referral.reminders_sent + 1).into(),
        )
        .filter(referrals::Column::Id.eq(referral.id))
        .filter(referrals::Column::Status.eq(ReferralStatus::Sent.as_str()))
        .filter(referrals::Column::RemindersSent.eq(referral.reminders_sent))
        .exec(conn)
        .await?;
    if updated.rows_affected > 0 {
        record_event(
            conn,
            Step {
                referral_id: referral.id,
                step: ReferralStep::Remind,
                from: Some(ReferralStatus::Sent),
                to: ReferralStatus::Sent,
                user_id: None,
                reason: None,
            },
            now,
        )
        .await?;
    }
    Ok(updated.rows_affected > 0)
}
