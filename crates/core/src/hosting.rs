//! Hosting: spaces and their units, agreements with the host's terms, occupancy.

use crate::access::{audit_in, write_in};
use crate::period::{PeriodInput, period};
use crate::text::{optional, required, required_text, text};
use crate::{Actor, Core, Error, Page, PageRequest, Refusal, Result};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::{Record, SpaceAccess, space_access};
use parcours_domain::audit::AuditAction;
use parcours_domain::holders::{QpvCode, parse_date};
use parcours_domain::hosting::{
    EndReason, UnitKind, check_term, occupancy_rate, occupied_days, term_rule,
};
use parcours_persistence::holders::{self, Holder};
use parcours_persistence::hosting::{self, Agreement, NewAgreement, Space, Unit};
use parcours_persistence::organisations::Organisation;
use parcours_persistence::{ConnectionTrait, commit, organisations, projects};
use serde::Deserialize;

mod views;
pub use views::*;

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SpaceInput {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub address: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::QpvCode>))]
    pub qpv_code: Option<String>,
}

/// Describes a hosting place of the admin's organisation (CAQ, pépinière, couveuse,
/// incubateur, boutique à l'essai, CAE).
pub async fn create_space(
    core: &Core,
    actor: &Actor,
    input: SpaceInput,
    now: DateTime<Utc>,
) -> Result<Space> {
    actor.require_org_admin()?;
    let mut errors = ValidationErrors::new();
    let name = required_text(&mut errors, "name", Some(&input.name), 200, "obligatoire");
    let address = text(&mut errors, "address", input.address.as_deref(), 300);
    let qpv_code = optional(
        &mut errors,
        "qpv_code",
        input.qpv_code.as_deref(),
        QpvCode::parse,
    );
    let txn = core.db.begin_write().await?;
    let host = organisations::get(&txn, actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    if term_rule(host.kind).is_none() {
        errors.add(
            "organisation",
            "votre structure ne propose pas d'hébergement",
        );
    }
    errors.into_result()?;
    let space = hosting::create_space(
        &txn,
        actor.organisation_id,
        &name.unwrap_or_default(),
        address,
        qpv_code.map(|q| q.as_str().to_owned()),
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(space)
}

/// The hosting places of the actor's territory: a directory every user may read.
pub async fn list_spaces(core: &Core, actor: &Actor) -> Result<Vec<Space>> {
    let conn = core.db.conn();
    let (orgs, _) = organisations::list(
        conn,
        &organisations::ListQuery {
            territory_id: Some(actor.territory_id),
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    Ok(hosting::list_spaces(conn, Some(orgs.into_iter().map(|o| o.id).collect())).await?)
}

/// A space, its host, and what the policy lets the actor do with it: its host's users
/// and the territory's coordinator see it; 403 for others of the territory, 404 beyond.
async fn space(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<(Space, Organisation, SpaceAccess)> {
    let space = hosting::get_space(conn, id).await?.ok_or(Error::NotFound)?;
    let host = organisations::get(conn, space.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    match space_access(&actor.viewer(), host.id, host.territory.id) {
        access @ (SpaceAccess::Host | SpaceAccess::Coordinator) => Ok((space, host, access)),
        SpaceAccess::Forbidden => Err(Error::Forbidden(Refusal::OtherOrganisation)),
        SpaceAccess::Hidden => Err(Error::NotFound),
    }
}

/// A space the actor may see.
async fn visible_space(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> Result<Space> {
    Ok(space(conn, actor, id).await?.0)
}

/// A space of the actor's own organisation, which it manages and hosts in.
async fn own_space(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<(Space, Organisation)> {
    match space(conn, actor, id).await? {
        (space, host, SpaceAccess::Host) => Ok((space, host)),
        _ => Err(Error::Forbidden(Refusal::OtherOrganisation)),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    /// `bureau`, `atelier`, `boutique`, `poste_coworking` or `domiciliation`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::hosting::UnitKind))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub area_m2: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000))]
    pub monthly_rent_eur: i64,
}

/// Adds a unit to a space of the admin's organisation.
pub async fn create_unit(
    core: &Core,
    actor: &Actor,
    space_id: i64,
    input: UnitInput,
    now: DateTime<Utc>,
) -> Result<Unit> {
    actor.require_org_admin()?;
    let txn = core.db.begin_write().await?;
    let (space, _) = own_space(&txn, actor, space_id).await?;
    let mut errors = ValidationErrors::new();
    let kind = required(
        &mut errors,
        "kind",
        Some(&input.kind),
        str::parse::<UnitKind>,
    );
    let label = required_text(&mut errors, "label", Some(&input.label), 100, "obligatoire");
    if input.area_m2.is_some_and(|a| !(1..=10_000).contains(&a)) {
        errors.add("area_m2", "surface en m² entre 1 et 10 000");
    }
    if !(0..=100_000).contains(&input.monthly_rent_eur) {
        errors.add(
            "monthly_rent_eur",
            "loyer mensuel en euros entre 0 et 100 000",
        );
    }
    errors.into_result()?;
    let unit = hosting::create_unit(
        &txn,
        space.id,
        kind.unwrap_or(UnitKind::Bureau),
        &label.unwrap_or_default(),
        input.area_m2,
        input.monthly_rent_eur,
        now,
    )
    .await?;
    commit(txn).await?;
    Ok(unit)
}

/// The units of a space.
pub async fn list_units(core: &Core, actor: &Actor, space_id: i64) -> Result<Vec<Unit>> {
    let conn = core.db.conn();
    let space = visible_space(conn, actor, space_id).await?;
    Ok(hosting::units_of(conn, space.id).await?)
}

/// One unit's occupancy over the period.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitOccupancy {
    pub unit: Unit,
    pub occupied_days: i64,
    pub days: i64,
    /// Occupied days / days, 0 to 1.
    pub rate: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Occupancy {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub units: Vec<UnitOccupancy>,
    /// Occupied unit-days / available unit-days.
    pub overall_rate: f64,
}

/// Occupancy of each unit and of the whole space over a period (the current month by
/// default): aggregates, no person.
pub async fn occupancy(
    core: &Core,
    actor: &Actor,
    space_id: i64,
    input: &PeriodInput,
    now: DateTime<Utc>,
) -> Result<Occupancy> {
    let today = parcours_domain::calendar::paris_day(now);
    let month_start = today.with_day(1).unwrap_or(today);
    let next_month = month_start
        .checked_add_months(Months::new(1))
        .unwrap_or(today);
    let mut errors = ValidationErrors::new();
    let (from, to) = period(&mut errors, input, (month_start, next_month));
    errors.into_result()?;
    let conn = core.db.conn();
    let space = visible_space(conn, actor, space_id).await?;
    let units = hosting::units_of(conn, space.id).await?;
    let agreements =
        hosting::for_units_between(conn, units.iter().map(|u| u.id).collect(), from, to).await?;
    let days = (to - from).num_days();
    let mut total_occupied = 0;
    let rows: Vec<UnitOccupancy> = units
        .into_iter()
        .map(|unit| {
            let spans: Vec<(NaiveDate, NaiveDate)> = agreements
                .iter()
                .filter(|a| a.unit_id == unit.id)
                .map(|a| (a.start_date, a.end()))
                .collect();
            let occupied = spans
                .iter()
                .map(|(s, e)| occupied_days(*s, *e, from, to))
                .sum::<i64>()
                .min(days);
            total_occupied += occupied;
            UnitOccupancy {
                rate: occupancy_rate(&spans, from, to),
                unit,
                occupied_days: occupied,
                days,
            }
        })
        .collect();
    let overall_rate = if rows.is_empty() {
        0.0
    } else {
        total_occupied as f64 / (days * rows.len() as i64) as f64
    };
    Ok(Occupancy {
        from,
        to,
        units: rows,
        overall_rate,
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    pub unit_id: i64,
    pub holder_id: i64,
    pub project_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub start_date: String,
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub planned_end: String,
    /// Renewals included in the planned term (e.g. 1 for a boutique à l'essai renewed once).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub renewals: Option<i32>,
    /// Default: the unit's rent.
    pub monthly_rent_eur: Option<i64>,
}

/// An agreement with the person hosted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementDetail {
    pub agreement: Agreement,
    pub holder: Holder,
}

async fn agreement_detail(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    agreement: Agreement,
    now: DateTime<Utc>,
) -> Result<AgreementDetail> {
    let holder = holders::get(conn, agreement.holder_id)
        .await?
        .ok_or(Error::NotFound)?;
    audit_in(conn, actor, AuditAction::HostingRead, &[holder.id], now).await?;
    Ok(AgreementDetail { agreement, holder })
}

/// Hosts a holder in a unit of the actor's organisation: the référent organisation or
/// a partner with an accepted referral records it. The unit must be free for the whole
/// term (the database refuses overlaps, even between racing requests); the holder moves
/// to `hebergement` if their pathway is open and not there yet.
pub async fn create_agreement(
    core: &Core,
    actor: &Actor,
    input: AgreementInput,
    now: DateTime<Utc>,
) -> Result<AgreementDetail> {
    // Two agreements on the same unit inserted at the same instant can each wait for
    // the other on PostgreSQL's exclusion constraint; the engine breaks the deadlock by
    // aborting one, which, tried again, meets the winner's agreement: a clear overlap.
    for _ in 0..2 {
        match create_agreement_once(core, actor, input.clone(), now).await {
            Err(Error::Unavailable(parcours_persistence::PersistenceError::Retry(_))) => {}
            other => return other,
        }
    }
    create_agreement_once(core, actor, input, now).await
}

async fn create_agreement_once(
    core: &Core,
    actor: &Actor,
    input: AgreementInput,
    now: DateTime<Utc>,
) -> Result<AgreementDetail> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let unit = hosting::get_unit(&txn, input.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    let (_, host) = own_space(&txn, actor, unit.space_id).await?;
    let agreement = write_in(
        &txn,
        core,
        actor,
        input.holder_id,
        AuditAction::HostingCreate,
        now,
        async |txn, holder, record: Record| {
            let mut errors = ValidationErrors::new();
            let start = errors.check("start_date", parse_date(&input.start_date));
            let end = errors.check("planned_end", parse_date(&input.planned_end));
            let renewals = input.renewals.unwrap_or(0);
            if renewals < 0 {
                errors.add("renewals", "positif ou nul");
            }
            if let (Some(start), Some(end)) = (start, end)
                && let Err(e) =
                    check_term(host.kind, start, end, u32::try_from(renewals).unwrap_or(0))
            {
                errors.add("planned_end", e.to_string());
            }
            if let Some(project_id) = input.project_id
                && projects::get(txn, project_id)
                    .await?
                    .is_none_or(|p| p.holder_id != holder.id)
            {
                errors.add("project_id", "projet inconnu pour cette personne");
            }
            if input
                .monthly_rent_eur
                .is_some_and(|r| !(0..=100_000).contains(&r))
            {
                errors.add(
                    "monthly_rent_eur",
                    "loyer mensuel en euros entre 0 et 100 000",
                );
            }
            errors.into_result()?;
            let agreement = hosting::create_agreement(
                txn,
                &record,
                NewAgreement {
                    unit_id: unit.id,
                    project_id: input.project_id,
                    organisation_id: actor.organisation_id,
                    start_date: start.unwrap_or_default(),
                    planned_end: end.unwrap_or_default(),
                    renewals,
                    monthly_rent_eur: input.monthly_rent_eur.unwrap_or(unit.monthly_rent_eur),
                    created_by: actor.user_id,
                },
                now,
            )
            .await?;
            crate::holders::move_in(txn, &record, &holder, actor, now).await?;
            Ok(agreement)
        },
    )
    .await?;
    let body = agreement_detail(&txn, actor, agreement, now).await?;
    commit(txn).await?;
    Ok(body)
}

/// Filters of the host's agreements, as typed.
#[derive(Clone, Debug, Default)]
pub struct AgreementFilters {
    /// `true` for running agreements only.
    pub running: Option<String>,
    pub page: PageRequest,
}

/// The organisation's hosting agreements, newest first.
pub async fn list_agreements(
    core: &Core,
    actor: &Actor,
    filters: &AgreementFilters,
    now: DateTime<Utc>,
) -> Result<Page<AgreementDetail>> {
    actor.require_personal_data()?;
    let mut errors = ValidationErrors::new();
    let (before, limit) = filters.page.parse(&mut errors);
    let running = match filters.running.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.add("running", "true ou false");
            false
        }
    };
    errors.into_result()?;
    let txn = core.db.begin_write().await?;
    let (rows, more) =
        hosting::list_agreements(&txn, actor.organisation_id, running, before, limit).await?;
    let mut items = Vec::with_capacity(rows.len());
    for agreement in rows {
        items.push(agreement_detail(&txn, actor, agreement, now).await?);
    }
    commit(txn).await?;
    Ok(Page::of(items, more, |a| a.agreement.id))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// `installe_locaux_propres`, `fin_de_convention`, `fin_anticipee` or `cessation_activite`.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::hosting::EndReason))]
    pub reason: String,
    /// Default: today.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub actual_end: Option<String>,
}

/// Ends one of the host's agreements, with its reason.
pub async fn end_agreement(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: EndInput,
    now: DateTime<Utc>,
) -> Result<AgreementDetail> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let agreement = hosting::get_agreement(&txn, id)
        .await?
        .filter(|a| a.organisation_id == actor.organisation_id)
        .ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let reason = required(
        &mut errors,
        "reason",
        Some(&input.reason),
        str::parse::<EndReason>,
    );
    let end = match input.actual_end.as_deref() {
        None => Some(parcours_domain::calendar::paris_day(now)),
        Some(raw) => errors.check("actual_end", parse_date(raw)),
    };
    if end.is_some_and(|e| e <= agreement.start_date) {
        errors.add("actual_end", "doit suivre le début de la convention");
    }
    if agreement.actual_end.is_some() {
        errors.add("actual_end", "la convention est déjà terminée");
    }
    errors.into_result()?;
    let ended = hosting::end_agreement(
        &txn,
        agreement.id,
        end.unwrap_or_default(),
        reason.unwrap_or(EndReason::FinDeConvention),
    )
    .await?
    .ok_or_else(|| Error::Conflict("la convention est déjà terminée".into()))?;
    // The host's own contract: it ends it, referral or not, and the change is audited.
    audit_in(
        &txn,
        actor,
        AuditAction::HostingEnd,
        &[ended.holder_id],
        now,
    )
    .await?;
    let body = agreement_detail(&txn, actor, ended, now).await?;
    commit(txn).await?;
    Ok(body)
}
