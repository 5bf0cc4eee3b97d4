//! « Effacer les données » on a person's file: an org admin of the référent
//! organisation erases a file at the person's request, on a page of its own, with the
//! request's reference. The file is anonymised at once; live referrals are withdrawn.

use super::page::{Errors, PageError, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::privacy::{self, EraseInput};
use parcours_core::{Error, holders};
use parcours_domain::users::Role;

#[derive(Template)]
#[template(path = "web/erase.html")]
struct ErasePage {
    layout: super::page::Layout,
    csrf: String,
    id: i64,
    name: String,
    reason: String,
    errors: Errors,
}

async fn erase_page(
    state: &AppState,
    user: &Signed,
    id: i64,
    reason: String,
    errors: Errors,
) -> PageResult {
    if user.actor().role != Role::OrgAdmin {
        return Err(Error::Forbidden(parcours_core::Refusal::Role).into());
    }
    let now = state.clock.now();
    let file = holders::read(&state.core, user.actor(), id, now).await?;
    if file.holder.anonymised_at.is_some() {
        return Err(PageError::NotFound);
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(
        status,
        &ErasePage {
            layout: user.layout("Effacer les données d'une personne", "/personnes"),
            csrf: user.csrf.clone(),
            id,
            name: file.holder.full_name(),
            reason,
            errors,
        },
    ))
}

pub async fn form(State(state): State<AppState>, user: Signed, PageId(id): PageId) -> PageResult {
    erase_page(&state, &user, id, String::new(), Errors::default()).await
}

pub async fn erase(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let typed = fields.raw("reason").unwrap_or_default().to_owned();
    if !fields.errors.is_empty() {
        return erase_page(&state, &user, id, typed, fields.errors).await;
    }
    let input = EraseInput {
        reason: fields.get("reason").unwrap_or_default(),
    };
    match privacy::erase(&state.core, user.actor(), id, input, now).await {
        Ok(_) => Ok(see_other(&format!("/personnes/{id}"), Some("efface"))),
        Err(Error::Invalid(errors)) => {
            let errors = Errors::from_validation(errors).sorted_by(&["reason"]);
            erase_page(&state, &user, id, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}
