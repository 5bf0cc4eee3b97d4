//! Recording an awareness event and changing it: what, when, where, with which
//! partners (the head-count has its own form, `headcount.rs`). The rules are the use
//! case's; its refusals come back next to the fields, what was typed kept.

use super::events::event_href;
use super::page::{Choice, Errors, Fields, Layout, PageError, PageResult, html, see_other};
use super::register::resolve_qpv;
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::events::{self, EventInput};
use parcours_core::organisations::{self, ListInput};
use parcours_core::{Error, PageRequest, Refusal};
use parcours_domain::events::EventKind;
use parcours_domain::labels::Label;

#[derive(Template)]
#[template(path = "web/event_form.html")]
struct EventFormPage {
    layout: Layout,
    csrf: String,
    /// The event changed; none when recording a new one.
    id: Option<i64>,
    fields: Fields,
    errors: Errors,
    kinds: Vec<Choice>,
    partners: Vec<Choice>,
}

impl EventFormPage {
    fn value(&self, name: &str) -> &str {
        self.fields.raw(name).unwrap_or_default()
    }
}

/// The order of the form, for the error summary.
const ORDER: &[&str] = &["event_kind", "title", "held_on", "place", "qpv", "partners"];

/// The use case's field names as the form's: the type is `event_kind` (`kind` is a
/// contact's), the quartier is typed in the `qpv` picker, partners are one group.
fn form_errors(invalid: parcours_domain::ValidationErrors) -> Errors {
    let mut errors = Errors::default();
    for e in invalid.0 {
        let field = match e.field.as_str() {
            "kind" => "event_kind".to_owned(),
            "qpv_code" => "qpv".to_owned(),
            f if f.starts_with("partners") => "partners".to_owned(),
            f => f.to_owned(),
        };
        if !errors.has(&field) {
            errors.add(&field, e.message);
        }
    }
    errors
}

/// The partners one may choose: the organisations of the territory, then any partner
/// already recorded from elsewhere; the organisation itself is not its own partner.
async fn partner_choices(
    state: &AppState,
    user: &Signed,
    chosen: &[String],
    recorded: &[i64],
) -> Result<Vec<Choice>, Error> {
    let actor = user.actor();
    let listed = organisations::list(
        &state.core,
        actor,
        &ListInput {
            territory: Some(actor.territory_id.to_string()),
            kind: None,
            page: PageRequest {
                cursor: None,
                // The most a page holds: a territory has a few dozen partners.
                limit: Some("200".into()),
            },
        },
    )
    .await?;
    let mut choices: Vec<Choice> = listed
        .items
        .into_iter()
        .filter(|o| o.id != actor.organisation_id)
        .map(|o| Choice {
            selected: chosen.contains(&o.id.to_string()),
            value: o.id.to_string(),
            label: o.name,
        })
        .collect();
    // Partners recorded earlier but no longer listed keep their box, in one read.
    let missing: Vec<i64> = recorded
        .iter()
        .copied()
        .filter(|id| choices.iter().all(|c| c.value != id.to_string()))
        .collect();
    let mut names =
        parcours_core::organisations::names(&state.core, user.actor(), &missing).await?;
    for id in &missing {
        let Some(name) = names.remove(id) else {
            continue;
        };
        choices.push(Choice {
            selected: chosen.contains(&id.to_string()),
            value: id.to_string(),
            label: name,
        });
    }
    Ok(choices)
}

async fn form_page(
    state: &AppState,
    user: &Signed,
    id: Option<i64>,
    title: String,
    fields: Fields,
    errors: Errors,
    recorded: &[i64],
) -> Result<EventFormPage, Error> {
    let chosen = fields.all("partners");
    let kind = fields.raw("event_kind").unwrap_or_default().to_owned();
    Ok(EventFormPage {
        layout: user.layout(title, "/actions"),
        csrf: user.csrf.clone(),
        id,
        partners: partner_choices(state, user, &chosen, recorded).await?,
        kinds: EventKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: k.label().to_owned(),
                selected: kind == k.as_str(),
            })
            .collect(),
        fields,
        errors: errors.sorted_by(ORDER),
    })
}

pub async fn new_form(State(state): State<AppState>, user: Signed) -> PageResult {
    let page = form_page(
        &state,
        &user,
        None,
        "Nouvelle action collective".into(),
        Fields::default(),
        Errors::default(),
        &[],
    )
    .await?;
    Ok(html(StatusCode::OK, &page))
}

/// The event's fields as typed; the quartier resolved, errors of the form's own
/// reading added to `errors`.
async fn typed_input(
    state: &AppState,
    user: &Signed,
    fields: &Fields,
    errors: &mut Errors,
) -> Result<EventInput, Error> {
    let qpv_code = match fields.get("qpv") {
        Some(typed) => resolve_qpv(state, user, &typed, errors).await?,
        None => None,
    };
    let mut partners = Vec::new();
    for raw in fields.all("partners") {
        match raw.parse::<i64>() {
            Ok(id) => partners.push(id),
            Err(_) => {
                if !errors.has("partners") {
                    errors.add("partners", "structure partenaire inconnue");
                }
            }
        }
    }
    Ok(EventInput {
        kind: fields.get("event_kind"),
        title: fields.get("title"),
        held_on: fields.get("held_on"),
        place: fields.get("place"),
        qpv_code,
        partners: Some(partners),
        headcount: None,
    })
}

/// Both the form's errors and the use case's, so that all show at once.
fn merged(mut errors: Errors, more: Errors) -> Errors {
    for (field, message) in more.items {
        if !errors.has(&field) {
            errors.add(&field, message);
        }
    }
    errors
}

pub async fn create(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let mut errors = fields.errors.clone();
    let input = typed_input(&state, &user, &fields, &mut errors).await?;
    let result = if errors.is_empty() {
        events::create(&state.core, user.actor(), input, now).await
    } else {
        Err(Error::Invalid(errors.to_validation().unwrap_or_default()))
    };
    match result {
        Ok(detail) => Ok(see_other(
            &event_href(detail.event.id),
            Some("action-creee"),
        )),
        Err(Error::Invalid(invalid)) => {
            let errors = merged(errors, form_errors(invalid));
            let page = form_page(
                &state,
                &user,
                None,
                "Nouvelle action collective".into(),
                fields,
                errors,
                &[],
            )
            .await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// The event if the reader may change it: another organisation's is a 404, one the
/// organisation only took part in is refused (its organiser changes it).
pub(super) async fn changeable(
    state: &AppState,
    user: &Signed,
    id: i64,
) -> Result<(parcours_core::records::Event, Vec<i64>), PageError> {
    let (event, partners) = events::outline(&state.core, user.actor(), id).await?;
    if !events::may_change(&event, user.actor()) {
        return Err(Error::Forbidden(Refusal::OtherOrganisation).into());
    }
    Ok((event, partners))
}

fn edit_title(event: &parcours_core::records::Event) -> String {
    format!("Modifier « {} »", event.title)
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    let (event, partners) = changeable(&state, &user, id).await?;
    let mut values = vec![
        ("event_kind".to_owned(), event.kind.as_str().to_owned()),
        ("title".to_owned(), event.title.clone()),
        (
            "held_on".to_owned(),
            event.held_on.format("%Y-%m-%d").to_string(),
        ),
        ("place".to_owned(), event.place.clone().unwrap_or_default()),
        ("qpv".to_owned(), event.qpv_code.clone().unwrap_or_default()),
    ];
    values.extend(
        partners
            .iter()
            .map(|p| ("partners".to_owned(), p.to_string())),
    );
    let page = form_page(
        &state,
        &user,
        Some(id),
        edit_title(&event),
        Fields::new(values),
        Errors::default(),
        &partners,
    )
    .await?;
    Ok(html(StatusCode::OK, &page))
}

pub async fn edit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let (event, recorded) = changeable(&state, &user, id).await?;
    let mut errors = fields.errors.clone();
    let input = typed_input(&state, &user, &fields, &mut errors).await?;
    let result = if errors.is_empty() {
        // The head-count has its own form: it stays as it is.
        let edit = |current: EventInput| {
            Ok(EventInput {
                headcount: current.headcount,
                ..input
            })
        };
        events::update(&state.core, user.actor(), id, edit, now)
            .await
            .map(|_| ())
    } else {
        Err(Error::Invalid(errors.to_validation().unwrap_or_default()))
    };
    match result {
        Ok(()) => Ok(see_other(&event_href(id), Some("action-modifiee"))),
        Err(Error::Invalid(invalid)) => {
            let errors = merged(errors, form_errors(invalid));
            let page = form_page(
                &state,
                &user,
                Some(id),
                edit_title(&event),
                fields,
                errors,
                &recorded,
            )
            .await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}
