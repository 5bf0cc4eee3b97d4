//! « Tableau de bord »: the reports of a period for a coordinator's territory or an
//! organisation, each block a chart drawn on the server and the same figures as a
//! table, each figure beside its change from the period just before, each block's CSV
//! a link away. Filters are a GET form: the address is the dashboard, to share or
//! bookmark. Figures are the reports' own, masked by them (`core::reports`), and
//! written by the same words as the CSV (`api::reports::masked_text`).

mod blocks;

use super::charts::{self, Bar};
use super::fr;
use super::page::{Choice, Errors, Layout, PageError, PageResult, choices, encode, html};
use super::session::Signed;
use crate::api::reports::{decimal, masked_text, percent_text};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use parcours_core::Error;
use parcours_core::reports::{
    self, Compared, Dashboard, Preset, ReportFilters, ReportPeriod, change, change_rate,
};
use parcours_domain::holders::{Gender, Situation};
use parcours_domain::labels::Label;
use parcours_domain::pathway::{Outcome, Stage};
use parcours_domain::referrals::DeclineReason;
use parcours_domain::reports::AgeBand;
use parcours_domain::users::Role;

/// The dashboard's filters, as they stand in its address.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Filters {
    /// A preset's word, or `dates`.
    periode: String,
    du: String,
    au: String,
    organisation: String,
    qpv: String,
    gender: String,
    age_band: String,
    situation: String,
}

impl Filters {
    /// The filters as typed, without the spaces around them; a QPV code in capitals.
    fn tidy(self) -> Self {
        let tidy = |v: String| v.trim().to_owned();
        Self {
            periode: tidy(self.periode),
            du: tidy(self.du),
            au: tidy(self.au),
            organisation: tidy(self.organisation),
            qpv: tidy(self.qpv).to_uppercase(),
            gender: tidy(self.gender),
            age_band: tidy(self.age_band),
            situation: tidy(self.situation),
        }
    }

    /// The profile filters, as the report API names them.
    fn profile(&self) -> [(&'static str, &str); 5] {
        [
            ("organisation", &self.organisation),
            ("qpv", &self.qpv),
            ("gender", &self.gender),
            ("age_band", &self.age_band),
            ("situation", &self.situation),
        ]
    }

    /// Dates typed rather than a preset: `periode=dates`, or no preset and a date.
    fn custom(&self) -> bool {
        self.periode == "dates"
            || (self.periode.is_empty() && (!self.du.is_empty() || !self.au.is_empty()))
    }

    /// The reports' filters, as the page names them: the rules of periods (presets,
    /// the last day included) are the reports' own.
    fn report_filters(&self) -> ReportFilters {
        let optional = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let period = if self.custom() {
            ReportPeriod::Days {
                first: optional(&self.du),
                last: optional(&self.au),
            }
        } else if self.periode.is_empty() {
            ReportPeriod::default()
        } else {
            ReportPeriod::Preset(self.periode.clone())
        };
        ReportFilters {
            period,
            territory: None,
            organisation: optional(&self.organisation),
            qpv: optional(&self.qpv),
            gender: optional(&self.gender),
            age_band: optional(&self.age_band),
            situation: optional(&self.situation),
        }
    }

    /// The profile filters in a query string, after `from` and `to`.
    fn query(&self, from: NaiveDate, to: NaiveDate) -> String {
        format!("from={from}&to={to}{}", self.profile_query())
    }

    /// The dashboard of `[from, to)` with the same profile filters.
    fn page_for(&self, from: NaiveDate, to: NaiveDate) -> String {
        let last = to.pred_opt().unwrap_or(to);
        format!(
            "/tableau-de-bord?periode=dates&du={from}&au={last}{}",
            self.profile_query()
        )
    }

    /// `&name=value` for each profile filter given.
    fn profile_query(&self) -> String {
        self.profile()
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("&{name}={}", encode(value)))
            .collect()
    }
}

/// A figure as the page shows it, with its change from the period before.
struct Figure {
    text: String,
    change: Option<String>,
}

impl Figure {
    fn plain(text: String) -> Self {
        Self { text, change: None }
    }
}

/// A table of a block: the first cell of a row heads it.
struct Table {
    id: String,
    caption: String,
    head: Vec<String>,
    rows: Vec<(String, Vec<Figure>)>,
}

struct Link {
    href: String,
    label: String,
}

/// One block of the dashboard.
struct Block {
    id: &'static str,
    title: String,
    intro: Option<String>,
    chart: String,
    tables: Vec<Table>,
    csv: Vec<Link>,
    definition: String,
}

struct OverdueRow {
    from: String,
    to: String,
    sent: String,
    days: String,
    reminders: String,
}

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    errors: Errors,
    presets: Vec<Choice>,
    dates: bool,
    du: String,
    au: String,
    qpv: String,
    organisations: Vec<Choice>,
    /// Advisers and org admins see their organisation only: no choice to make.
    choose_organisation: bool,
    genders: Vec<Choice>,
    age_bands: Vec<Choice>,
    situations: Vec<Choice>,
    /// When the filters read: what the page covers.
    heading: Option<Heading>,
    blocks: Vec<Block>,
    overdue: Option<Vec<OverdueRow>>,
}

struct Heading {
    scope: String,
    territory: String,
    period: String,
    before: String,
    before_href: String,
    filters: String,
    generated: String,
    masked_below: i64,
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(filters): Query<Filters>,
) -> PageResult {
    let actor = user.actor();
    let filters = filters.tidy();
    // The organisations to choose from come with the dashboard; a refused filter
    // runs no report, and reads them alone.
    let (organisations, dashboard) =
        match reports::dashboard(&state.core, actor, &filters.report_filters(), now).await {
            Ok(dashboard) => (dashboard.organisations.clone(), Ok(dashboard)),
            Err(Error::Invalid(invalid)) => (
                reports::filter_choices(&state.core, actor).await?,
                Err(invalid),
            ),
            Err(other) => return Err(PageError::from(other)),
        };
    let custom = filters.custom();
    let mut page = DashboardPage {
        layout: user.layout("Tableau de bord", "/tableau-de-bord"),
        errors: Errors::default(),
        presets: Preset::ALL
            .iter()
            .map(|p| Choice {
                value: p.as_str().into(),
                label: p.label().into(),
                selected: !custom
                    && (filters.periode == p.as_str()
                        || (filters.periode.is_empty() && *p == Preset::CurrentQuarter)),
            })
            .collect(),
        dates: custom,
        du: filters.du.clone(),
        au: filters.au.clone(),
        qpv: filters.qpv.clone(),
        choose_organisation: actor.role == Role::Coordinator,
        organisations: organisations
            .iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: filters.organisation == id.to_string(),
            })
            .collect(),
        genders: choices(Gender::ALL, Gender::as_str, &filters.gender),
        age_bands: choices(AgeBand::ALL, AgeBand::as_str, &filters.age_band),
        situations: choices(Situation::ALL, Situation::as_str, &filters.situation),
        heading: None,
        blocks: Vec::new(),
        overdue: None,
    };
    let dashboard = match dashboard {
        Ok(dashboard) => dashboard,
        Err(invalid) => {
            let mut errors = Errors::default();
            for (field, message) in Errors::from_validation(invalid).items {
                match field.as_str() {
                    "from" => errors.add("du", message),
                    "to" => errors.add("au", message),
                    "preset" => errors.add(
                        "periode",
                        "choisissez une des périodes proposées, ou des dates",
                    ),
                    _ => errors.add(&field, message),
                }
            }
            page.errors = errors.sorted_by(FORM_ORDER);
            return Ok(html(page.errors.status(), &page));
        }
    };
    page.heading = Some(heading(&dashboard, &filters, &page, now));
    page.blocks = blocks::blocks(&dashboard, &filters);
    page.overdue = dashboard.overdue.as_ref().map(|queue| {
        queue
            .iter()
            .map(|o| OverdueRow {
                from: o.from_organisation.name.clone(),
                to: o.to_organisation.name.clone(),
                sent: fr::short_date(fr::local_day(o.sent_at)),
                days: fr::number(o.days_waiting),
                reminders: fr::number(i64::from(o.reminders_sent)),
            })
            .collect()
    });
    Ok(html(StatusCode::OK, &page))
}

/// The fields of the filter form, in order.
const FORM_ORDER: &[&str] = &[
    "periode",
    "du",
    "au",
    "organisation",
    "qpv",
    "gender",
    "age_band",
    "situation",
];

/// « du 1er octobre 2026 au 31 décembre 2026 » for `[from, to)`.
fn period_words(from: NaiveDate, to: NaiveDate) -> String {
    format!(
        "du {} au {}",
        fr::short_date(from),
        fr::short_date(to.pred_opt().unwrap_or(to))
    )
}

fn heading(d: &Dashboard, filters: &Filters, page: &DashboardPage, now: DateTime<Utc>) -> Heading {
    let chosen = |list: &[Choice]| list.iter().find(|c| c.selected).map(|c| c.label.clone());
    let mut parts = Vec::new();
    if let Some(name) = chosen(&page.organisations).filter(|_| page.choose_organisation) {
        parts.push(format!("structure : {name}"));
    }
    if !filters.qpv.is_empty() {
        parts.push(format!("quartier : {}", filters.qpv));
    }
    for (what, list) in [
        ("genre", &page.genders),
        ("âge", &page.age_bands),
        ("situation", &page.situations),
    ] {
        if let Some(label) = chosen(list) {
            parts.push(format!("{what} : {}", label.to_lowercase()));
        }
    }
    Heading {
        scope: d.scope.clone(),
        territory: d.territory.clone(),
        period: period_words(d.from, d.to),
        before: period_words(d.before_from, d.before_to),
        before_href: filters.page_for(d.before_from, d.before_to),
        filters: if parts.is_empty() {
            "aucun (toutes les personnes)".into()
        } else {
            parts.join(" ; ")
        },
        generated: fr::date_time(now),
        masked_below: d.masked_below,
    }
}

/// A change of a count: « +3 », « −2 », « 0 »; a dash when it cannot be shown.
fn count_change(now: Option<i64>, before: Option<i64>) -> String {
    match change(now, before) {
        Some(0) => "0".into(),
        Some(n) if n > 0 => format!("+{}", fr::number(n)),
        Some(n) => format!("−{}", fr::number(-n)),
        None => "—".into(),
    }
}

fn count(n: Option<i64>, below: i64) -> String {
    match n {
        Some(n) => fr::number(n),
        None => masked_text(None, below),
    }
}

/// A report's CSV for `[from, to)` with the page's profile filters.
fn csv_link(name: &str, label: String, filters: &Filters, from: NaiveDate, to: NaiveDate) -> Link {
    Link {
        href: format!("/api/v1/reports/{name}.csv?{}", filters.query(from, to)),
        label,
    }
}
