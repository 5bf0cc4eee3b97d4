//! Contacts with holders, and the follow-ups they leave.

use crate::entities::contacts;
use crate::holders::{self, Holder};
use crate::unique::Unique;
use crate::words::{join, list, word};
use crate::{Result, keyset};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::access::Record;
use parcours_domain::contacts::{ContactKind, Topic};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

const TABLE: &str = "contacts";

/// One interaction with a holder.
#[derive(Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub holder_id: i64,
    /// The organisation that logged it.
    pub organisation_id: i64,
    pub user_id: i64,
    pub kind: ContactKind,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<i32>,
    pub topics: Vec<Topic>,
    pub notes: Option<String>,
    pub next_action: Option<String>,
    pub next_action_due: Option<NaiveDate>,
    /// When the next action was done or superseded by a newer contact.
    pub next_action_done_at: Option<DateTime<Utc>>,
}

parcours_domain::redacted_debug!(Contact {
    id,
    holder_id,
    organisation_id,
    kind,
    occurred_at
});

impl TryFrom<contacts::Model> for Contact {
    type Error = crate::PersistenceError;

    fn try_from(m: contacts::Model) -> Result<Self> {
        Ok(Self {
            kind: word(TABLE, "kind", &m.kind)?,
            topics: list(TABLE, "topics", &m.topics)?,
            id: m.id,
            holder_id: m.holder_id,
            organisation_id: m.organisation_id,
            user_id: m.user_id,
            occurred_at: m.occurred_at,
            duration_minutes: m.duration_minutes,
            notes: m.notes,
            next_action: m.next_action,
            next_action_due: m.next_action_due,
            next_action_done_at: m.next_action_done_at,
        })
    }
}

pub(crate) fn records(rows: Vec<contacts::Model>) -> Result<Vec<Contact>> {
    rows.into_iter().map(Contact::try_from).collect()
}

/// A contact to record, validated by the caller.
#[derive(Clone)]
pub struct NewContact {
    pub organisation_id: i64,
    pub user_id: i64,
    pub kind: ContactKind,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<i32>,
    pub topics: Vec<Topic>,
    pub notes: Option<String>,
    pub next_action: Option<String>,
    pub next_action_due: Option<NaiveDate>,
}

parcours_domain::redacted_debug!(NewContact {
    organisation_id,
    kind,
    occurred_at
});

/// Records a contact. It supersedes the open next actions the same organisation left on
/// this holder: what happened since is now in the newer contact.
pub async fn create(
    conn: &impl ConnectionTrait,
    record: &Record,
    new: NewContact,
    now: DateTime<Utc>,
) -> Result<Contact> {
    let holder_id = record.holder_id();
    contacts::Entity::update_many()
        .col_expr(contacts::Column::NextActionDoneAt, Some(now).into())
        .filter(contacts::Column::HolderId.eq(holder_id))
        .filter(contacts::Column::OrganisationId.eq(new.organisation_id))
        .filter(contacts::Column::NextActionDue.is_not_null())
        .filter(contacts::Column::NextActionDoneAt.is_null())
        .exec(conn)
        .await?;
    let id = contacts::Entity::insert(contacts::ActiveModel {
        holder_id: Set(holder_id),
        organisation_id: Set(new.organisation_id),
        user_id: Set(new.user_id),
        kind: Set(new.kind.as_str().to_owned()),
        occurred_at: Set(new.occurred_at),
        duration_minutes: Set(new.duration_minutes),
        topics: Set(join(&new.topics)),
        notes: Set(new.notes),
        next_action: Set(new.next_action),
        next_action_due: Set(new.next_action_due),
        next_action_done_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    contacts::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .ok_or(crate::PersistenceError::NotFound)?
        .try_into()
}

/// Settles every open next action on a holder, whoever left it (its pathway was closed:
/// it leaves no follow-up pending).
pub async fn settle_all(
    conn: &impl ConnectionTrait,
    change: &parcours_domain::access::Change,
    now: DateTime<Utc>,
) -> Result<()> {
    let holder_id = change.holder_id();
    contacts::Entity::update_many()
        .col_expr(contacts::Column::NextActionDoneAt, Some(now).into())
        .filter(contacts::Column::HolderId.eq(holder_id))
        .filter(contacts::Column::NextActionDoneAt.is_null())
        .filter(contacts::Column::NextActionDue.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// A holder's contacts, newest first, a page at a time after (occurred_at, id).
pub async fn for_holder(
    conn: &impl ConnectionTrait,
    read: &parcours_domain::access::Read,
    before: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<(Vec<Contact>, bool)> {
    let mut select =
        contacts::Entity::find().filter(contacts::Column::HolderId.eq(read.holder_id()));
    if let Some((at, id)) = before {
        select = select.filter(keyset::before(
            contacts::Column::OccurredAt,
            contacts::Column::Id,
            (at, id),
        ));
    }
    let rows = records(
        select
            .order_by_desc(contacts::Column::OccurredAt)
            .order_by_desc(contacts::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?,
    )?;
    Ok(keyset::page(rows, limit))
}

/// A due or overdue next action, with the holder it concerns.
#[derive(Clone)]
pub struct FollowUp {
    pub contact: Contact,
    pub holder: Holder,
}

parcours_domain::redacted_debug!(FollowUp { contact, holder });

/// The next actions `user_id` left that are due on or before `today` and not yet
/// superseded, with their holders; oldest due first.
pub async fn follow_ups(
    conn: &impl ConnectionTrait,
    user_id: i64,
    today: NaiveDate,
    after: Option<(NaiveDate, i64)>,
    limit: u64,
) -> Result<(Vec<FollowUp>, bool)> {
    let mut select = contacts::Entity::find()
        .filter(contacts::Column::UserId.eq(user_id))
        .filter(contacts::Column::NextActionDoneAt.is_null())
        .filter(contacts::Column::NextActionDue.lte(today));
    if let Some((due, id)) = after {
        select = select.filter(keyset::after(
            contacts::Column::NextActionDue,
            contacts::Column::Id,
            (due, id),
        ));
    }
    let rows = records(
        select
            .order_by_asc(contacts::Column::NextActionDue)
            .order_by_asc(contacts::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?,
    )?;
    let (rows, more) = keyset::page(rows, limit);
    let ids: Vec<i64> = rows.iter().map(|c| c.holder_id).collect();
    let holders: std::collections::HashMap<i64, Holder> = holders::get_many(conn, &ids)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let items = rows
        .into_iter()
        .filter_map(|contact| {
            let holder = holders.get(&contact.holder_id)?.clone();
            Some(FollowUp { contact, holder })
        })
        .collect();
    Ok((items, more))
}
