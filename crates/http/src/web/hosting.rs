//! « Hébergement »: a host's spaces and units with who occupies them today, the people
//! hosted and the agreements ending soon; a unit month by month; hosting someone,
//! renewing under the host's rules, ending with a reason. Organisations that host no
//! one see the territory's hosting places instead.

use super::page::{Errors, Fields, Layout, PageError, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use super::{FlashQuery, fr, person_href};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use parcours_core::hosting::{
    self, AgreementInput, EndInput, HostedAgreement, RenewInput, SpaceInput, UnitInput,
};
use parcours_core::{Error, PageRequest, Refusal, holders};
use parcours_domain::ValidationErrors;
use parcours_domain::hosting::{EndReason, UnitKind};
use parcours_domain::labels::Label;
use parcours_domain::users::Role;

mod agreements;
mod places;

pub use agreements::*;
pub use places::*;

/// A form as typed, with its errors.
#[derive(Default)]
struct Typed {
    fields: Fields,
    errors: Errors,
}

impl Typed {
    fn value(&self, name: &str) -> &str {
        self.fields.raw(name).unwrap_or_default()
    }

    fn status(&self) -> StatusCode {
        self.errors.status()
    }
}

/// A use case's refusal on a page whose fields are named apart from the API's (one
/// field name, one label, whichever form: `kind` is a contact's type elsewhere).
fn renamed(errors: ValidationErrors, names: &[(&str, &str)], order: &[&str]) -> Errors {
    let mut errors = Errors::from_validation(errors);
    for item in &mut errors.items {
        if let Some((_, to)) = names.iter().find(|(from, _)| *from == item.0) {
            item.0 = (*to).to_owned();
        }
    }
    errors.sorted_by(order)
}

/// Another organisation's space, unit or agreement is not found on the pages.
fn hidden(error: Error) -> PageError {
    match error {
        Error::Forbidden(Refusal::OtherOrganisation) => PageError::NotFound,
        other => other.into(),
    }
}

fn euros(amount: i64) -> String {
    format!("{} €", fr::number(amount))
}

/// « novembre 2026 ».
fn month_name(month: NaiveDate) -> String {
    fr::short_date(month)
        .split_once(' ')
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default()
}

fn unit_href(id: i64) -> String {
    format!("/hebergement/unites/{id}")
}

/// A running agreement as the lists show it.
struct HostedRow {
    id: i64,
    person: String,
    person_href: String,
    unit: String,
    unit_href: String,
    start: String,
    end: String,
    when: String,
    late: bool,
    may_renew: bool,
}

fn hosted_row(h: &HostedAgreement, today: NaiveDate) -> HostedRow {
    HostedRow {
        id: h.agreement.id,
        person: h.holder.full_name(),
        person_href: person_href(h.holder.id),
        unit: format!("{} — {}", h.unit.label, h.space.name),
        unit_href: unit_href(h.unit.id),
        start: fr::short_date(h.agreement.start_date),
        end: fr::short_date(h.agreement.planned_end),
        when: fr::relative_days(h.agreement.planned_end, today),
        late: h.agreement.planned_end < today,
        may_renew: h.renewal_end.is_some(),
    }
}

struct UnitRow {
    href: String,
    label: String,
    kind: &'static str,
    area: String,
    rent: String,
    occupant: Option<Occupant>,
}

struct Occupant {
    name: String,
    href: String,
    until: String,
}

struct SpaceBlock {
    id: i64,
    name: String,
    address: String,
    units: Vec<UnitRow>,
    occupied: usize,
}

struct PlaceRow {
    name: String,
    host: String,
    address: String,
}

#[derive(Template)]
#[template(path = "web/hosting.html")]
struct OverviewPage {
    layout: Layout,
    hosts: bool,
    admin: bool,
    spaces: Vec<SpaceBlock>,
    hosted: Vec<HostedRow>,
    ending: Vec<HostedRow>,
    directory: Vec<PlaceRow>,
}

/// « Hébergement ».
pub async fn overview(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let today = fr::local_day(now);
    let o = hosting::overview(&state.core, user.actor(), now).await?;
    let spaces = o
        .spaces
        .iter()
        .map(|s| {
            let units: Vec<UnitRow> = s
                .units
                .iter()
                .map(|u| UnitRow {
                    href: unit_href(u.unit.id),
                    label: u.unit.label.clone(),
                    kind: u.unit.kind.label(),
                    area: u
                        .unit
                        .area_m2
                        .map(|a| format!("{} m²", fr::number(a.into())))
                        .unwrap_or_default(),
                    rent: euros(u.unit.monthly_rent_eur),
                    occupant: u.current.as_ref().map(|c| Occupant {
                        name: c.holder.full_name(),
                        href: person_href(c.holder.id),
                        until: fr::short_date(c.agreement.planned_end),
                    }),
                })
                .collect();
            SpaceBlock {
                id: s.space.id,
                name: s.space.name.clone(),
                address: s.space.address.clone().unwrap_or_default(),
                occupied: units.iter().filter(|u| u.occupant.is_some()).count(),
                units,
            }
        })
        .collect();
    let page = OverviewPage {
        layout: user
            .layout("Hébergement", "/hebergement")
            .with_flash(flash.message()),
        hosts: o.hosts,
        admin: user.actor().role == Role::OrgAdmin,
        spaces,
        hosted: o.hosted.iter().map(|h| hosted_row(h, today)).collect(),
        ending: o.ending.iter().map(|h| hosted_row(h, today)).collect(),
        directory: o
            .directory
            .into_iter()
            .map(|(space, host)| PlaceRow {
                name: space.name,
                host,
                address: space.address.unwrap_or_default(),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &page))
}

struct MonthRow {
    month: String,
    occupied: String,
    rate: String,
    state: &'static str,
    people: Vec<String>,
}

struct AgreementRow {
    id: i64,
    person: String,
    person_href: String,
    start: String,
    end: String,
    renewals: i32,
    rent: String,
    status: String,
    running: bool,
    may_renew: bool,
}

#[derive(Template)]
#[template(path = "web/hosting_unit.html")]
struct UnitPage {
    layout: Layout,
    id: i64,
    space: String,
    facts: String,
    caption: String,
    months: Vec<MonthRow>,
    previous: String,
    next: String,
    agreements: Vec<AgreementRow>,
}

#[derive(serde::Deserialize, Default)]
pub struct UnitQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    depuis: Option<String>,
}

fn month_param(month: NaiveDate) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

/// A unit month by month (twelve months, a table), and its agreements.
pub async fn unit_page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(query): Query<UnitQuery>,
) -> PageResult {
    let calendar =
        hosting::unit_calendar(&state.core, user.actor(), id, query.depuis.as_deref(), now)
            .await
            .map_err(|e| match e {
                Error::Invalid(_) => PageError::NotFound,
                other => hidden(other),
            })?;
    let names: std::collections::HashMap<i64, String> = calendar
        .agreements
        .iter()
        .map(|a| (a.agreement.id, a.holder.full_name()))
        .collect();
    let months: Vec<MonthRow> = calendar
        .months
        .iter()
        .map(|m| MonthRow {
            month: month_name(m.month),
            occupied: format!("{} sur {}", m.occupied_days, m.days),
            rate: format!("{} %", (m.occupied_days * 100 + m.days / 2) / m.days.max(1)),
            state: if m.occupied_days == 0 {
                "libre"
            } else if m.occupied_days >= m.days {
                "occupée"
            } else {
                "en partie occupée"
            },
            people: m
                .agreement_ids
                .iter()
                .filter_map(|id| names.get(id).cloned())
                .collect(),
        })
        .collect();
    let first = calendar.months.first().map(|m| m.month);
    let last = calendar.months.last().map(|m| m.month);
    let caption = match (first, last) {
        (Some(first), Some(last)) => format!(
            "Occupation mois par mois, de {} à {}",
            month_name(first),
            month_name(last)
        ),
        _ => "Occupation mois par mois".to_owned(),
    };
    let shift = |months: i32| {
        first
            .and_then(|f| {
                if months < 0 {
                    f.checked_sub_months(Months::new(months.unsigned_abs()))
                } else {
                    f.checked_add_months(Months::new(months.unsigned_abs()))
                }
            })
            .map(|m| format!("{}?depuis={}", unit_href(id), month_param(m)))
            .unwrap_or_default()
    };
    let unit = &calendar.unit;
    let mut facts = vec![unit.kind.label().to_owned()];
    if let Some(area) = unit.area_m2 {
        facts.push(format!("{} m²", fr::number(area.into())));
    }
    facts.push(format!("{} par mois", euros(unit.monthly_rent_eur)));
    let page = UnitPage {
        layout: user
            .layout(format!("Unité {}", unit.label), "/hebergement")
            .with_flash(query.flash.message()),
        id,
        space: calendar.space.name.clone(),
        facts: facts.join(" · "),
        caption,
        months,
        previous: shift(-12),
        next: shift(12),
        agreements: calendar
            .agreements
            .iter()
            .map(|a| AgreementRow {
                id: a.agreement.id,
                person: a.holder.full_name(),
                person_href: person_href(a.holder.id),
                start: fr::short_date(a.agreement.start_date),
                end: match a.agreement.actual_end {
                    Some(end) => format!(
                        "{} (prévue le {})",
                        fr::short_date(end),
                        fr::short_date(a.agreement.planned_end)
                    ),
                    None => format!("{} (prévue)", fr::short_date(a.agreement.planned_end)),
                },
                renewals: a.agreement.renewals,
                rent: euros(a.agreement.monthly_rent_eur),
                status: match a.agreement.end_reason {
                    Some(reason) => format!("Terminée : {}", reason.label()),
                    None => "En cours".to_owned(),
                },
                running: a.agreement.actual_end.is_none(),
                may_renew: a.renewal_end.is_some(),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &page))
}
