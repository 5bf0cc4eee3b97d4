//! Territories (contrat de ville areas) and their communes.

use crate::Result;
use crate::entities::{territories, territory_communes};
use crate::unique::Unique;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use territories::Model as Territory;

pub struct TerritoryInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// (INSEE code, name) of each commune in the territory.
    pub communes: Vec<(&'a str, &'a str)>,
}

/// Creates or renames a territory by code and adds its communes; returns its id.
pub async fn upsert(
    conn: &impl ConnectionTrait,
    input: &TerritoryInput<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    territories::Entity::insert(territories::ActiveModel {
        code: Set(input.code.to_owned()),
        name: Set(input.name.to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(territories::Column::Code)
            .update_column(territories::Column::Name)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let territory = find_by_code(conn, input.code)
        .await?
        .ok_or(crate::PersistenceError::NotFound)?;
    for (insee, name) in &input.communes {
        territory_communes::Entity::insert(territory_communes::ActiveModel {
            territory_id: Set(territory.id),
            commune_insee: Set((*insee).to_owned()),
            commune_name: Set((*name).to_owned()),
        })
        .on_conflict(
            OnConflict::columns([
                territory_communes::Column::TerritoryId,
                territory_communes::Column::CommuneInsee,
            ])
            .update_column(territory_communes::Column::CommuneName)
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(territory.id)
}

pub async fn find_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<Territory>> {
    Ok(territories::Entity::find()
        .filter(territories::Column::Code.eq(code))
        .one(conn)
        .await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Territory>> {
    Ok(territories::Entity::find_by_id(id).unique(conn).await?)
}

/// Every territory, by name, with how many communes it has.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<(Territory, u64)>> {
    use sea_orm::QueryOrder;
    let rows = territories::Entity::find()
        .order_by_asc(territories::Column::Name)
        .all(conn)
        .await?;
    let communes = territory_communes::Entity::find().all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let count = communes.iter().filter(|c| c.territory_id == t.id).count() as u64;
            (t, count)
        })
        .collect())
}
