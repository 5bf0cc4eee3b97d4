//! Consents: each statement is kept; the latest per purpose is in force.

use crate::Result;
use crate::entities::consents;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

pub use consents::Model as Consent;

pub async fn record(
    conn: &impl ConnectionTrait,
    holder_id: i64,
    purpose: &str,
    given: bool,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Consent> {
    let id = consents::Entity::insert(consents::ActiveModel {
        holder_id: Set(holder_id),
        purpose: Set(purpose.to_owned()),
        given: Set(given),
        recorded_at: Set(now),
        recorded_by: Set(user_id),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    consents::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(crate::PersistenceError::NotFound)
}

/// Every statement for a holder, oldest first.
pub async fn history(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<Consent>> {
    Ok(consents::Entity::find()
        .filter(consents::Column::HolderId.eq(holder_id))
        .order_by_asc(consents::Column::Id)
        .all(conn)
        .await?)
}

/// Whether the latest statement for `purpose` gives consent.
pub async fn is_given(conn: &impl ConnectionTrait, holder_id: i64, purpose: &str) -> Result<bool> {
    Ok(consents::Entity::find()
        .filter(consents::Column::HolderId.eq(holder_id))
        .filter(consents::Column::Purpose.eq(purpose))
        .order_by_desc(consents::Column::Id)
        .one(conn)
        .await?
        .is_some_and(|c| c.given))
}
