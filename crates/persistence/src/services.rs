//! The partner directory: what each organisation offers.

use crate::entities::{organisations, services};
use crate::organisations::Organisation;
use crate::unique::Unique;
use crate::words::{self, join, split, word};
use crate::{PersistenceError, Result, keyset};
use chrono::{DateTime, Utc};
use parcours_domain::pathway::Stage;
use parcours_domain::services::{Need, Public};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

const TABLE: &str = "services";

/// What an organisation offers, in the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub id: i64,
    pub organisation_id: i64,
    pub fields: ServiceFields,
}

impl TryFrom<services::Model> for Service {
    type Error = PersistenceError;

    fn try_from(m: services::Model) -> Result<Self> {
        Ok(Self {
            id: m.id,
            organisation_id: m.organisation_id,
            fields: ServiceFields {
                stage: word(TABLE, "stage", &m.stage)?,
                needs: words::list(TABLE, "needs", &m.needs)?,
                publics: words::list(TABLE, "publics", &m.publics)?,
                sectors: split(&m.sectors).map(str::to_owned).collect(),
                name: m.name,
                description: m.description,
                financing_min_eur: m.financing_min_eur,
                financing_max_eur: m.financing_max_eur,
                places: m.places,
                contact: m.contact,
                active: m.active,
            },
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceFields {
    pub name: String,
    pub description: String,
    pub stage: Stage,
    pub needs: Vec<Need>,
    pub publics: Vec<Public>,
    pub sectors: Vec<String>,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    pub places: Option<i32>,
    pub contact: Option<String>,
    pub active: bool,
}

fn apply(active: &mut services::ActiveModel, f: ServiceFields) {
    active.name = Set(f.name);
    active.description = Set(f.description);
    active.stage = Set(f.stage.as_str().to_owned());
    active.needs = Set(join(&f.needs));
    active.publics = Set(join(&f.publics));
    active.sectors = Set(f.sectors.join(","));
    active.financing_min_eur = Set(f.financing_min_eur);
    active.financing_max_eur = Set(f.financing_max_eur);
    active.places = Set(f.places);
    active.contact = Set(f.contact);
    active.active = Set(f.active);
}

pub async fn create(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    fields: ServiceFields,
    now: DateTime<Utc>,
) -> Result<Service> {
    let mut active = services::ActiveModel {
        organisation_id: Set(organisation_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let id = services::Entity::insert(active)
        .exec(conn)
        .await?
        .last_insert_id;
    get(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Service>> {
    services::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Service::try_from)
        .transpose()
}

pub async fn find_by_name(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    name: &str,
) -> Result<Option<Service>> {
    services::Entity::find()
        .filter(services::Column::OrganisationId.eq(organisation_id))
        .filter(services::Column::Name.eq(name))
        .one(conn)
        .await?
        .map(Service::try_from)
        .transpose()
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: i64,
    fields: ServiceFields,
    now: DateTime<Utc>,
) -> Result<Option<Service>> {
    let mut active = services::ActiveModel {
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    services::Entity::update_many()
        .set(active)
        .filter(services::Column::Id.eq(id))
        .exec(conn)
        .await?;
    get(conn, id).await
}

/// Filters and position for a page of the directory.
#[derive(Clone, Debug, Default)]
pub struct ServiceQuery {
    pub territory_id: Option<i64>,
    pub stage: Option<Stage>,
    /// Lower-cased words looked for in the name, description and sectors.
    pub q: Option<String>,
    /// Services offering this need.
    pub need: Option<Need>,
    /// Services open to this public (a service for all counts).
    pub public: Option<Public>,
    /// Only this organisation's services.
    pub organisation_id: Option<i64>,
    /// Paused services too (an organisation's admins see theirs).
    pub with_inactive: bool,
    pub after_id: Option<i64>,
    pub limit: u64,
}

/// Active services, by id, a page at a time. A territory's directory is a few hundred
/// services at most; the text filter runs on that page's candidates.
pub async fn list(
    conn: &impl ConnectionTrait,
    query: &ServiceQuery,
) -> Result<(Vec<(Service, Organisation)>, bool)> {
    let mut select = services::Entity::find();
    if !query.with_inactive {
        select = select.filter(services::Column::Active.eq(true));
    }
    if let Some(organisation_id) = query.organisation_id {
        select = select.filter(services::Column::OrganisationId.eq(organisation_id));
    }
    // Words are stored comma-joined: a word matches between commas.
    // `||` concatenates on both engines; the word is bound.
    let has_word = |column: services::Column, word: &str| {
        use sea_orm::sea_query::{BinOper, Expr, ExprTrait};
        Expr::val(",")
            .binary(BinOper::Custom("||"), Expr::col((services::Entity, column)))
            .binary(BinOper::Custom("||"), Expr::val(","))
            .like(format!("%,{word},%"))
    };
    if let Some(need) = query.need {
        select = select.filter(has_word(services::Column::Needs, need.as_str()));
    }
    if let Some(public) = query.public {
        select = select.filter(
            Condition::any()
                .add(has_word(services::Column::Publics, public.as_str()))
                .add(has_word(services::Column::Publics, Public::Tous.as_str())),
        );
    }
    if let Some(stage) = &query.stage {
        select = select.filter(services::Column::Stage.eq(stage.as_str()));
    }
    if let Some(after) = query.after_id {
        select = select.filter(services::Column::Id.gt(after));
    }
    if let Some(territory) = query.territory_id {
        let orgs: Vec<i64> = organisations::Entity::find()
            .filter(organisations::Column::TerritoryId.eq(territory))
            .select_only()
            .column(organisations::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        select = select.filter(services::Column::OrganisationId.is_in(orgs));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        use sea_orm::sea_query::{Expr, ExprTrait, Func};
        let pattern = format!("%{}%", q.replace(['%', '_'], ""));
        let lower =
            |col: services::Column| Expr::expr(Func::lower(Expr::col(col))).like(pattern.clone());
        select = select.filter(
            Condition::any()
                .add(lower(services::Column::Name))
                .add(lower(services::Column::Description))
                .add(lower(services::Column::Sectors)),
        );
    }
    let rows = select
        .order_by_asc(services::Column::Id)
        .limit(query.limit + 1)
        .all(conn)
        .await?
        .into_iter()
        .map(Service::try_from)
        .collect::<Result<Vec<_>>>()?;
    let (rows, more) = keyset::page(rows, query.limit);
    let ids: Vec<i64> = rows.iter().map(|s| s.organisation_id).collect();
    let orgs: std::collections::HashMap<i64, Organisation> =
        crate::organisations::get_many(conn, &ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
    Ok((
        rows.into_iter()
            .filter_map(|s| orgs.get(&s.organisation_id).cloned().map(|o| (s, o)))
            .collect(),
        more,
    ))
}
