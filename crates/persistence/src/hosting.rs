//! Hosting places, their units, and agreements.

use crate::entities::{hosting_agreements, spaces, units};
use crate::unique::Unique;
use crate::words::{optional, word};
use crate::{PersistenceError, Result, keyset};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::access::Record;
use parcours_domain::hosting::{EndReason, UnitKind};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub use spaces::Model as Space;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub id: i64,
    pub space_id: i64,
    pub kind: UnitKind,
    pub label: String,
    pub area_m2: Option<i32>,
    pub monthly_rent_eur: i64,
}

impl TryFrom<units::Model> for Unit {
    type Error = PersistenceError;

    fn try_from(m: units::Model) -> Result<Self> {
        Ok(Self {
            kind: word("units", "kind", &m.kind)?,
            id: m.id,
            space_id: m.space_id,
            label: m.label,
            area_m2: m.area_m2,
            monthly_rent_eur: m.monthly_rent_eur,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub id: i64,
    pub unit_id: i64,
    pub holder_id: i64,
    pub project_id: Option<i64>,
    /// The host.
    pub organisation_id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub actual_end: Option<NaiveDate>,
    pub renewals: i32,
    pub monthly_rent_eur: i64,
    pub end_reason: Option<EndReason>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

impl Agreement {
    /// The day after the last one the unit is occupied: the actual end, or the planned one.
    pub fn end(&self) -> NaiveDate {
        self.actual_end.unwrap_or(self.planned_end)
    }
}

impl TryFrom<hosting_agreements::Model> for Agreement {
    type Error = PersistenceError;

    fn try_from(m: hosting_agreements::Model) -> Result<Self> {
        Ok(Self {
            end_reason: optional("hosting_agreements", "end_reason", m.end_reason.as_deref())?,
            id: m.id,
            unit_id: m.unit_id,
            holder_id: m.holder_id,
            project_id: m.project_id,
            organisation_id: m.organisation_id,
            start_date: m.start_date,
            planned_end: m.planned_end,
            actual_end: m.actual_end,
            renewals: m.renewals,
            monthly_rent_eur: m.monthly_rent_eur,
            created_by: m.created_by,
            created_at: m.created_at,
        })
    }
}

pub(crate) fn agreement_records(rows: Vec<hosting_agreements::Model>) -> Result<Vec<Agreement>> {
    rows.into_iter().map(Agreement::try_from).collect()
}

pub async fn create_space(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    name: &str,
    address: Option<String>,
    qpv_code: Option<String>,
    now: DateTime<Utc>,
) -> Result<Space> {
    let id = spaces::Entity::insert(spaces::ActiveModel {
        organisation_id: Set(organisation_id),
        name: Set(name.to_owned()),
        address: Set(address),
        qpv_code: Set(qpv_code),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    get_space(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn get_space(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Space>> {
    Ok(spaces::Entity::find_by_id(id).unique(conn).await?)
}

/// Spaces, optionally of one organisation, by id.
pub async fn list_spaces(
    conn: &impl ConnectionTrait,
    organisation_ids: Option<Vec<i64>>,
) -> Result<Vec<Space>> {
    let mut select = spaces::Entity::find();
    if let Some(ids) = organisation_ids {
        select = select.filter(spaces::Column::OrganisationId.is_in(ids));
    }
    Ok(select
        .order_by_asc(spaces::Column::Id)
        .limit(1000)
        .all(conn)
        .await?)
}

pub async fn create_unit(
    conn: &impl ConnectionTrait,
    space_id: i64,
    kind: UnitKind,
    label: &str,
    area_m2: Option<i32>,
    monthly_rent_eur: i64,
    now: DateTime<Utc>,
) -> Result<Unit> {
    let id = units::Entity::insert(units::ActiveModel {
        space_id: Set(space_id),
        kind: Set(kind.as_str().to_owned()),
        label: Set(label.to_owned()),
        area_m2: Set(area_m2),
        monthly_rent_eur: Set(monthly_rent_eur),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    get_unit(conn, id).await?.ok_or(PersistenceError::NotFound)
}

pub async fn get_unit(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Unit>> {
    units::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Unit::try_from)
        .transpose()
}

pub async fn units_of(conn: &impl ConnectionTrait, space_id: i64) -> Result<Vec<Unit>> {
    units::Entity::find()
        .filter(units::Column::SpaceId.eq(space_id))
        .order_by_asc(units::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Unit::try_from)
        .collect()
}

#[derive(Clone, Debug)]
pub struct NewAgreement {
    pub unit_id: i64,
    pub project_id: Option<i64>,
    pub organisation_id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub renewals: i32,
    pub monthly_rent_eur: i64,
    pub created_by: i64,
}

/// Creates an agreement for the holder the host may record for;
/// `Constraint(HostingOverlap)` when the unit is already booked for part of it.
pub async fn create_agreement(
    conn: &impl ConnectionTrait,
    record: &Record,
    new: NewAgreement,
    now: DateTime<Utc>,
) -> Result<Agreement> {
    let id = hosting_agreements::Entity::insert(hosting_agreements::ActiveModel {
        unit_id: Set(new.unit_id),
        holder_id: Set(record.holder_id()),
        project_id: Set(new.project_id),
        organisation_id: Set(new.organisation_id),
        start_date: Set(new.start_date),
        planned_end: Set(new.planned_end),
        actual_end: Set(None),
        renewals: Set(new.renewals),
        monthly_rent_eur: Set(new.monthly_rent_eur),
        end_reason: Set(None),
        created_by: Set(new.created_by),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    get_agreement(conn, id)
        .await?
        .ok_or(PersistenceError::NotFound)
}

pub async fn get_agreement(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Agreement>> {
    hosting_agreements::Entity::find_by_id(id)
        .unique(conn)
        .await?
        .map(Agreement::try_from)
        .transpose()
}

/// Ends a running agreement; `None` when it had already ended.
pub async fn end_agreement(
    conn: &impl ConnectionTrait,
    id: i64,
    actual_end: NaiveDate,
    reason: EndReason,
) -> Result<Option<Agreement>> {
    let updated = hosting_agreements::Entity::update_many()
        .col_expr(
            hosting_agreements::Column::ActualEnd,
            Some(actual_end).into(),
        )
        .col_expr(
            hosting_agreements::Column::EndReason,
            Some(reason.as_str().to_owned()).into(),
        )
        .filter(hosting_agreements::Column::Id.eq(id))
        .filter(hosting_agreements::Column::ActualEnd.is_null())
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    get_agreement(conn, id).await
}

/// Moves the planned end of a running agreement, with its count of renewals;
/// `Constraint(HostingOverlap)` when the unit is booked meanwhile, `None` when it had
/// already ended.
pub async fn renew_agreement(
    conn: &impl ConnectionTrait,
    id: i64,
    planned_end: NaiveDate,
    renewals: i32,
) -> Result<Option<Agreement>> {
    let updated = hosting_agreements::Entity::update_many()
        .col_expr(hosting_agreements::Column::PlannedEnd, planned_end.into())
        .col_expr(hosting_agreements::Column::Renewals, renewals.into())
        .filter(hosting_agreements::Column::Id.eq(id))
        .filter(hosting_agreements::Column::ActualEnd.is_null())
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    get_agreement(conn, id).await
}

/// A host's agreements, newest first, a page at a time before `before_id`.
pub async fn list_agreements(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    running_only: bool,
    before_id: Option<i64>,
    limit: u64,
) -> Result<(Vec<Agreement>, bool)> {
    let mut select = hosting_agreements::Entity::find()
        .filter(hosting_agreements::Column::OrganisationId.eq(organisation_id));
    if running_only {
        select = select.filter(hosting_agreements::Column::ActualEnd.is_null());
    }
    if let Some(before) = before_id {
        select = select.filter(hosting_agreements::Column::Id.lt(before));
    }
    let rows = agreement_records(
        select
            .order_by_desc(hosting_agreements::Column::Id)
            .limit(limit + 1)
            .all(conn)
            .await?,
    )?;
    Ok(keyset::page(rows, limit))
}

/// Agreements of the given units that touch `[from, to)`.
pub async fn for_units_between(
    conn: &impl ConnectionTrait,
    unit_ids: Vec<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Agreement>> {
    let rows = agreement_records(
        hosting_agreements::Entity::find()
            .filter(hosting_agreements::Column::UnitId.is_in(unit_ids))
            .filter(hosting_agreements::Column::StartDate.lt(to))
            .all(conn)
            .await?,
    )?;
    Ok(rows.into_iter().filter(|a| a.end() > from).collect())
}

/// Running agreements of a host whose planned end falls on or before `until`.
pub async fn ending_by(
    conn: &impl ConnectionTrait,
    organisation_id: i64,
    until: NaiveDate,
) -> Result<Vec<Agreement>> {
    agreement_records(
        hosting_agreements::Entity::find()
            .filter(hosting_agreements::Column::OrganisationId.eq(organisation_id))
            .filter(hosting_agreements::Column::ActualEnd.is_null())
            .filter(hosting_agreements::Column::PlannedEnd.lte(until))
            .order_by_asc(hosting_agreements::Column::PlannedEnd)
            .limit(500)
            .all(conn)
            .await?,
    )
}

/// The agreements of one unit, latest start first.
pub async fn of_unit(conn: &impl ConnectionTrait, unit_id: i64) -> Result<Vec<Agreement>> {
    agreement_records(
        hosting_agreements::Entity::find()
            .filter(hosting_agreements::Column::UnitId.eq(unit_id))
            .order_by_desc(hosting_agreements::Column::StartDate)
            .limit(500)
            .all(conn)
            .await?,
    )
}
