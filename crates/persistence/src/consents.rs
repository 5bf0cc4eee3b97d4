//! Consents: each statement is kept; the latest per purpose is in force.

use crate::Result;
use crate::entities::consents;
use crate::unique::Unique;
use crate::words::word;
use chrono::{DateTime, Utc};
use parcours_domain::access::Change;
use parcours_domain::contacts::ConsentPurpose;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// One statement: given or withdrawn, by whom, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub id: i64,
    pub holder_id: i64,
    pub purpose: ConsentPurpose,
    pub given: bool,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: i64,
}

impl TryFrom<consents::Model> for Consent {
    type Error = crate::PersistenceError;

    fn try_from(m: consents::Model) -> Result<Self> {
        Ok(Self {
            purpose: word("consents", "purpose", &m.purpose)?,
            id: m.id,
            holder_id: m.holder_id,
            given: m.given,
            recorded_at: m.recorded_at,
            recorded_by: m.recorded_by,
        })
    }
}

pub(crate) fn records(rows: Vec<consents::Model>) -> Result<Vec<Consent>> {
    rows.into_iter().map(Consent::try_from).collect()
}

pub async fn record(
    conn: &impl ConnectionTrait,
    change: &Change,
    purpose: ConsentPurpose,
    given: bool,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Consent> {
    let id = consents::Entity::insert(consents::ActiveModel {
        holder_id: Set(change.holder_id()),
        purpose: Set(purpose.as_str().to_owned()),
        given: Set(given),
        recorded_at: Set(now),
        recorded_by: Set(user_id),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    consents::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .ok_or(crate::PersistenceError::NotFound)?
        .try_into()
}

/// Every statement for a holder, oldest first.
pub async fn history(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<Consent>> {
    records(
        consents::Entity::find()
            .filter(consents::Column::HolderId.eq(holder_id))
            .order_by_asc(consents::Column::Id)
            .all(conn)
            .await?,
    )
}

/// Whether the latest statement for `purpose` gives consent.
pub async fn is_given(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    purpose: ConsentPurpose,
) -> Result<bool> {
    Ok(consents::Entity::find()
        .select_only()
        .column(consents::Column::Given)
        .filter(consents::Column::HolderId.eq(holder_id))
        .filter(consents::Column::Purpose.eq(purpose.as_str()))
        .order_by_desc(consents::Column::Id)
        .limit(1)
        .into_tuple::<bool>()
        .one(conn)
        .await?
        .unwrap_or(false))
}

/// A holder's consents: the statement in force for each purpose that has one, and every
/// statement, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentState {
    pub current: Vec<Consent>,
    pub history: Vec<Consent>,
}

/// What a holder's file shows of their consents.
pub async fn state(conn: &impl ConnectionTrait, holder_id: i64) -> Result<ConsentState> {
    let history = history(conn, holder_id).await?;
    let current = ConsentPurpose::ALL
        .iter()
        .filter_map(|purpose| {
            history
                .iter()
                .rev()
                .find(|c| c.purpose == *purpose)
                .cloned()
        })
        .collect();
    Ok(ConsentState { current, history })
}
