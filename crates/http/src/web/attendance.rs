//! The attendance sheet of an event, made for a phone held standing up: find a person
//! the organisation follows by name and add them in one tap, or register someone on the
//! spot — a name, a phone or an e-mail, and their consent, read out to them. The
//! searches and additions are the use cases', audited there.

use super::FlashQuery;
use super::events::event_href;
use super::fr;
use super::page::{Errors, Fields, Layout, PageError, PageResult, encode, html, see_other};
use super::person_href;
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::events::{self, AttendeeInput};
use parcours_core::{Error, PageRequest, holders};
use parcours_domain::labels::Label;

/// How many people a search shows: enough to find someone by the start of a name.
const FOUND_LIMIT: &str = "20";

fn sheet_href(id: i64) -> String {
    format!("{}/presences", event_href(id))
}

struct Present {
    href: String,
    name: String,
    new_holder: bool,
}

struct Found {
    id: i64,
    name: String,
    details: String,
    present: bool,
}

#[derive(Template)]
#[template(path = "web/attendance.html")]
struct SheetPage {
    layout: Layout,
    csrf: String,
    id: i64,
    event: String,
    date: String,
    q: String,
    searched: bool,
    errors: Errors,
    found: Vec<Found>,
    more: bool,
    present: Vec<Present>,
    /// Named attendees followed by other organisations: counted, not named.
    others: usize,
}

#[derive(serde::Deserialize, Default)]
pub struct SheetQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    q: Option<String>,
}

async fn sheet_page(
    state: &AppState,
    user: &Signed,
    id: i64,
    q: Option<String>,
    errors: Errors,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SheetPage, PageError> {
    let actor = user.actor();
    let detail = events::get(&state.core, actor, id, now).await?;
    let present_ids: Vec<i64> = detail.attendees.iter().map(|(_, h)| h.id).collect();
    let mut page = SheetPage {
        layout: user.layout(
            format!("Feuille de présence : {}", detail.event.title),
            "/actions",
        ),
        csrf: user.csrf.clone(),
        id,
        event: detail.event.title.clone(),
        date: fr::date(detail.event.held_on),
        q: q.clone().unwrap_or_default(),
        searched: false,
        errors,
        found: Vec::new(),
        more: false,
        present: detail
            .attendees
            .iter()
            .map(|(attendance, holder)| Present {
                href: person_href(holder.id),
                name: format!("{} {}", holder.first_name, holder.last_name),
                new_holder: attendance.new_holder,
            })
            .collect(),
        others: detail.named_count - detail.attendees.len(),
    };
    let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
        return Ok(page);
    };
    let input = holders::ListInput {
        q: Some(q),
        page: PageRequest {
            cursor: None,
            limit: Some(FOUND_LIMIT.into()),
        },
        ..holders::ListInput::default()
    };
    match holders::list(&state.core, actor, &input, now).await {
        Ok(listed) => {
            page.searched = true;
            page.more = listed.next_cursor.is_some();
            page.found = listed
                .items
                .iter()
                .map(|h| {
                    let mut details = Vec::new();
                    if let Some(birth) = h.birth_date {
                        details.push(format!("né·e le {}", fr::short_date(birth)));
                    }
                    details.push(h.stage.label().to_owned());
                    Found {
                        id: h.id,
                        name: format!("{} {}", h.last_name.to_uppercase(), h.first_name),
                        details: details.join(" · "),
                        present: present_ids.contains(&h.id),
                    }
                })
                .collect();
        }
        Err(Error::Invalid(invalid)) => {
            for e in invalid.0 {
                if !page.errors.has(&e.field) {
                    page.errors.add(&e.field, e.message);
                }
            }
        }
        Err(other) => return Err(other.into()),
    }
    Ok(page)
}

/// The sheet: who is on it, and a search among the people the organisation follows.
pub async fn sheet(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(query): Query<SheetQuery>,
) -> PageResult {
    let mut page = sheet_page(&state, &user, id, query.q, Errors::default(), now).await?;
    page.layout = page.layout.with_flash(query.flash.message());
    let status = page.errors.status();
    Ok(html(status, &page))
}

/// « Ajouter »: a followed person on the sheet (once; a second time says so).
pub async fn add(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let Some(holder_id) = fields.get("holder_id").and_then(|h| h.parse::<i64>().ok()) else {
        return Err(PageError::NotFound);
    };
    let input = AttendeeInput {
        holder_id: Some(holder_id),
        ..AttendeeInput::default()
    };
    match events::add_attendee(&state.core, user.actor(), id, input, now).await {
        Ok(attended) => {
            let flash = if attended.added {
                "presence"
            } else {
                "presence-deja"
            };
            Ok(see_other(&sheet_href(id), Some(flash)))
        }
        Err(Error::Invalid(invalid)) => {
            let q = fields.get("q");
            let page =
                sheet_page(&state, &user, id, q, Errors::from_validation(invalid), now).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "web/attendee_new.html")]
struct NewcomerPage {
    layout: Layout,
    csrf: String,
    id: i64,
    event: String,
    organisation: String,
    fields: Fields,
    errors: Errors,
    /// People the organisation already follows who may be this one, shown before
    /// registering a second file: adding them is one tap.
    duplicates: Vec<Found>,
}

impl NewcomerPage {
    fn value(&self, name: &str) -> &str {
        self.fields.raw(name).unwrap_or_default()
    }
}

/// The order of the form, for the error summary.
const ORDER: &[&str] = &["first_name", "last_name", "phone", "email", "consent"];

async fn newcomer_page(
    state: &AppState,
    user: &Signed,
    id: i64,
    fields: Fields,
    errors: Errors,
) -> Result<NewcomerPage, PageError> {
    let (event, _) = events::outline(&state.core, user.actor(), id).await?;
    Ok(NewcomerPage {
        layout: user.layout("Inscrire une personne sur place", "/actions"),
        csrf: user.csrf.clone(),
        id,
        event: event.title,
        organisation: user.session.organisation_name.clone(),
        fields,
        errors: errors.sorted_by(ORDER),
        duplicates: Vec::new(),
    })
}

/// The short form; `?nom=` carries over what was searched on the sheet.
pub async fn newcomer_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
    Query(query): Query<NewcomerQuery>,
) -> PageResult {
    let typed = query
        .nom
        .map(|n| vec![("last_name".to_owned(), n)])
        .unwrap_or_default();
    let page = newcomer_page(&state, &user, id, Fields::new(typed), Errors::default()).await?;
    Ok(html(StatusCode::OK, &page))
}

#[derive(serde::Deserialize, Default)]
pub struct NewcomerQuery {
    nom: Option<String>,
}

/// Registers the person at `sensibilisation`, with this event as their source and
/// their consent to be followed, and puts them on the sheet.
pub async fn register(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let input = AttendeeInput {
        holder_id: None,
        first_name: fields.get("first_name"),
        last_name: fields.get("last_name"),
        email: fields.get("email"),
        phone: fields.get("phone"),
        consent: Some(fields.get("consent").as_deref() == Some("oui")),
    };
    // Someone already followed (same name and birth date, phone or e-mail) is shown
    // first: add them rather than open a second file — or register anyway.
    if fields.errors.is_empty() && fields.get("doublon_vu").is_none() {
        let typed = holders::HolderInput {
            first_name: input.first_name.clone(),
            last_name: input.last_name.clone(),
            email: input.email.clone(),
            phone: input.phone.clone(),
            ..holders::HolderInput::default()
        };
        let found = match holders::possible_duplicates(&state.core, user.actor(), &typed, now).await
        {
            Ok(found) => found,
            Err(Error::Invalid(_)) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        if !found.is_empty() {
            let mut page = newcomer_page(&state, &user, id, fields, Errors::default()).await?;
            page.duplicates = found
                .iter()
                .map(|h| Found {
                    id: h.id,
                    name: format!("{} {}", h.last_name.to_uppercase(), h.first_name),
                    details: [h.phone.as_deref(), h.email.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                    present: false,
                })
                .collect();
            return Ok(html(StatusCode::OK, &page));
        }
    }
    let result = if fields.errors.is_empty() {
        events::add_attendee(&state.core, user.actor(), id, input, now).await
    } else {
        Err(Error::Invalid(
            fields.errors.to_validation().unwrap_or_default(),
        ))
    };
    match result {
        Ok(_) => Ok(see_other(&sheet_href(id), Some("presence-inscription"))),
        Err(Error::Invalid(invalid)) => {
            let mut errors = fields.errors.clone();
            for e in invalid.0 {
                if !errors.has(&e.field) {
                    errors.add(&e.field, e.message);
                }
            }
            let page = newcomer_page(&state, &user, id, fields, errors).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// The registration form's address with what was searched as the last name.
pub(super) fn newcomer_href(id: i64, q: &str) -> String {
    let base = format!("{}/nouvelle", sheet_href(id));
    if q.trim().is_empty() {
        base
    } else {
        format!("{base}?nom={}", encode(q.trim()))
    }
}

impl SheetPage {
    fn newcomer(&self) -> String {
        newcomer_href(self.id, &self.q)
    }
}
