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
        if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
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

#[derive(Template)]
#[template(path = "web/hosting_space.html")]
struct SpacePage {
    layout: Layout,
    csrf: String,
    /// Set when a unit is added to this space; a new space otherwise.
    space: Option<(i64, String)>,
    form: Typed,
    kinds: Vec<(&'static str, &'static str)>,
}

impl SpacePage {
    fn value(&self, name: &str) -> &str {
        self.form.value(name)
    }
}

const SPACE_ORDER: &[&str] = &["organisation", "space_name", "address", "qpv_code"];
const UNIT_ORDER: &[&str] = &["unit_kind", "unit_label", "area_m2", "monthly_rent_eur"];

fn space_page(user: &Signed, space: Option<(i64, String)>, form: Typed) -> PageResult {
    let title = match &space {
        None => "Décrire un espace d'hébergement".to_owned(),
        Some((_, name)) => format!("Ajouter une unité à {name}"),
    };
    let status = form.status();
    Ok(html(
        status,
        &SpacePage {
            layout: user.layout(title, "/hebergement"),
            csrf: user.csrf.clone(),
            space,
            form,
            kinds: UnitKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
        },
    ))
}

pub async fn space_form(user: Signed) -> PageResult {
    space_page(&user, None, Typed::default())
}

pub async fn space_submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone().sorted_by(SPACE_ORDER);
        return space_page(&user, None, Typed { fields, errors });
    }
    let input = SpaceInput {
        name: fields.get("space_name").unwrap_or_default(),
        address: fields.get("address"),
        qpv_code: fields.get("qpv_code").map(|c| c.to_uppercase()),
    };
    match hosting::create_space(&state.core, user.actor(), input, now).await {
        Ok(_) => Ok(see_other("/hebergement", Some("espace-cree"))),
        Err(Error::Invalid(errors)) => {
            let errors = renamed(errors, &[("name", "space_name")], SPACE_ORDER);
            space_page(&user, None, Typed { fields, errors })
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn unit_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    let space = hosting::host_space(&state.core, user.actor(), id).await?;
    space_page(&user, Some((space.id, space.name)), Typed::default())
}

/// A whole number typed on a form, or an error on its field.
fn number<T: std::str::FromStr>(
    fields: &Fields,
    name: &str,
    errors: &mut Errors,
    message: &str,
) -> Option<T> {
    let raw = fields.get(name)?;
    match raw.replace([' ', '\u{202f}', '\u{a0}'], "").parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(name, message);
            None
        }
    }
}

pub async fn unit_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let space = hosting::host_space(&state.core, user.actor(), id).await?;
    let target = Some((space.id, space.name));
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone().sorted_by(UNIT_ORDER);
        return space_page(&user, target, Typed { fields, errors });
    }
    // Numbers that are none go to the use case out of its range, so that one answer
    // names every field in error; the message says what was wrong with what was typed.
    let mut typed = Errors::default();
    let area = number(&fields, "area_m2", &mut typed, "un nombre entier de m²");
    let rent = number(
        &fields,
        "monthly_rent_eur",
        &mut typed,
        "un nombre entier d'euros",
    );
    if fields.get("monthly_rent_eur").is_none() {
        typed.add(
            "monthly_rent_eur",
            "obligatoire (0 si l'unité est gratuite)",
        );
    }
    let input = UnitInput {
        kind: fields.get("unit_kind").unwrap_or_default(),
        label: fields.get("unit_label").unwrap_or_default(),
        area_m2: if typed.has("area_m2") { Some(0) } else { area },
        monthly_rent_eur: rent.unwrap_or(-1),
    };
    match hosting::create_unit(&state.core, user.actor(), id, input, now).await {
        Ok(unit) => Ok(see_other(&unit_href(unit.id), Some("unite-creee"))),
        Err(Error::Invalid(errors)) => {
            let mut errors = renamed(
                errors,
                &[("kind", "unit_kind"), ("label", "unit_label")],
                UNIT_ORDER,
            );
            for item in &mut errors.items {
                if let Some(message) = typed.get(&item.0) {
                    item.1 = message.to_owned();
                }
            }
            space_page(&user, target, Typed { fields, errors })
        }
        Err(other) => Err(hidden(other)),
    }
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

struct UnitChoice {
    id: String,
    label: String,
}

struct PersonChoice {
    href: String,
    name: String,
}

#[derive(Template)]
#[template(path = "web/hosting_agreement.html")]
struct AgreementPage {
    layout: Layout,
    csrf: String,
    /// The person chosen (id, name), or none yet.
    person: Option<(i64, String)>,
    /// The unit chosen in the link, kept while a person is looked for.
    unit: String,
    q: String,
    found: Option<Vec<PersonChoice>>,
    units: Vec<UnitChoice>,
    today: String,
    form: Typed,
}

impl AgreementPage {
    fn value(&self, name: &str) -> &str {
        self.form.value(name)
    }

    /// What a field of a new form starts with: today as the start.
    fn initial(&self, name: &str) -> &str {
        if name == "start_date" {
            &self.today
        } else {
            ""
        }
    }

    /// The unit chosen on the form, or else in the link.
    fn selected(&self, unit: &str) -> bool {
        match self.value("unit_id") {
            "" => self.unit == unit,
            chosen => chosen == unit,
        }
    }
}

const AGREEMENT_ORDER: &[&str] = &[
    "holder_id",
    "unit_id",
    "start_date",
    "planned_end",
    "monthly_rent_eur",
];

#[derive(serde::Deserialize, Default)]
pub struct AgreementQuery {
    personne: Option<String>,
    unite: Option<String>,
    q: Option<String>,
}

async fn agreement_page(
    state: &AppState,
    user: &Signed,
    query: AgreementQuery,
    form: Typed,
    now: DateTime<Utc>,
) -> PageResult {
    let person = match query.personne.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(raw) => {
            let id = crate::extract::path_id(raw).ok_or(PageError::NotFound)?;
            let file = holders::read(&state.core, user.actor(), id, now).await?;
            Some((file.holder.id, file.holder.full_name()))
        }
    };
    let q = query.q.clone().unwrap_or_default();
    let found = match (&person, q.trim()) {
        (None, typed) if !typed.is_empty() => {
            let listed = holders::list(
                &state.core,
                user.actor(),
                &holders::ListInput {
                    q: Some(typed.to_owned()),
                    page: PageRequest::default(),
                    ..Default::default()
                },
                now,
            )
            .await
            .map_err(|e| match e {
                Error::Invalid(_) => PageError::NotFound,
                other => other.into(),
            })?;
            let unit = query.unite.clone().unwrap_or_default();
            Some(
                listed
                    .items
                    .iter()
                    .map(|h| PersonChoice {
                        href: format!(
                            "/hebergement/conventions/nouvelle?personne={}&unite={}",
                            h.id,
                            super::page::encode(&unit)
                        ),
                        name: h.full_name(),
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    let units = hosting::own_spaces(&state.core, user.actor())
        .await?
        .into_iter()
        .flat_map(|(space, units)| {
            units.into_iter().map(move |u| UnitChoice {
                id: u.id.to_string(),
                label: format!(
                    "{} — {} ({}, {} par mois)",
                    space.name,
                    u.label,
                    u.kind.label().to_lowercase(),
                    euros(u.monthly_rent_eur)
                ),
            })
        })
        .collect();
    let status = form.status();
    Ok(html(
        status,
        &AgreementPage {
            layout: user.layout("Héberger une personne", "/hebergement"),
            csrf: user.csrf.clone(),
            person,
            unit: query.unite.unwrap_or_default(),
            q,
            found,
            units,
            today: fr::local_day(now).format("%Y-%m-%d").to_string(),
            form,
        },
    ))
}

pub async fn agreement_form(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<AgreementQuery>,
) -> PageResult {
    agreement_page(&state, &user, query, Typed::default(), now).await
}

pub async fn agreement_submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let query = AgreementQuery {
        personne: fields.get("holder_id"),
        unite: fields.get("unit_id"),
        q: None,
    };
    let mut errors = fields.errors.clone();
    let holder_id = fields.get("holder_id").and_then(|h| h.parse::<i64>().ok());
    if holder_id.is_none() {
        errors.add("holder_id", "choisissez la personne à héberger");
    }
    let unit_id = fields.get("unit_id").and_then(|u| u.parse::<i64>().ok());
    if unit_id.is_none() {
        errors.add("unit_id", "choisissez une unité");
    }
    let rent = number(
        &fields,
        "monthly_rent_eur",
        &mut errors,
        "un nombre entier d'euros",
    );
    if !errors.is_empty() {
        let errors = errors.sorted_by(AGREEMENT_ORDER);
        let query = AgreementQuery {
            personne: holder_id.map(|h| h.to_string()),
            ..query
        };
        return agreement_page(&state, &user, query, Typed { fields, errors }, now).await;
    }
    let unit_id = unit_id.unwrap_or_default();
    let input = AgreementInput {
        unit_id,
        holder_id: holder_id.unwrap_or_default(),
        project_id: None,
        start_date: fields.get("start_date").unwrap_or_default(),
        planned_end: fields.get("planned_end").unwrap_or_default(),
        renewals: None,
        monthly_rent_eur: rent,
    };
    let refused = match hosting::create_agreement(&state.core, user.actor(), input, now).await {
        Ok(_) => return Ok(see_other(&unit_href(unit_id), Some("convention-creee"))),
        Err(Error::Invalid(errors)) => Errors::from_validation(errors).sorted_by(AGREEMENT_ORDER),
        Err(Error::Conflict(message)) => {
            let mut errors = Errors::default();
            errors.add(
                "start_date",
                format!("{message} : choisissez d'autres dates ou une autre unité"),
            );
            errors
        }
        Err(other) => return Err(hidden(other)),
    };
    agreement_page(
        &state,
        &user,
        query,
        Typed {
            fields,
            errors: refused,
        },
        now,
    )
    .await
}

/// One agreement, as its renewal and end pages show it.
struct AgreementFacts {
    id: i64,
    person: String,
    person_href: String,
    unit: String,
    unit_href: String,
    start: String,
    end: String,
    renewals: i32,
}

fn facts(h: &HostedAgreement) -> AgreementFacts {
    AgreementFacts {
        id: h.agreement.id,
        person: h.holder.full_name(),
        person_href: person_href(h.holder.id),
        unit: format!("{} — {}", h.unit.label, h.space.name),
        unit_href: unit_href(h.unit.id),
        start: fr::date(h.agreement.start_date),
        end: fr::date(h.agreement.planned_end),
        renewals: h.agreement.renewals,
    }
}

#[derive(Template)]
#[template(path = "web/hosting_renew.html")]
struct RenewPage {
    layout: Layout,
    csrf: String,
    a: AgreementFacts,
    running: bool,
    proposed: String,
    form: Typed,
}

async fn renew_page(state: &AppState, user: &Signed, id: i64, form: Typed) -> PageResult {
    let now = state.clock.now();
    let hosted = hosting::hosted_agreement(&state.core, user.actor(), id, now).await?;
    let status = form.status();
    Ok(html(
        status,
        &RenewPage {
            layout: user.layout("Renouveler une convention", "/hebergement"),
            csrf: user.csrf.clone(),
            running: hosted.agreement.actual_end.is_none(),
            proposed: hosted
                .renewal_end
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            a: facts(&hosted),
            form,
        },
    ))
}

pub async fn renew_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    renew_page(&state, &user, id, Typed::default()).await
}

pub async fn renew_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone();
        return renew_page(&state, &user, id, Typed { fields, errors }).await;
    }
    let input = RenewInput {
        planned_end: fields.get("planned_end").unwrap_or_default(),
    };
    let errors = match hosting::renew_agreement(&state.core, user.actor(), id, input, now).await {
        Ok(renewed) => {
            return Ok(see_other(
                &unit_href(renewed.agreement.unit_id),
                Some("convention-renouvelee"),
            ));
        }
        Err(Error::Invalid(errors)) => Errors::from_validation(errors),
        Err(Error::Conflict(message)) => {
            let mut errors = Errors::default();
            errors.add("planned_end", message);
            errors
        }
        Err(other) => return Err(other.into()),
    };
    renew_page(&state, &user, id, Typed { fields, errors }).await
}

#[derive(Template)]
#[template(path = "web/hosting_end.html")]
struct EndPage {
    layout: Layout,
    csrf: String,
    a: AgreementFacts,
    running: bool,
    today: String,
    reasons: Vec<(&'static str, &'static str)>,
    form: Typed,
}

async fn end_page(state: &AppState, user: &Signed, id: i64, form: Typed) -> PageResult {
    let now = state.clock.now();
    let hosted = hosting::hosted_agreement(&state.core, user.actor(), id, now).await?;
    let status = form.status();
    Ok(html(
        status,
        &EndPage {
            layout: user.layout("Terminer une convention", "/hebergement"),
            csrf: user.csrf.clone(),
            running: hosted.agreement.actual_end.is_none(),
            today: fr::local_day(now).format("%Y-%m-%d").to_string(),
            reasons: EndReason::ALL
                .iter()
                .map(|r| (r.as_str(), r.label()))
                .collect(),
            a: facts(&hosted),
            form,
        },
    ))
}

pub async fn end_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    end_page(&state, &user, id, Typed::default()).await
}

pub async fn end_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone().sorted_by(&["reason", "actual_end"]);
        return end_page(&state, &user, id, Typed { fields, errors }).await;
    }
    let input = EndInput {
        reason: fields.get("reason").unwrap_or_default(),
        actual_end: Some(fields.get("actual_end").unwrap_or_default()),
    };
    let errors = match hosting::end_agreement(&state.core, user.actor(), id, input, now).await {
        Ok(ended) => {
            return Ok(see_other(
                &unit_href(ended.agreement.unit_id),
                Some("convention-terminee"),
            ));
        }
        Err(Error::Invalid(errors)) => {
            Errors::from_validation(errors).sorted_by(&["reason", "actual_end"])
        }
        Err(Error::Conflict(message)) => {
            let mut errors = Errors::default();
            errors.add("actual_end", message);
            errors
        }
        Err(other) => return Err(other.into()),
    };
    end_page(&state, &user, id, Typed { fields, errors }).await
}
