//! The anonymous head-count of an event, on a form of its own: how many people were
//! reached, and among them women, people under 26 and residents of a priority
//! neighbourhood. The use case checks that no category exceeds the total.

use super::event_forms::changeable;
use super::events::event_href;
use super::page::{Errors, Fields, Layout, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::Error;
use parcours_core::events::{self, EventInput, HeadcountInput};

#[derive(Template)]
#[template(path = "web/headcount.html")]
struct HeadcountPage {
    layout: Layout,
    csrf: String,
    id: i64,
    event: String,
    fields: Fields,
    errors: Errors,
}

impl HeadcountPage {
    fn value(&self, name: &str) -> &str {
        self.fields.raw(name).unwrap_or_default()
    }
}

/// The head-count's fields, in the order of the form, with the use case's names.
const COUNTS: &[(&str, &str)] = &[
    ("total", "headcount.total"),
    ("women", "headcount.women"),
    ("under_26", "headcount.under_26"),
    ("qpv_residents", "headcount.qpv_residents"),
];

fn headcount_page(
    user: &Signed,
    event: &parcours_core::records::Event,
    fields: Fields,
    errors: Errors,
) -> HeadcountPage {
    let order: Vec<&str> = COUNTS.iter().map(|(name, _)| *name).collect();
    HeadcountPage {
        layout: user.layout(format!("Comptage : {}", event.title), "/actions"),
        csrf: user.csrf.clone(),
        id: event.id,
        event: event.title.clone(),
        fields,
        errors: errors.sorted_by(&order),
    }
}

pub async fn form(State(state): State<AppState>, user: Signed, PageId(id): PageId) -> PageResult {
    let (event, _) = changeable(&state, &user, id).await?;
    let counts = HeadcountInput::from(&event);
    let values = [
        ("total", counts.total),
        ("women", counts.women),
        ("under_26", counts.under_26),
        ("qpv_residents", counts.qpv_residents),
    ]
    .into_iter()
    .map(|(name, n)| (name.to_owned(), n.to_string()))
    .collect();
    let page = headcount_page(&user, &event, Fields::new(values), Errors::default());
    Ok(html(StatusCode::OK, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let (event, _) = changeable(&state, &user, id).await?;
    let mut errors = fields.errors.clone();
    // A blank count is none; anything else must be a whole number.
    // A blank box counts as 0.
    let mut count = |name: &str| {
        fields
            .number::<i32>(
                name,
                &mut errors,
                "un nombre entier est attendu, par exemple 12",
            )
            .unwrap_or(0)
    };
    let counts = HeadcountInput {
        total: count("total"),
        women: count("women"),
        under_26: count("under_26"),
        qpv_residents: count("qpv_residents"),
    };
    let result = if errors.is_empty() {
        let edit = |current: EventInput| {
            Ok(EventInput {
                headcount: Some(counts),
                ..current
            })
        };
        events::update(&state.core, user.actor(), id, edit, now)
            .await
            .map(|_| ())
    } else {
        Err(Error::Invalid(errors.to_validation().unwrap_or_default()))
    };
    match result {
        Ok(()) => Ok(see_other(&event_href(id), Some("comptage"))),
        Err(Error::Invalid(invalid)) => {
            let mut errors = Errors::default();
            for e in invalid.0 {
                let field = COUNTS
                    .iter()
                    .find(|(_, core)| *core == e.field)
                    .map_or(e.field.as_str(), |(name, _)| name)
                    .to_owned();
                if !errors.has(&field) {
                    errors.add(&field, e.message);
                }
            }
            let page = headcount_page(&user, &event, fields, errors);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}
