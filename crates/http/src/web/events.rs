//! « Actions collectives »: the awareness events the organisation ran or took part in —
//! what is coming up and what is past, a month's calendar (no script: links to the
//! months before and after), and one event with its head-count and who came.

use super::fr;
use super::page::{Errors, Layout, PageResult, encode, html};
use super::session::{PageId, Signed};
use super::{FlashQuery, person_href};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{Datelike, Months, NaiveDate};
use parcours_core::events::{self, EventSummary};
use parcours_core::records::Event;
use parcours_core::{Error, PageRequest, organisations};
use parcours_domain::labels::Label;

/// The page of an event.
pub(super) fn event_href(id: i64) -> String {
    format!("/actions/{id}")
}

/// « 32 personnes comptées · 4 nommées ».
pub(super) fn reached(counted: i32, named: i64) -> String {
    let counted = match counted {
        0 => "aucune personne comptée".to_owned(),
        1 => "1 personne comptée".to_owned(),
        n => format!("{} personnes comptées", fr::number(i64::from(n))),
    };
    let named = match named {
        0 => "aucune nommée".to_owned(),
        1 => "1 nommée".to_owned(),
        n => format!("{} nommées", fr::number(n)),
    };
    format!("{counted} · {named}")
}

/// An event as a line of a list.
struct Row {
    href: String,
    date: String,
    title: String,
    kind: &'static str,
    place: String,
    reached: String,
    /// Run by another organisation, with this one as a partner.
    partner: bool,
    /// Held today: its attendance sheet is one tap away.
    today: bool,
}

impl Row {
    fn of(summary: &EventSummary, organisation_id: i64, today: NaiveDate) -> Self {
        let e = &summary.event;
        Self {
            today: e.held_on == today,
            href: event_href(e.id),
            date: fr::date(e.held_on),
            title: e.title.clone(),
            kind: e.kind.label(),
            place: e.place.clone().unwrap_or_default(),
            reached: reached(e.headcount_total, summary.named_count),
            partner: e.organisation_id != organisation_id,
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    /// A month of the calendar, « 2026-12 ».
    mois: Option<String>,
    cursor: Option<String>,
}

/// A day of the calendar's grid; `number` is none outside the month.
struct Day {
    number: Option<u32>,
    /// « jeudi 3 décembre 2026 », the anchor of its events under the grid.
    label: String,
    anchor: String,
    today: bool,
    events: Vec<(String, String)>,
}

/// A day of the month with its events, under the grid.
struct AgendaDay {
    anchor: String,
    label: String,
    rows: Vec<Row>,
}

struct Calendar {
    /// « décembre 2026 ».
    month: String,
    weeks: Vec<Vec<Day>>,
    agenda: Vec<AgendaDay>,
    previous: String,
    next: String,
    /// Set when the month is not the current one.
    current: Option<String>,
    /// More events than a page holds were held that month.
    truncated: bool,
}

#[derive(Template)]
#[template(path = "web/events.html")]
struct ListPage {
    layout: Layout,
    errors: Errors,
    calendar: Option<Calendar>,
    calendar_href: String,
    upcoming: Vec<Row>,
    upcoming_truncated: bool,
    past: Vec<Row>,
    next: Option<String>,
    first: bool,
}

/// « 2026-12 » as the month's first day.
fn parse_month(raw: &str) -> Option<NaiveDate> {
    let (year, month) = raw.trim().split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

fn month_href(first: NaiveDate) -> String {
    format!("/actions?mois={}", first.format("%Y-%m"))
}

fn day_anchor(day: NaiveDate) -> String {
    format!("jour-{}", day.format("%Y-%m-%d"))
}

/// The weeks of a month, Monday first, with its events.
fn calendar(
    first: NaiveDate,
    today: NaiveDate,
    held: &[EventSummary],
    organisation_id: i64,
    truncated: bool,
) -> Calendar {
    let next_month = first + Months::new(1);
    let mut weeks = Vec::new();
    let mut week = Vec::new();
    for _ in 0..first.weekday().num_days_from_monday() {
        week.push(Day {
            number: None,
            label: String::new(),
            anchor: String::new(),
            today: false,
            events: Vec::new(),
        });
    }
    let mut agenda = Vec::new();
    let mut day = first;
    while day < next_month {
        let of_day: Vec<&EventSummary> = held.iter().filter(|s| s.event.held_on == day).collect();
        if !of_day.is_empty() {
            agenda.push(AgendaDay {
                anchor: day_anchor(day),
                label: fr::date(day),
                rows: of_day
                    .iter()
                    .map(|s| Row::of(s, organisation_id, today))
                    .collect(),
            });
        }
        week.push(Day {
            number: Some(day.day()),
            label: fr::date(day),
            anchor: day_anchor(day),
            today: day == today,
            events: of_day
                .iter()
                .map(|s| (event_href(s.event.id), s.event.title.clone()))
                .collect(),
        });
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        day = day.succ_opt().unwrap_or(next_month);
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(Day {
                number: None,
                label: String::new(),
                anchor: String::new(),
                today: false,
                events: Vec::new(),
            });
        }
        weeks.push(week);
    }
    let this_month = today.with_day(1).unwrap_or(today);
    Calendar {
        month: fr::month_year(first),
        weeks,
        agenda,
        previous: month_href(first - Months::new(1)),
        next: month_href(next_month),
        current: (first != this_month).then(|| month_href(this_month)),
        truncated,
    }
}

/// The list (what is coming up, what is past) or, with `?mois=`, a month's calendar.
pub async fn list(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let actor = user.actor();
    let today = fr::local_day(now);
    let this_month = today.with_day(1).unwrap_or(today);
    let mut page = ListPage {
        layout: user
            .layout("Actions collectives", "/actions")
            .with_flash(query.flash.message()),
        errors: Errors::default(),
        calendar: None,
        calendar_href: month_href(this_month),
        upcoming: Vec::new(),
        upcoming_truncated: false,
        past: Vec::new(),
        next: None,
        first: query
            .cursor
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty()),
    };
    if let Some(raw) = query.mois.as_deref() {
        let first = match parse_month(raw) {
            Some(first) => first,
            None => {
                page.errors.add(
                    "mois",
                    "mois non reconnu : écrivez l'année et le mois, par exemple 2026-12",
                );
                this_month
            }
        };
        let last = (first + Months::new(1)).pred_opt().unwrap_or(first);
        let (held, truncated) = events::between(&state.core, actor, first, Some(last)).await?;
        page.layout.title = format!("Actions collectives — {}", fr::month_year(first));
        page.calendar = Some(calendar(
            first,
            today,
            &held,
            actor.organisation_id,
            truncated,
        ));
        let status = page.errors.status();
        return Ok(html(status, &page));
    }
    let cursor = query
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let request = PageRequest {
        cursor: cursor.map(str::to_owned),
        limit: Some("20".into()),
    };
    let (coming, past) = tokio::join!(
        events::between(&state.core, actor, today, None),
        events::before(&state.core, actor, today, &request),
    );
    let past = match past {
        Ok(past) => past,
        Err(Error::Invalid(errors)) => {
            page.errors = Errors::from_validation(errors);
            let (coming, truncated) = coming?;
            page.upcoming = coming
                .iter()
                .map(|s| Row::of(s, actor.organisation_id, today))
                .collect();
            page.upcoming_truncated = truncated;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(other) => return Err(other.into()),
    };
    let (coming, truncated) = coming?;
    // Further pages of past events show only those.
    if cursor.is_none() {
        page.upcoming = coming
            .iter()
            .map(|s| Row::of(s, actor.organisation_id, today))
            .collect();
        page.upcoming_truncated = truncated;
    }
    page.past = past
        .items
        .iter()
        .map(|s| Row::of(s, actor.organisation_id, today))
        .collect();
    page.next = past
        .next_cursor
        .as_deref()
        .map(|c| format!("/actions?cursor={}", encode(c)));
    Ok(html(StatusCode::OK, &page))
}

struct Attendee {
    href: String,
    name: String,
    new_holder: bool,
}

#[derive(Template)]
#[template(path = "web/event.html")]
struct DetailPage {
    layout: Layout,
    id: i64,
    kind: &'static str,
    date: String,
    place: String,
    qpv: String,
    organiser: String,
    partners: Vec<String>,
    may_change: bool,
    total: String,
    women: String,
    under_26: String,
    qpv_residents: String,
    named_count: i64,
    attendees: Vec<Attendee>,
}

/// The names of organisations, by id, in the order given.
pub(super) async fn organisation_names(
    state: &AppState,
    user: &Signed,
    ids: &[i64],
) -> Result<Vec<String>, Error> {
    let mut by_id = organisations::names(&state.core, user.actor(), ids).await?;
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// One event: what, when, where, with whom, how many people were reached, and the
/// named attendees the organisation follows (their reading is audited by the use case).
pub async fn detail(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let detail = events::get(&state.core, user.actor(), id, now).await?;
    let e: &Event = &detail.event;
    let mut organiser = organisation_names(&state, &user, &[e.organisation_id]).await?;
    let partners = organisation_names(&state, &user, &detail.partners).await?;
    let count = |n: i32| fr::number(i64::from(n));
    let page = DetailPage {
        layout: user
            .layout(e.title.clone(), "/actions")
            .with_flash(flash.message()),
        id: e.id,
        kind: e.kind.label(),
        date: fr::date(e.held_on),
        place: e.place.clone().unwrap_or_default(),
        qpv: e.qpv_code.clone().unwrap_or_default(),
        organiser: organiser.pop().unwrap_or_default(),
        partners,
        may_change: detail.may_change(user.actor()),
        total: count(e.headcount_total),
        women: count(e.headcount_women),
        under_26: count(e.headcount_under26),
        qpv_residents: count(e.headcount_qpv),
        named_count: detail.named_count as i64,
        attendees: detail
            .attendees
            .iter()
            .map(|(attendance, holder)| Attendee {
                href: person_href(holder.id),
                name: format!("{} {}", holder.first_name, holder.last_name),
                new_holder: attendance.new_holder,
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_are_read_as_typed_or_not_at_all() {
        assert_eq!(parse_month("2026-12"), Some(day(2026, 12, 1)));
        assert_eq!(parse_month(" 2026-02 "), Some(day(2026, 2, 1)));
        for wrong in ["2026-13", "2026-1", "26-12", "décembre", "", "2026-12-01"] {
            assert_eq!(parse_month(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn a_month_is_whole_weeks_from_monday() {
        // November 2026 starts on a Sunday and ends on a Monday.
        let cal = calendar(day(2026, 11, 1), day(2026, 11, 2), &[], 1, false);
        assert_eq!(cal.month, "novembre 2026");
        assert_eq!(cal.weeks.len(), 6);
        assert!(cal.weeks.iter().all(|w| w.len() == 7));
        assert_eq!(cal.weeks[0][5].number, None);
        assert_eq!(cal.weeks[0][6].number, Some(1));
        assert!(cal.weeks[1][0].today);
        assert_eq!(cal.weeks[5][0].number, Some(30));
        assert_eq!(cal.weeks[5][1].number, None);
        assert_eq!(cal.previous, "/actions?mois=2026-10");
        assert_eq!(cal.next, "/actions?mois=2026-12");
        assert_eq!(cal.current, None);
        let later = calendar(day(2027, 1, 1), day(2026, 11, 2), &[], 1, false);
        assert_eq!(later.previous, "/actions?mois=2026-12");
        assert_eq!(later.current.as_deref(), Some("/actions?mois=2026-11"));
    }
}
