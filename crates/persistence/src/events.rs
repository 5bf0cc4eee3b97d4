//! Awareness events and their attendance.

use crate::entities::{event_attendees, event_partners, events, holders};
use crate::holders::Holder;
use crate::unique::Unique;
use crate::{PersistenceError, Result, keyset};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::events::EventKind;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// An awareness event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    /// The organisation that ran it.
    pub organisation_id: i64,
    pub kind: EventKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub qpv_code: Option<String>,
    pub headcount_total: i32,
    pub headcount_women: i32,
    pub headcount_under26: i32,
    pub headcount_qpv: i32,
}

impl TryFrom<events::Model> for Event {
    type Error = PersistenceError;

    fn try_from(m: events::Model) -> Result<Self> {
        Ok(Self {
            kind: crate::words::word("events", "kind", &m.kind)?,
            id: m.id,
            organisation_id: m.organisation_id,
            title: m.title,
            held_on: m.held_on,
            place: m.place,
            qpv_code: m.qpv_code,
            headcount_total: m.headcount_total,
            headcount_women: m.headcount_women,
            headcount_under26: m.headcount_under26,
            headcount_qpv: m.headcount_qpv,
        })
    }
}

pub(crate) fn records(rows: Vec<events::Model>) -> Result<Vec<Event>> {
    rows.into_iter().map(Event::try_from).collect()
}

/// A named attendee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendance {
    pub event_id: i64,
    pub holder_id: i64,
    pub registered_at: DateTime<Utc>,
    /// Registered at the event (rather than an existing holder).
    pub new_holder: bool,
}

impl From<event_attendees::Model> for Attendance {
    fn from(m: event_attendees::Model) -> Self {
        Self {
            event_id: m.event_id,
            holder_id: m.holder_id,
            registered_at: m.registered_at,
            new_holder: m.new_holder,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFields {
    pub kind: EventKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub qpv_code: Option<String>,
    pub headcount_total: i32,
    pub headcount_women: i32,
    pub headcount_under26: i32,
    pub headcount_qpv: i32,
    /// Other organisations involved.
    pub partners: Vec<i64>,
}

fn apply(active: &mut events::ActiveModel, f: &EventFields) {
    active.kind = Set(f.kind.as_str().to_owned());
    active.title = Set(f.title.clone());
    active.held_on = Set(f.held_on);
    active.place = Set(f.place.clone());
    active.qpv_code = Set(f.qpv_code.clone());
    active.headcount_total = Set(f.headcount_total);
    active.headcount_women = Set(f.headcount_women);
    active.headcount_under26 = Set(f.headcount_under26);
    active.headcount_qpv = Set(f.headcount_qpv);
}

async fn set_partners(conn: &impl ConnectionTrait, event_id: i64, partners: &[i64]) -> Result<()> {
    event_partners::Entity::delete_many()
        .filter(event_partners::Column::EventId.eq(event_id))
        .exec(conn)
        .await?;
    for org in partners {
        event_partners::Entity::insert(event_partners::ActiveModel {
            event_id: Set(event_id),
            organisation_id: Set(*org),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

pub async fn create(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    user_id: i64,
    fields: &EventFields,
    now: DateTime<Utc>,
) -> Result<Event> {
    let mut active = events::ActiveModel {
        organisation_id: Set(organisation_id),
        created_by: Set(user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let id = events::Entity::insert(active)
        .exec(conn)
        .await?
        .last_insert_id;
    set_partners(conn, id, &fields.partners).await?;
    get(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Event>> {
    events::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Event::try_from)
        .transpose()
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: i64,
    fields: &EventFields,
    now: DateTime<Utc>,
) -> Result<Event> {
    let mut active = events::ActiveModel {
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    events::Entity::update_many()
        .set(active)
        .filter(events::Column::Id.eq(id))
        .exec(conn)
        .await?;
    set_partners(conn, id, &fields.partners).await?;
    get(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn partners(conn: &impl ConnectionTrait, event_id: i64) -> Result<Vec<i64>> {
    Ok(event_partners::Entity::find()
        .filter(event_partners::Column::EventId.eq(event_id))
        .order_by_asc(event_partners::Column::OrganisationId)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.organisation_id)
        .collect())
}

/// Whose events: those the organisation ran or took part in as a partner.
async fn of_organisation(conn: &impl ConnectionTrait, organisation_id: i64) -> Result<Condition> {
    let partnered: Vec<i64> = event_partners::Entity::find()
        .filter(event_partners::Column::OrganisationId.eq(organisation_id))
        .select_only()
        .column(event_partners::Column::EventId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Condition::any()
        .add(events::Column::OrganisationId.eq(organisation_id))
        .add(events::Column::Id.is_in(partnered)))
}

/// Events an organisation ran or took part in, most recent first, a page at a time
/// before (held_on, id).
pub async fn list(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    before: Option<(NaiveDate, i64)>,
    limit: u64,
) -> Result<(Vec<Event>, bool)> {
    let mut select = events::Entity::find().filter(of_organisation(conn, organisation_id).await?);
    if let Some((held_on, id)) = before {
        select = select.filter(keyset::before(
            events::Column::HeldOn,
            events::Column::Id,
            (held_on, id),
        ));
    }
    let rows = records(
        select
            .order_by_desc(events::Column::HeldOn)
            .order_by_desc(events::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?,
    )?;
    Ok(keyset::page(rows, limit))
}

/// Events an organisation ran or took part in, held from `from` to `to` (both days
/// included; no end when `to` is none), in date order, at most `limit`, and whether
/// more were held in the period.
pub async fn between(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    from: NaiveDate,
    to: Option<NaiveDate>,
    limit: u64,
) -> Result<(Vec<Event>, bool)> {
    let mut select = events::Entity::find()
        .filter(of_organisation(conn, organisation_id).await?)
        .filter(events::Column::HeldOn.gte(from));
    if let Some(to) = to {
        select = select.filter(events::Column::HeldOn.lte(to));
    }
    let rows = records(
        select
            .order_by_asc(events::Column::HeldOn)
            .order_by_asc(events::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?,
    )?;
    Ok(keyset::page(rows, limit))
}

/// How many named attendees each of these events has (events without any are absent).
pub async fn named_counts(
    conn: &impl ConnectionTrait,
    event_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>> {
    if event_ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(i64, i64)> = event_attendees::Entity::find()
        .filter(event_attendees::Column::EventId.is_in(event_ids.iter().copied()))
        .select_only()
        .column(event_attendees::Column::EventId)
        .column_as(
            Expr::col(event_attendees::Column::HolderId).count(),
            "named",
        )
        .group_by(event_attendees::Column::EventId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Records a named attendee; `false` when already recorded.
pub async fn add_attendee(
    conn: &impl ConnectionTrait,
    event_id: i64,
    record: &parcours_domain::access::Record,
    new_holder: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = event_attendees::Entity::insert(event_attendees::ActiveModel {
        event_id: Set(event_id),
        holder_id: Set(record.holder_id()),
        registered_at: Set(now),
        new_holder: Set(new_holder),
    })
    .on_conflict(
        OnConflict::columns([
            event_attendees::Column::EventId,
            event_attendees::Column::HolderId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await;
    match inserted {
        Ok(rows) => Ok(rows > 0),
        Err(sea_orm::DbErr::RecordNotInserted) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The named attendees with their holder rows.
pub async fn attendees(
    conn: &impl ConnectionTrait,
    event_id: i64,
) -> Result<Vec<(Attendance, Holder)>> {
    let rows = event_attendees::Entity::find()
        .filter(event_attendees::Column::EventId.eq(event_id))
        .order_by_asc(event_attendees::Column::RegisteredAt)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|a| a.holder_id).collect();
    let holders: std::collections::HashMap<i64, Holder> = crate::holders::get_many(conn, &ids)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|a| {
            holders
                .get(&a.holder_id)
                .cloned()
                .map(|h| (Attendance::from(a), h))
        })
        .collect())
}

/// Marks the event where a holder was first met.
pub async fn set_source(conn: &impl ConnectionTrait, holder_id: i64, event_id: i64) -> Result<()> {
    holders::Entity::update_many()
        .col_expr(holders::Column::SourceEventId, Some(event_id).into())
        .filter(holders::Column::Id.eq(holder_id))
        .filter(holders::Column::SourceEventId.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
