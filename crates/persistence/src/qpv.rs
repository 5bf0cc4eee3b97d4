//! QPV reference data (quartiers prioritaires de la politique de la ville), read from
//! the official ANCT list: semicolon-separated, UTF-8 (often with a BOM), one row per
//! quartier and commune, with at least the columns `code_qp`, `lib_qp`, `insee_com` and
//! `lib_com`; other columns are ignored.

use crate::Result;
use crate::entities::{qpv, qpv_communes};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait};
use std::collections::BTreeMap;
use std::io::Read;

/// One quartier and the communes it spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QpvRecord {
    pub code: String,
    pub name: String,
    /// (INSEE code, name) of each commune.
    pub communes: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum QpvFileError {
    #[error("colonne « {0} » absente de l'en-tête")]
    MissingColumn(&'static str),
    #[error("ligne {line} : {message}")]
    Row { line: u64, message: String },
    #[error("fichier illisible : {0}")]
    Csv(#[from] csv::Error),
}

/// Parses the ANCT list; rows of one quartier are merged.
pub fn parse(reader: impl Read) -> Result<Vec<QpvRecord>, QpvFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(reader);
    let headers = reader.headers()?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| {
                h.trim_start_matches('\u{feff}')
                    .trim()
                    .eq_ignore_ascii_case(name)
            })
            .ok_or(QpvFileError::MissingColumn(name))
    };
    let (code_col, name_col, insee_col, commune_col) = (
        column("code_qp")?,
        column("lib_qp")?,
        column("insee_com")?,
        column("lib_com")?,
    );
    let mut by_code: BTreeMap<String, QpvRecord> = BTreeMap::new();
    for row in reader.records() {
        let row = row?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |index: usize, what: &str| {
            row.get(index)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| QpvFileError::Row {
                    line,
                    message: format!("{what} manquant"),
                })
        };
        let code = field(code_col, "code_qp")?;
        if !is_qpv_code(&code) {
            return Err(QpvFileError::Row {
                line,
                message: format!("code de quartier « {code} » invalide (attendu QN… ou QP…)"),
            });
        }
        let insee = field(insee_col, "insee_com")?;
        if !is_insee_code(&insee) {
            return Err(QpvFileError::Row {
                line,
                message: format!("code commune « {insee} » invalide"),
            });
        }
        let record = by_code.entry(code.clone()).or_insert_with(|| QpvRecord {
            code,
            name: String::new(),
            communes: Vec::new(),
        });
        record.name = field(name_col, "lib_qp")?;
        let commune = field(commune_col, "lib_com")?;
        if !record.communes.iter().any(|(i, _)| *i == insee) {
            record.communes.push((insee, commune));
        }
    }
    Ok(by_code.into_values().collect())
}

fn is_qpv_code(code: &str) -> bool {
    (code.starts_with("QN") || code.starts_with("QP"))
        && (7..=10).contains(&code.len())
        && code[2..]
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

fn is_insee_code(code: &str) -> bool {
    code.len() == 5
        && (code.chars().all(|c| c.is_ascii_digit())
            || (code.starts_with("2A") || code.starts_with("2B"))
                && code[2..].chars().all(|c| c.is_ascii_digit()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_anct_layout_with_a_bom_and_extra_columns() {
        let file = "\u{feff}code_qp;lib_qp;departement;insee_com;lib_com;population\n\
                    QN00101M;Les Tilleuls (fictif);001;00101;Villefictive;2300\n\
                    QN00102M;Le Moulin (fictif);001;00101;Villefictive;1800\n\
                    QN00102M;Le Moulin (fictif);001;00102;Autreville;1800\n";
        let records = parse(file.as_bytes()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].code, "QN00102M");
        assert_eq!(
            records[1].communes,
            vec![
                ("00101".to_owned(), "Villefictive".to_owned()),
                ("00102".to_owned(), "Autreville".to_owned())
            ]
        );
    }

    #[test]
    fn says_which_line_is_wrong() {
        let file = "code_qp;lib_qp;insee_com;lib_com\nQN00101M;A;00101;V\nXX1;B;00101;V\n";
        let error = parse(file.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("ligne 3 :"), "{error}");
        let missing = parse("code_qp;lib_qp\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(missing, "colonne « insee_com » absente de l'en-tête");
    }
}
