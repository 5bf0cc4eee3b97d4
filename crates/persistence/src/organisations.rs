//! Partner organisations.

use crate::entities::{organisations, territories};
use crate::sql::Sql;
use crate::unique::Unique;
use crate::{PersistenceError, Result, keyset};
use chrono::{DateTime, Utc};
use parcours_domain::organisations::OrganisationKind;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub territory: TerritoryRef,
    pub notification_email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerritoryRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub struct OrganisationInput<'a> {
    pub name: &'a str,
    pub kind: OrganisationKind,
    pub territory_id: i64,
    pub notification_email: Option<&'a str>,
}

/// Filters and position for a page of organisations, ordered by name.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub territory_id: Option<i64>,
    pub kind: Option<OrganisationKind>,
    /// The (name, id) of the last organisation of the previous page.
    pub after: Option<(String, i64)>,
    pub limit: u64,
}

/// Creates an organisation, or updates the one of the same name; returns its id.
pub async fn upsert(
    conn: &impl ConnectionTrait,
    input: &OrganisationInput<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    organisations::Entity::insert(organisations::ActiveModel {
        name: Set(input.name.to_owned()),
        kind: Set(input.kind.as_str().to_owned()),
        territory_id: Set(input.territory_id),
        notification_email: Set(input.notification_email.map(str::to_owned)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(organisations::Column::Name)
            .update_columns([
                organisations::Column::Kind,
                organisations::Column::TerritoryId,
                organisations::Column::NotificationEmail,
                organisations::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    find_id_by_name(conn, input.name)
        .await?
        .ok_or(PersistenceError::NotFound)
}

pub async fn find_id_by_name(conn: &impl ConnectionTrait, name: &str) -> Result<Option<i64>> {
    Ok(organisations::Entity::find()
        .filter(organisations::Column::Name.eq(name))
        .one(conn)
        .await?
        .map(|org| org.id))
}

/// An organisation as an operator names it on the command line: by its id, or else by
/// its exact name.
pub async fn find_by_id_or_name(
    conn: &impl ConnectionTrait,
    named: &str,
) -> Result<Option<Organisation>> {
    let named = named.trim();
    let id = match named.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => find_id_by_name(conn, named).await?,
    };
    match id {
        Some(id) => get(conn, id).await,
        None => Ok(None),
    }
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Organisation>> {
    let Some(model) = organisations::Entity::find_by_id(id).unique(conn).await? else {
        return Ok(None);
    };
    Ok(with_territories(conn, vec![model]).await?.pop())
}

/// One page, plus whether another follows.
pub async fn list(
    conn: &impl ConnectionTrait,
    query: &ListQuery,
) -> Result<(Vec<Organisation>, bool)> {
    let mut select = organisations::Entity::find();
    if let Some(territory_id) = query.territory_id {
        select = select.filter(organisations::Column::TerritoryId.eq(territory_id));
    }
    if let Some(kind) = query.kind {
        select = select.filter(organisations::Column::Kind.eq(kind.as_str()));
    }
    if let Some((name, id)) = &query.after {
        select = select.filter(keyset::after(
            organisations::Column::Name,
            organisations::Column::Id,
            (name.as_str(), *id),
        ));
    }
    let models = select
        .order_by_asc(organisations::Column::Name)
        .order_by_asc(organisations::Column::Id)
        .limit(query.limit + 1)
        .all(conn)
        .await?;
    let (models, more) = keyset::page(models, query.limit);
    Ok((with_territories(conn, models).await?, more))
}

/// The names of the given organisations.
pub async fn names(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut names = HashMap::new();
    for chunk in wanted.chunks(500) {
        let rows: Vec<(i64, String)> = organisations::Entity::find()
            .select_only()
            .column(organisations::Column::Id)
            .column(organisations::Column::Name)
            .filter(organisations::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        names.extend(rows);
    }
    Ok(names)
}

/// The given organisations (those that exist), with their territories.
pub async fn get_many(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Organisation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let models = organisations::Entity::find()
        .filter(organisations::Column::Id.is_in(wanted))
        .all(conn)
        .await?;
    with_territories(conn, models).await
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(organisations::Entity::find().count(conn).await?)
}

async fn with_territories(
    conn: &impl ConnectionTrait,
    models: Vec<organisations::Model>,
) -> Result<Vec<Organisation>> {
    let ids: Vec<i64> = models.iter().map(|m| m.territory_id).collect();
    let territories: HashMap<i64, territories::Model> = territories::Entity::find()
        .filter(territories::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    models
        .into_iter()
        .map(|model| {
            let territory = territories
                .get(&model.territory_id)
                .ok_or(PersistenceError::NotFound)?;
            Ok(Organisation {
                id: model.id,
                kind: crate::words::word("organisations", "kind", &model.kind)?,
                name: model.name,
                territory: TerritoryRef {
                    id: territory.id,
                    code: territory.code.clone(),
                    name: territory.name.clone(),
                },
                notification_email: model.notification_email,
            })
        })
        .collect()
}

/// The territory an organisation belongs to, with all its organisations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerritoryPartners {
    pub territory_id: i64,
    pub territory_name: String,
    /// `(id, name)` of every organisation of the territory, by name.
    pub organisations: Vec<(i64, String)>,
}

/// The territory of `organisation_id` and its organisations, in one query (a report's
/// scope is resolved on every report request).
pub async fn territory_of(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<Option<TerritoryPartners>> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT t.id AS territory_id, t.name AS territory_name, o.id AS id, o.name AS name \
         FROM organisations o JOIN territories t ON t.id = o.territory_id \
         WHERE o.territory_id = (SELECT territory_id FROM organisations WHERE id = ",
    )
    .bind(organisation_id)
    .push(") ORDER BY o.name, o.id");
    let rows = sql.all(conn).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(TerritoryPartners {
        territory_id: first.try_get("", "territory_id")?,
        territory_name: first.try_get("", "territory_name")?,
        organisations: rows
            .iter()
            .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "name")?)))
            .collect::<Result<_>>()?,
    }))
}

/// Creates an organisation; `Conflict` (`OrganisationName`) when the name is taken.
pub async fn create(
    conn: &impl ConnectionTrait,
    input: &OrganisationInput<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    use sea_orm::ActiveModelTrait;
    Ok(organisations::ActiveModel {
        name: Set(input.name.to_owned()),
        kind: Set(input.kind.as_str().to_owned()),
        territory_id: Set(input.territory_id),
        notification_email: Set(input.notification_email.map(str::to_owned)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?
    .id)
}

/// Changes an organisation's name, kind, territory and notification address.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: i64,
    input: &OrganisationInput<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let changed = organisations::Entity::update_many()
        .col_expr(organisations::Column::Name, input.name.into())
        .col_expr(organisations::Column::Kind, input.kind.as_str().into())
        .col_expr(
            organisations::Column::TerritoryId,
            input.territory_id.into(),
        )
        .col_expr(
            organisations::Column::NotificationEmail,
            input.notification_email.map(str::to_owned).into(),
        )
        .col_expr(organisations::Column::UpdatedAt, now.into())
        .filter(organisations::Column::Id.eq(id))
        .exec(conn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(PersistenceError::NotFound);
    }
    Ok(())
}

/// Every organisation, by name (the platform's administration; a few hundred at most).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Organisation>> {
    let models = organisations::Entity::find()
        .order_by_asc(organisations::Column::Name)
        .order_by_asc(organisations::Column::Id)
        .all(conn)
        .await?;
    with_territories(conn, models).await
}
