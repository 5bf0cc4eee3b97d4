//! Schema version: applying migrations, and refusing to run on a schema this binary
//! does not know.

use crate::{Db, Result};
use parcours_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

/// How the database's schema compares with this binary's migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaStatus {
    UpToDate,
    /// Migrations this binary has that the database lacks (all of them on an empty database).
    Pending(Vec<String>),
    /// Migrations applied to the database that this binary does not know: it is older
    /// than the schema and must not write to it.
    Newer(Vec<String>),
}

/// Applies every pending migration, in order; returns their names.
pub async fn migrate(db: &Db) -> Result<Vec<String>> {
    let pending = pending_names(db).await?;
    Migrator::up(db.conn(), None).await?;
    Ok(pending)
}

pub async fn status(db: &Db) -> Result<SchemaStatus> {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let applied = applied_names(db).await?;
    let unknown: Vec<String> = applied
        .iter()
        .filter(|name| !known.contains(name))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(SchemaStatus::Newer(unknown));
    }
    let pending: Vec<String> = known
        .into_iter()
        .filter(|name| !applied.contains(name))
        .collect();
    Ok(if pending.is_empty() {
        SchemaStatus::UpToDate
    } else {
        SchemaStatus::Pending(pending)
    })
}

async fn pending_names(db: &Db) -> Result<Vec<String>> {
    Ok(match status(db).await? {
        SchemaStatus::Pending(names) => names,
        _ => Vec::new(),
    })
}

/// Reads the migration table without creating it.
async fn applied_names(db: &Db) -> Result<Vec<String>> {
    let manager = parcours_migrations::SchemaManager::new(db.conn());
    if !manager.has_table("seaql_migrations").await? {
        return Ok(Vec::new());
    }
    let backend = db.backend();
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "version").map_err(Into::into))
        .collect()
}
