//! Answering a referral from « Aujourd'hui »: accept it at once, or decline it with a
//! reason on a page of its own.

use super::page::{Errors, Layout, PageError, PageResult, html, see_other};
use super::person_href;
use super::session::{Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parcours_core::Error;
use parcours_core::referrals::{self, DeclineInput};
use parcours_domain::labels::Label;
use parcours_domain::referrals::DeclineReason;

fn referral_id(raw: &str) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(PageError::NotFound)
}

pub async fn accept(
    State(state): State<AppState>,
    Now(now): Now,
    Path(id): Path<String>,
    SignedForm { user, .. }: SignedForm,
) -> PageResult {
    let id = referral_id(&id)?;
    let detail = referrals::accept(&state.core, user.actor(), id, now).await?;
    let to = detail.holder_id.map_or_else(|| "/".to_owned(), person_href);
    Ok(see_other(&to, Some("orientation-acceptee")))
}

struct Reason {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "web/decline.html")]
struct DeclinePage {
    layout: Layout,
    csrf: String,
    id: i64,
    name: String,
    from: String,
    reasons: Vec<Reason>,
    reason: String,
    text: String,
    errors: Errors,
}

async fn decline_page(
    state: &AppState,
    user: &Signed,
    id: i64,
    typed: (String, String),
    errors: Errors,
) -> PageResult {
    let now = state.clock.now();
    let detail = referrals::get(&state.core, user.actor(), id, now).await?;
    let name = detail
        .holder
        .as_ref()
        .map(|h| format!("{} {}", h.first_name, h.last_name))
        .unwrap_or_else(|| "la personne orientée".into());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(
        status,
        &DeclinePage {
            layout: user.layout("Refuser une orientation", "/"),
            csrf: user.csrf.clone(),
            id,
            name,
            from: detail.from_organisation.name.clone(),
            reasons: DeclineReason::ALL
                .iter()
                .map(|r| Reason {
                    value: r.as_str(),
                    label: r.label(),
                })
                .collect(),
            reason: typed.0,
            text: typed.1,
            errors,
        },
    ))
}

pub async fn decline_form(
    State(state): State<AppState>,
    user: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let id = referral_id(&id)?;
    decline_page(&state, &user, id, Default::default(), Errors::default()).await
}

pub async fn decline(
    State(state): State<AppState>,
    Now(now): Now,
    Path(id): Path<String>,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let id = referral_id(&id)?;
    let typed = (
        fields.raw("reason").unwrap_or_default().to_owned(),
        fields.raw("text").unwrap_or_default().to_owned(),
    );
    if !fields.errors.is_empty() {
        return decline_page(&state, &user, id, typed, fields.errors).await;
    }
    let input = DeclineInput {
        reason: fields.get("reason").unwrap_or_default(),
        text: fields.get("text"),
    };
    match referrals::decline(&state.core, user.actor(), id, input, now).await {
        Ok(_) => Ok(see_other("/", Some("orientation-refusee"))),
        Err(Error::Invalid(errors)) => {
            let errors = Errors::from_validation(errors).sorted_by(&["reason", "text"]);
            decline_page(&state, &user, id, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}
