//! QPV reference data (quartiers prioritaires de la politique de la ville): a quartier
//! and every commune it spans (`qpv_communes`), imported from the official ANCT list
//! (`file`), searched, and looked up by commune.

mod file;

pub use file::{QpvFileError, RowError, parse};

use crate::Result;
use crate::entities::{qpv, qpv_communes};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait};

/// One quartier and the communes it spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QpvRecord {
    pub code: String,
    pub name: String,
    /// (INSEE code, name) of each commune.
    pub communes: Vec<(String, String)>,
}

/// What an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub communes: u64,
}

/// Inserts or updates each quartier and its communes.
pub async fn upsert_all(
    conn: &impl ConnectionTrait,
    records: &[QpvRecord],
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    for record in records {
        let exists = qpv::Entity::find_by_id(record.code.clone())
            .count(conn)
            .await?
            > 0;
        qpv::Entity::insert(qpv::ActiveModel {
            code: Set(record.code.clone()),
            name: Set(record.name.clone()),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(qpv::Column::Code)
                .update_columns([qpv::Column::Name, qpv::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        if exists {
            report.updated += 1;
        } else {
            report.created += 1;
        }
        for (insee, name) in &record.communes {
            qpv_communes::Entity::insert(qpv_communes::ActiveModel {
                qpv_code: Set(record.code.clone()),
                commune_insee: Set(insee.clone()),
                commune_name: Set(name.clone()),
            })
            .on_conflict(
                OnConflict::columns([
                    qpv_communes::Column::QpvCode,
                    qpv_communes::Column::CommuneInsee,
                ])
                .update_column(qpv_communes::Column::CommuneName)
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
            report.communes += 1;
        }
    }
    Ok(report)
}

/// A quartier with its communes, for look-ups.
#[derive(Clone, Debug)]
pub struct QpvView {
    pub code: String,
    pub name: String,
    pub communes: Vec<(String, String)>,
}

/// Quartiers whose code starts with `q`, or whose name or commune contains it
/// (case-insensitive), by code; at most `limit`. The reference list is a few thousand
/// rows at most.
pub async fn search(conn: &impl ConnectionTrait, q: &str, limit: u64) -> Result<Vec<QpvView>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
    let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
    let communes_matching: Vec<String> = qpv_communes::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(qpv_communes::Column::CommuneName)))
                .like(pattern.clone()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.qpv_code)
        .collect();
    let rows = qpv::Entity::find()
        .filter(
            Condition::any()
                .add(qpv::Column::Code.starts_with(q.to_uppercase()))
                .add(Expr::expr(Func::lower(Expr::col(qpv::Column::Name))).like(pattern))
                .add(qpv::Column::Code.is_in(communes_matching)),
        )
        .order_by_asc(qpv::Column::Code)
        .limit(limit)
        .all(conn)
        .await?;
    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let communes = qpv_communes::Entity::find()
        .filter(qpv_communes::Column::QpvCode.is_in(codes))
        .order_by_asc(qpv_communes::Column::CommuneInsee)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| QpvView {
            communes: communes
                .iter()
                .filter(|c| c.qpv_code == row.code)
                .map(|c| (c.commune_insee.clone(), c.commune_name.clone()))
                .collect(),
            code: row.code,
            name: row.name,
        })
        .collect())
}

/// Whether a QPV code is in the reference list.
pub async fn exists(conn: &impl ConnectionTrait, code: &str) -> Result<bool> {
    Ok(qpv::Entity::find_by_id(code.to_owned()).count(conn).await? > 0)
}

/// Whether any QPV reference data was imported.
pub async fn reference_loaded(conn: &impl ConnectionTrait) -> Result<bool> {
    Ok(qpv::Entity::find().count(conn).await? > 0)
}

/// How many quartiers touch a commune: 0 means nobody there lives in a QPV.
pub async fn count_in_commune(conn: &impl ConnectionTrait, commune_insee: &str) -> Result<u64> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(qpv_communes::Entity::find()
        .filter(qpv_communes::Column::CommuneInsee.eq(commune_insee))
        .count(conn)
        .await?)
}

/// Every quartier's (code, name): an import recognises a quartier written by its name.
pub async fn names(conn: &impl ConnectionTrait) -> Result<Vec<(String, String)>> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(qpv::Entity::find()
        .select_only()
        .column(qpv::Column::Code)
        .column(qpv::Column::Name)
        .order_by_asc(qpv::Column::Code)
        .into_tuple::<(String, String)>()
        .all(conn)
        .await?)
}
