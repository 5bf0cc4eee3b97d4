//! Holders (porteurs de projet) and their pathway.

use crate::Result;
use crate::entities::{holders, pathway_events};
use crate::unique::Unique;
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::pathway::PathwayEvent;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub use holders::Model as Holder;

/// The personal fields of a holder, validated by the caller.
#[derive(Clone, Debug, Default)]
pub struct HolderFields {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_insee: Option<String>,
    pub qpv_code: Option<String>,
    pub qpv_status: String,
    pub qpv_status_source: String,
    pub situation: Option<String>,
    pub education_level: Option<String>,
    pub referent_user_id: Option<i64>,
}

fn keys(fields: &HolderFields) -> (String, String) {
    keys_of(&fields.last_name, &fields.first_name)
}

/// The (last-first, first-last) search keys of a name.
pub fn keys_of(last_name: &str, first_name: &str) -> (String, String) {
    use parcours_domain::holders::search_key;
    (
        search_key(&format!("{last_name} {first_name}")),
        search_key(&format!("{first_name} {last_name}")),
    )
}

fn apply(active: &mut holders::ActiveModel, fields: HolderFields) {
    let (sort_key, first_name_key) = keys(&fields);
    active.sort_key = Set(sort_key);
    active.first_name_key = Set(first_name_key);
    active.first_name = Set(fields.first_name);
    active.last_name = Set(fields.last_name);
    active.birth_date = Set(fields.birth_date);
    active.gender = Set(fields.gender);
    active.email = Set(fields.email);
    active.phone = Set(fields.phone);
    active.address = Set(fields.address);
    active.postal_code = Set(fields.postal_code);
    active.commune_insee = Set(fields.commune_insee);
    active.qpv_code = Set(fields.qpv_code);
    active.qpv_status = Set(fields.qpv_status);
    active.qpv_status_source = Set(fields.qpv_status_source);
    active.situation = Set(fields.situation);
    active.education_level = Set(fields.education_level);
    active.referent_user_id = Set(fields.referent_user_id);
}

/// Creates a holder and records their entry into the pathway.
pub async fn create(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
    fields: HolderFields,
    entry: &PathwayEvent,
    now: DateTime<Utc>,
) -> Result<Holder> {
    let mut active = holders::ActiveModel {
        referent_organisation_id: Set(organisation_id),
        stage: Set(entry.to.as_str().to_owned()),
        stage_entered_at: Set(now),
        outcome: Set(None),
        closed_at: Set(None),
        version: Set(1),
        created_by: Set(user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let result = holders::Entity::insert(active).exec(conn).await?;
    let holder = get(conn, result.last_insert_id)
        .await?
        .ok_or(crate::PersistenceError::NotFound)?;
    record_event(conn, &holder, user_id, entry, None, now).await?;
    Ok(holder)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Holder>> {
    Ok(holders::Entity::find_by_id(id).unique(conn).await?)
}

/// Replaces the personal fields if the holder is still at `version`; `None` when someone
/// changed it in between (the caller answers 412).
pub async fn update(
    conn: &impl ConnectionTrait,
    id: i64,
    version: i32,
    fields: HolderFields,
    now: DateTime<Utc>,
) -> Result<Option<Holder>> {
    let mut active = holders::ActiveModel {
        version: Set(version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let updated = holders::Entity::update_many()
        .set(active)
        .filter(holders::Column::Id.eq(id))
        .filter(holders::Column::Version.eq(version))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    get(conn, id).await
}

/// Applies a pathway event to the holder (stage, outcome) and stores it in the history.
/// Bumps the version, so an edit based on an older read is refused.
pub async fn apply_event(
    conn: &impl ConnectionTrait,
    holder: &Holder,
    user_id: i64,
    event: &PathwayEvent,
    siret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Holder>> {
    use parcours_domain::pathway::PathwayEventKind;
    let mut update = holders::Entity::update_many()
        .col_expr(
            holders::Column::Version,
            Expr::col(holders::Column::Version).add(1),
        )
        .col_expr(holders::Column::UpdatedAt, now.into())
        .filter(holders::Column::Id.eq(holder.id))
        .filter(holders::Column::Version.eq(holder.version));
    update = match event.kind {
        PathwayEventKind::Entry | PathwayEventKind::Move => update
            .col_expr(holders::Column::Stage, event.to.as_str().into())
            .col_expr(holders::Column::StageEnteredAt, now.into()),
        PathwayEventKind::Close => update
            .col_expr(
                holders::Column::Outcome,
                event.outcome.map(|o| o.as_str().to_owned()).into(),
            )
            .col_expr(holders::Column::ClosedAt, Some(now).into()),
        PathwayEventKind::Reopen => update
            .col_expr(holders::Column::Outcome, Option::<String>::None.into())
            .col_expr(
                holders::Column::ClosedAt,
                Option::<DateTime<Utc>>::None.into(),
            ),
    };
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    if event.kind == PathwayEventKind::Close {
        // A closed pathway leaves no follow-up pending.
        crate::entities::contacts::Entity::update_many()
            .col_expr(
                crate::entities::contacts::Column::NextActionDoneAt,
                Some(now).into(),
            )
            .filter(crate::entities::contacts::Column::HolderId.eq(holder.id))
            .filter(crate::entities::contacts::Column::NextActionDoneAt.is_null())
            .filter(crate::entities::contacts::Column::NextActionDue.is_not_null())
            .exec(conn)
            .await?;
    }
    record_event(conn, holder, user_id, event, siret, now).await?;
    get(conn, holder.id).await
}

async fn record_event(
    conn: &impl ConnectionTrait,
    holder: &Holder,
    user_id: i64,
    event: &PathwayEvent,
    siret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    use parcours_domain::pathway::PathwayEventKind;
    // A move or a closing ends the stay that the holder's previous event began.
    let stay_started_at = match event.kind {
        PathwayEventKind::Move | PathwayEventKind::Close => {
            pathway_events::Entity::find()
                .select_only()
                .column(pathway_events::Column::OccurredAt)
                .filter(pathway_events::Column::HolderId.eq(holder.id))
                .order_by_desc(pathway_events::Column::OccurredAt)
                .order_by_desc(pathway_events::Column::Id)
                .limit(1)
                .into_tuple::<DateTime<Utc>>()
                .one(conn)
                .await?
        }
        PathwayEventKind::Entry | PathwayEventKind::Reopen => None,
    };
    pathway_events::Entity::insert(pathway_events::ActiveModel {
        holder_id: Set(holder.id),
        organisation_id: Set(holder.referent_organisation_id),
        user_id: Set(user_id),
        kind: Set(event.kind.as_str().to_owned()),
        from_stage: Set(event.from.map(|s| s.as_str().to_owned())),
        to_stage: Set(event.to.as_str().to_owned()),
        outcome: Set(event.outcome.map(|o| o.as_str().to_owned())),
        reason: Set(event.reason.clone()),
        siret: Set(siret.map(str::to_owned)),
        occurred_at: Set(now),
        stay_started_at: Set(stay_started_at),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Filters and position for a page of one organisation's holders, in name order.
#[derive(Clone, Debug, Default)]
pub struct HolderQuery {
    pub organisation_id: i64,
    /// A search key (see `search_key`): matches the start of the last or the first name.
    pub q: Option<String>,
    pub stage: Option<String>,
    pub qpv_code: Option<String>,
    pub referent_user_id: Option<i64>,
    /// (sort key, id) of the last row of the previous page.
    pub after: Option<(String, i64)>,
    pub limit: u64,
}

/// The upper bound of a prefix range: every string starting with `prefix` sorts below it.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// One page and whether more follow. Every filter is served by an index that starts
/// with the organisation, and the page starts where the last one ended, so the cost does
/// not grow with the depth of the page.
pub async fn list(conn: &impl ConnectionTrait, query: &HolderQuery) -> Result<(Vec<Holder>, bool)> {
    let mut rows = list_select(query).all(conn).await?;
    let more = rows.len() as u64 > query.limit;
    rows.truncate(query.limit as usize);
    Ok((rows, more))
}

/// The SQL of [`list`], for checking its plan.
pub fn list_sql(backend: sea_orm::DbBackend, query: &HolderQuery) -> String {
    use sea_orm::QueryTrait;
    list_select(query).build(backend).to_string()
}

fn list_select(query: &HolderQuery) -> sea_orm::Select<holders::Entity> {
    let mut select = holders::Entity::find()
        .filter(holders::Column::ReferentOrganisationId.eq(query.organisation_id));
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        select = select.filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(holders::Column::SortKey.gte(q))
                        .add(holders::Column::SortKey.lt(prefix_end(q))),
                )
                .add(
                    Condition::all()
                        .add(holders::Column::FirstNameKey.gte(q))
                        .add(holders::Column::FirstNameKey.lt(prefix_end(q))),
                ),
        );
    }
    if let Some(stage) = &query.stage {
        select = select.filter(holders::Column::Stage.eq(stage.as_str()));
    }
    if let Some(qpv) = &query.qpv_code {
        select = select.filter(holders::Column::QpvCode.eq(qpv.as_str()));
    }
    if let Some(referent) = query.referent_user_id {
        select = select.filter(holders::Column::ReferentUserId.eq(referent));
    }
    if let Some((key, id)) = &query.after {
        // `key >= k AND (key > k OR id > i)`: the first term bounds the index range, so
        // a deep page starts where the previous one ended instead of filtering its way
        // there.
        select = select.filter(
            Condition::all()
                .add(holders::Column::SortKey.gte(key.as_str()))
                .add(
                    Condition::any()
                        .add(holders::Column::SortKey.gt(key.as_str()))
                        .add(holders::Column::Id.gt(*id)),
                ),
        );
    }
    select
        .order_by_asc(holders::Column::SortKey)
        .order_by_asc(holders::Column::Id)
        .limit(query.limit + 1)
}

/// Holders whose referent is a given organisation, counted (demo seeding, checks).
pub async fn count_for_organisation(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(holders::Entity::find()
        .filter(holders::Column::ReferentOrganisationId.eq(organisation_id))
        .count(conn)
        .await?)
}
