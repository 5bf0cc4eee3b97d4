//! The audit trail: who read or changed which holder's personal data, when, from which
//! request. Written in the same transaction as the change it records.

use crate::Result;
use crate::entities::audit_entries;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

pub use audit_entries::Model as AuditEntry;

/// Who acts, and in which request.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub organisation_id: i64,
    pub request_id: Option<String>,
}

pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    holder_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    audit_entries::Entity::insert(audit_entries::ActiveModel {
        occurred_at: Set(now),
        user_id: Set(actor.user_id),
        organisation_id: Set(actor.organisation_id),
        action: Set(action.to_owned()),
        holder_id: Set(holder_id),
        request_id: Set(actor.request_id.clone()),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A holder's audit trail, oldest first.
pub async fn for_holder(conn: &impl ConnectionTrait, holder_id: i64) -> Result<Vec<AuditEntry>> {
    Ok(audit_entries::Entity::find()
        .filter(audit_entries::Column::HolderId.eq(holder_id))
        .order_by_asc(audit_entries::Column::Id)
        .all(conn)
        .await?)
}
