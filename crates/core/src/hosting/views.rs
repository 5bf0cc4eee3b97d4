//! What the hosting pages show a host: its spaces and units with who occupies them
//! today, the people hosted, the agreements ending soon, one unit month by month; one
//! agreement, and its renewal under the host's rules.

use super::{AgreementDetail, space};
use crate::access::audit_in;
use crate::contacts::ENDING_WITHIN;
use crate::text::required_text;
use crate::{Actor, Core, Error, Result};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::SpaceAccess;
use parcours_domain::audit::AuditAction;
use parcours_domain::holders::parse_date;
use parcours_domain::hosting::{occupied_days, renew, renewal_end, term_rule};
use parcours_persistence::holders::{self, Holder};
use parcours_persistence::hosting::{self, Agreement, Space, Unit};
use parcours_persistence::organisations::{self, Organisation};
use parcours_persistence::{ConnectionTrait, commit};
use serde::Deserialize;
use std::collections::HashMap;

/// A running agreement where it is: the person, the unit, the space, and the end a
/// renewal would propose under the host's rules (none when the rules grant no more).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedAgreement {
    pub agreement: Agreement,
    pub holder: Holder,
    pub unit: Unit,
    pub space: Space,
    pub renewal_end: Option<NaiveDate>,
}

/// A unit and the agreement occupying it today, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitNow {
    pub unit: Unit,
    pub current: Option<AgreementDetail>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceUnits {
    pub space: Space,
    pub units: Vec<UnitNow>,
}

/// What « Hébergement » shows an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overview {
    pub host: Organisation,
    /// Whether the organisation's kind hosts at all (CAQ, pépinière, couveuse…).
    pub hosts: bool,
    pub spaces: Vec<SpaceUnits>,
    /// The agreements not ended, by start: the people hosted or about to be.
    pub hosted: Vec<HostedAgreement>,
    /// Those whose planned end is within 60 days, or past without being ended.
    pub ending: Vec<HostedAgreement>,
    /// For an organisation without a space: the territory's hosting places and their
    /// hosts, to know where to refer.
    pub directory: Vec<(Space, String)>,
}

/// The agreements' people, read for the host and audited as such.
async fn people(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    agreements: &[Agreement],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Holder>> {
    let mut ids: Vec<i64> = agreements.iter().map(|a| a.holder_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = holders::get_many(conn, &ids).await?;
    audit_in(conn, actor, AuditAction::HostingRead, &ids, now).await?;
    Ok(people.into_iter().map(|h| (h.id, h)).collect())
}

/// The organisation's spaces and units, who occupies each today, the people hosted and
/// the agreements ending soon; the territory's hosting places when it has none.
pub async fn overview(core: &Core, actor: &Actor, now: DateTime<Utc>) -> Result<Overview> {
    actor.require_personal_data()?;
    let today = parcours_domain::calendar::paris_day(now);
    let txn = core.db.begin_write().await?;
    let host = organisations::get(&txn, actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let spaces = hosting::list_spaces(&txn, Some(vec![host.id])).await?;
    let mut units: HashMap<i64, (Unit, Space)> = HashMap::new();
    let mut by_space = Vec::with_capacity(spaces.len());
    for space in spaces {
        let of_space = hosting::units_of(&txn, space.id).await?;
        for unit in &of_space {
            units.insert(unit.id, (unit.clone(), space.clone()));
        }
        by_space.push((space, of_space));
    }
    let (running, _) = hosting::list_agreements(&txn, host.id, true, None, 500).await?;
    let people = people(&txn, actor, &running, now).await?;
    let mut directory = Vec::new();
    if by_space.is_empty() {
        let (orgs, _) = organisations::list(
            &txn,
            &organisations::ListQuery {
                territory_id: Some(actor.territory_id),
                limit: 200,
                ..Default::default()
            },
        )
        .await?;
        let names: HashMap<i64, String> = orgs.into_iter().map(|o| (o.id, o.name)).collect();
        for space in hosting::list_spaces(&txn, Some(names.keys().copied().collect())).await? {
            let name = names
                .get(&space.organisation_id)
                .cloned()
                .unwrap_or_default();
            directory.push((space, name));
        }
    }
    commit(txn).await?;

    let mut hosted: Vec<HostedAgreement> = running
        .into_iter()
        .filter_map(|agreement| {
            let holder = people.get(&agreement.holder_id)?.clone();
            let (unit, space) = units.get(&agreement.unit_id)?.clone();
            Some(HostedAgreement {
                renewal_end: renewal_end(host.kind, agreement.start_date, agreement.planned_end),
                agreement,
                holder,
                unit,
                space,
            })
        })
        .collect();
    hosted.sort_by_key(|h| (h.agreement.start_date, h.agreement.id));
    let mut ending: Vec<HostedAgreement> = hosted
        .iter()
        .filter(|h| h.agreement.planned_end <= today + ENDING_WITHIN)
        .cloned()
        .collect();
    ending.sort_by_key(|h| (h.agreement.planned_end, h.agreement.id));
    let spaces = by_space
        .into_iter()
        .map(|(space, units)| SpaceUnits {
            space,
            units: units
                .into_iter()
                .map(|unit| UnitNow {
                    current: hosted
                        .iter()
                        .find(|h| {
                            h.unit.id == unit.id
                                && h.agreement.start_date <= today
                                && today < h.agreement.end()
                        })
                        .map(|h| AgreementDetail {
                            agreement: h.agreement.clone(),
                            holder: h.holder.clone(),
                        }),
                    unit,
                })
                .collect(),
        })
        .collect();
    Ok(Overview {
        hosts: term_rule(host.kind).is_some(),
        host,
        spaces,
        hosted,
        ending,
        directory,
    })
}

/// A unit of one of the actor's own spaces; any other unit is not found, since the
/// pages that ask show the people hosted.
async fn own_unit(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    unit_id: i64,
) -> Result<(Unit, Space, Organisation)> {
    actor.require_personal_data()?;
    let unit = hosting::get_unit(conn, unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    match space(conn, actor, unit.space_id).await {
        Ok((space, host, SpaceAccess::Host)) => Ok((unit, space, host)),
        Ok(_) | Err(Error::Forbidden(_)) => Err(Error::NotFound),
        Err(other) => Err(other),
    }
}

/// The actor's own spaces with their units, to choose where to host someone.
pub async fn own_spaces(core: &Core, actor: &Actor) -> Result<Vec<(Space, Vec<Unit>)>> {
    actor.require_personal_data()?;
    let conn = core.db.conn();
    let mut out = Vec::new();
    for space in hosting::list_spaces(conn, Some(vec![actor.organisation_id])).await? {
        let units = hosting::units_of(conn, space.id).await?;
        out.push((space, units));
    }
    Ok(out)
}

/// One of the actor's own spaces, to add a unit to it; any other is not found.
pub async fn host_space(core: &Core, actor: &Actor, space_id: i64) -> Result<Space> {
    match space(core.db.conn(), actor, space_id).await {
        Ok((space, _, SpaceAccess::Host)) => Ok(space),
        Ok(_) | Err(Error::Forbidden(_)) => Err(Error::NotFound),
        Err(other) => Err(other),
    }
}

/// One month of a unit: how many of its days are occupied, and by which agreements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthOccupancy {
    /// Its first day.
    pub month: NaiveDate,
    pub days: i64,
    pub occupied_days: i64,
    pub agreement_ids: Vec<i64>,
}

/// A unit month by month, and all its agreements, latest start first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitCalendar {
    pub space: Space,
    pub unit: Unit,
    pub months: Vec<MonthOccupancy>,
    pub agreements: Vec<HostedAgreement>,
}

/// How many months the calendar of a unit shows.
pub const CALENDAR_MONTHS: u32 = 12;

/// A unit of the actor's organisation over twelve months from `first_month`
/// (`AAAA-MM`, the current month by default).
pub async fn unit_calendar(
    core: &Core,
    actor: &Actor,
    unit_id: i64,
    first_month: Option<&str>,
    now: DateTime<Utc>,
) -> Result<UnitCalendar> {
    let today = parcours_domain::calendar::paris_day(now);
    let start = match first_month.filter(|m| !m.is_empty()) {
        None => today.with_day(1).unwrap_or(today),
        Some(raw) => NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
            .map_err(|_| Error::invalid("depuis", "un mois au format AAAA-MM"))?,
    };
    let txn = core.db.begin_write().await?;
    let (unit, space, host) = own_unit(&txn, actor, unit_id).await?;
    let agreements = hosting::of_unit(&txn, unit.id).await?;
    let people = people(&txn, actor, &agreements, now).await?;
    commit(txn).await?;
    let months = (0..CALENDAR_MONTHS)
        .filter_map(|i| {
            let month = start.checked_add_months(Months::new(i))?;
            let next = month.checked_add_months(Months::new(1))?;
            let touching: Vec<&Agreement> = agreements
                .iter()
                .filter(|a| occupied_days(a.start_date, a.end(), month, next) > 0)
                .collect();
            let days = (next - month).num_days();
            Some(MonthOccupancy {
                month,
                days,
                occupied_days: touching
                    .iter()
                    .map(|a| occupied_days(a.start_date, a.end(), month, next))
                    .sum::<i64>()
                    .min(days),
                agreement_ids: touching.iter().map(|a| a.id).collect(),
            })
        })
        .collect();
    let agreements = agreements
        .into_iter()
        .filter_map(|agreement| {
            Some(HostedAgreement {
                holder: people.get(&agreement.holder_id)?.clone(),
                unit: unit.clone(),
                space: space.clone(),
                renewal_end: agreement
                    .actual_end
                    .is_none()
                    .then(|| renewal_end(host.kind, agreement.start_date, agreement.planned_end))
                    .flatten(),
                agreement,
            })
        })
        .collect();
    Ok(UnitCalendar {
        space,
        unit,
        months,
        agreements,
    })
}

/// One of the host's agreements, where it is; another organisation's is not found.
pub async fn hosted_agreement(
    core: &Core,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<HostedAgreement> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let agreement = hosting::get_agreement(&txn, id)
        .await?
        .filter(|a| a.organisation_id == actor.organisation_id)
        .ok_or(Error::NotFound)?;
    let (unit, space, host) = own_unit(&txn, actor, agreement.unit_id).await?;
    let holder = people(&txn, actor, std::slice::from_ref(&agreement), now)
        .await?
        .remove(&agreement.holder_id)
        .ok_or(Error::NotFound)?;
    commit(txn).await?;
    Ok(HostedAgreement {
        renewal_end: agreement
            .actual_end
            .is_none()
            .then(|| renewal_end(host.kind, agreement.start_date, agreement.planned_end))
            .flatten(),
        agreement,
        holder,
        unit,
        space,
    })
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewInput {
    /// The new planned end.
    pub planned_end: String,
}

/// Renews one of the host's running agreements to a later planned end, under the
/// host's rules: within the term granted it is a prolongation, beyond it one more of
/// the renewals the rule allows. The unit must stay free until then (the database
/// refuses an overlap).
pub async fn renew_agreement(
    core: &Core,
    actor: &Actor,
    id: i64,
    input: RenewInput,
    now: DateTime<Utc>,
) -> Result<AgreementDetail> {
    actor.require_personal_data()?;
    let txn = core.db.begin_write().await?;
    let agreement = hosting::get_agreement(&txn, id)
        .await?
        .filter(|a| a.organisation_id == actor.organisation_id)
        .ok_or(Error::NotFound)?;
    let host = organisations::get(&txn, actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut errors = ValidationErrors::new();
    let typed = required_text(
        &mut errors,
        "planned_end",
        Some(&input.planned_end),
        20,
        "obligatoire",
    );
    let new_end = typed.and_then(|t| errors.check("planned_end", parse_date(&t)));
    let mut renewals = agreement.renewals;
    if agreement.actual_end.is_some() {
        errors.add("planned_end", "la convention est déjà terminée");
    } else if let Some(new_end) = new_end {
        match renew(
            host.kind,
            agreement.start_date,
            agreement.planned_end,
            u32::try_from(agreement.renewals).unwrap_or(0),
            new_end,
        ) {
            Ok(after) => renewals = i32::try_from(after).unwrap_or(agreement.renewals),
            Err(e) => errors.add("planned_end", e.to_string()),
        }
    }
    errors.into_result()?;
    let renewed = hosting::renew_agreement(
        &txn,
        agreement.id,
        new_end.unwrap_or(agreement.planned_end),
        renewals,
    )
    .await?
    .ok_or_else(|| Error::Conflict("la convention est déjà terminée".into()))?;
    let holder = holders::get(&txn, renewed.holder_id)
        .await?
        .ok_or(Error::NotFound)?;
    audit_in(&txn, actor, AuditAction::HostingRenew, &[holder.id], now).await?;
    commit(txn).await?;
    Ok(AgreementDetail {
        agreement: renewed,
        holder,
    })
}

/// Whether the actor's organisation has a unit to host someone in: the person's file
/// offers « Héberger » then.
pub async fn has_units(core: &Core, actor: &Actor) -> Result<bool> {
    if !parcours_domain::access::handles_personal_data(actor.role) {
        return Ok(false);
    }
    let conn = core.db.conn();
    for space in hosting::list_spaces(conn, Some(vec![actor.organisation_id])).await? {
        if !hosting::units_of(conn, space.id).await?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}
