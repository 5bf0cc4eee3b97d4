//! Referrals between partners and their history.

use crate::Result;
use crate::entities::{organisations, referral_events, referrals};
use crate::unique::Unique;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub use referral_events::Model as ReferralEvent;
pub use referrals::Model as Referral;

#[derive(Clone, Debug)]
pub struct NewReferral {
    pub holder_id: i64,
    pub from_organisation_id: i64,
    pub from_user_id: i64,
    pub to_organisation_id: i64,
    pub service_id: Option<i64>,
    pub need: String,
    pub message: Option<String>,
}

pub async fn create(
    conn: &impl ConnectionTrait,
    new: NewReferral,
    now: DateTime<Utc>,
) -> Result<Referral> {
    let id = referrals::Entity::insert(referrals::ActiveModel {
        holder_id: Set(new.holder_id),
        from_organisation_id: Set(new.from_organisation_id),
        from_user_id: Set(new.from_user_id),
        to_organisation_id: Set(new.to_organisation_id),
        service_id: Set(new.service_id),
        need: Set(new.need),
        message: Set(new.message),
        status: Set("sent".into()),
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
        id,
        "send",
        None,
        "sent",
        Some(new.from_user_id),
        None,
        now,
    )
    .await?;
    get(conn, id)
        .await?
        .ok_or(crate::PersistenceError::NotFound)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Referral>> {
    Ok(referrals::Entity::find_by_id(id).unique(conn).await?)
}

#[expect(clippy::too_many_arguments, reason = "one column each")]
async fn record_event(
    conn: &impl ConnectionTrait,
    referral_id: i64,
    action: &str,
    from: Option<&str>,
    to: &str,
    user_id: Option<i64>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    referral_events::Entity::insert(referral_events::ActiveModel {
        referral_id: Set(referral_id),
        action: Set(action.to_owned()),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.to_owned()),
        user_id: Set(user_id),
        reason: Set(reason),
        occurred_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A change of status and what it records.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub action: String,
    pub to_status: String,
    pub user_id: Option<i64>,
    pub decline_reason: Option<String>,
    pub decline_text: Option<String>,
    pub outcome: Option<String>,
    /// Free text kept in the history (decline text, outcome).
    pub reason: Option<String>,
    /// Accepting or declining answers the referral.
    pub answers: bool,
    /// Declined, withdrawn, expired, completed: the referral is over.
    pub closes: bool,
}

/// Applies a change if the referral is still in the status it was read in; `None` when
/// another change got there first.
pub async fn apply(
    conn: &impl ConnectionTrait,
    referral: &Referral,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Option<Referral>> {
    let mut update = referrals::Entity::update_many()
        .col_expr(referrals::Column::Status, change.to_status.clone().into())
        .col_expr(referrals::Column::UpdatedAt, now.into())
        .filter(referrals::Column::Id.eq(referral.id))
        .filter(referrals::Column::Status.eq(referral.status.as_str()));
    if change.decline_reason.is_some() {
        update = update
            .col_expr(
                referrals::Column::DeclineReason,
                change.decline_reason.clone().into(),
            )
            .col_expr(
                referrals::Column::DeclineText,
                change.decline_text.clone().into(),
            );
    }
    if change.outcome.is_some() {
        update = update.col_expr(referrals::Column::Outcome, change.outcome.clone().into());
    }
    if change.answers {
        update = update.col_expr(referrals::Column::AnsweredAt, Some(now).into());
    }
    if change.closes {
        update = update.col_expr(referrals::Column::ClosedAt, Some(now).into());
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    record_event(
        conn,
        referral.id,
        &change.action,
        Some(&referral.status),
        &change.to_status,
        change.user_id,
        change.reason,
        now,
    )
    .await?;
    get(conn, referral.id).await
}

pub async fn events(conn: &impl ConnectionTrait, referral_id: i64) -> Result<Vec<ReferralEvent>> {
    Ok(referral_events::Entity::find()
        .filter(referral_events::Column::ReferralId.eq(referral_id))
        .order_by_asc(referral_events::Column::Id)
        .all(conn)
        .await?)
}

/// The newest live referral (sent or accepted) of a holder to an organisation.
pub async fn live_for(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    organisation_id: i64,
) -> Result<Option<Referral>> {
    Ok(referrals::Entity::find()
        .filter(referrals::Column::HolderId.eq(holder_id))
        .filter(referrals::Column::ToOrganisationId.eq(organisation_id))
        .filter(referrals::Column::Status.is_in(["sent", "accepted"]))
        .order_by_desc(referrals::Column::Id)
        .one(conn)
        .await?)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Box {
    /// Received by the organisation.
    Inbox,
    /// Sent by the organisation.
    Outbox,
}

/// An organisation's referrals, newest first, a page at a time before `before_id`.
pub async fn list(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    which: Box,
    status: Option<&str>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<(Vec<Referral>, bool)> {
    let mut select = referrals::Entity::find().filter(match which {
        Box::Inbox => referrals::Column::ToOrganisationId.eq(organisation_id),
        Box::Outbox => referrals::Column::FromOrganisationId.eq(organisation_id),
    });
    if let Some(status) = status {
        select = select.filter(referrals::Column::Status.eq(status));
    }
    if let Some(before) = before_id {
        select = select.filter(referrals::Column::Id.lt(before));
    }
    let mut rows = select
        .order_by_desc(referrals::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
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
    use sea_orm::Condition;
    let mut select = referrals::Entity::find()
        .filter(referrals::Column::Status.eq("sent"))
        .filter(referrals::Column::SentAt.lte(sent_before));
    if let Some((at, id)) = after {
        select = select.filter(
            Condition::all().add(referrals::Column::SentAt.gte(at)).add(
                Condition::any()
                    .add(referrals::Column::SentAt.gt(at))
                    .add(referrals::Column::Id.gt(id)),
            ),
        );
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
    Ok(select
        .order_by_asc(referrals::Column::SentAt)
        .order_by_asc(referrals::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Records that a reminder went out.
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
        .filter(referrals::Column::Status.eq("sent"))
        .filter(referrals::Column::RemindersSent.eq(referral.reminders_sent))
        .exec(conn)
        .await?;
    if updated.rows_affected > 0 {
        record_event(
            conn,
            referral.id,
            "remind",
            Some("sent"),
            "sent",
            None,
            None,
            now,
        )
        .await?;
    }
    Ok(updated.rows_affected > 0)
}
