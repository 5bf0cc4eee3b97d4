//! Each import of a caseload, kept as one entry with its counts: the import as a whole
//! is audited here, the files it created or updated in `audit_entries`.

use crate::Result;
use crate::entities::holder_imports;
use chrono::{DateTime, Utc};
use sea_orm::ColumnTrait;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// An import written, with what became of its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolderImport {
    pub id: i64,
    pub organisation_id: i64,
    pub imported_by: i64,
    /// The file's name as it was sent (no path).
    pub file_name: String,
    pub lines: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub possible_duplicates: u64,
    pub refused: u64,
    pub imported_at: DateTime<Utc>,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn from_column(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl From<holder_imports::Model> for HolderImport {
    fn from(m: holder_imports::Model) -> Self {
        Self {
            id: m.id,
            organisation_id: m.organisation_id,
            imported_by: m.imported_by,
            file_name: m.file_name,
            lines: from_column(m.lines),
            created: from_column(m.created),
            updated: from_column(m.updated),
            unchanged: from_column(m.unchanged),
            possible_duplicates: from_column(m.possible_duplicates),
            refused: from_column(m.refused),
            imported_at: m.imported_at,
        }
    }
}

/// Records an import (its `id` is ignored), in the import's own transaction.
pub async fn record(conn: &impl ConnectionTrait, import: &HolderImport) -> Result<i64> {
    let inserted = holder_imports::Entity::insert(holder_imports::ActiveModel {
        organisation_id: Set(import.organisation_id),
        imported_by: Set(import.imported_by),
        file_name: Set(import.file_name.clone()),
        lines: Set(count(import.lines)),
        created: Set(count(import.created)),
        updated: Set(count(import.updated)),
        unchanged: Set(count(import.unchanged)),
        possible_duplicates: Set(count(import.possible_duplicates)),
        refused: Set(count(import.refused)),
        imported_at: Set(import.imported_at),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(inserted.last_insert_id)
}

/// The organisation's latest imports, newest first.
pub async fn latest(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    limit: u64,
) -> Result<Vec<HolderImport>> {
    Ok(holder_imports::Entity::find()
        .filter(holder_imports::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(holder_imports::Column::ImportedAt)
        .order_by_desc(holder_imports::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(HolderImport::from)
        .collect())
}
