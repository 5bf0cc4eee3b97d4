//! « Effacer les données » on a person's file: an org admin of the référent
//! organisation erases a file at the person's request, on a page of its own, with the
//! request's reference. The file is anonymised at once; live referrals are withdrawn.

use super::page::{Errors, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use chrono::{DateTime, Utc};
use parcours_core::Error;
use parcours_core::privacy::{self, EraseInput};

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
    now: DateTime<Utc>,
) -> PageResult {
    let holder = privacy::to_erase(&state.core, user.actor(), id, now).await?;
    Ok(html(
        errors.status(),
        &ErasePage {
            layout: user.layout("Effacer les données d'une personne", "/personnes"),
            csrf: user.csrf.clone(),
            id,
            name: holder.full_name(),
            reason,
            errors,
        },
    ))
}

pub async fn form(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    erase_page(&state, &user, id, String::new(), Errors::default(), now).await
}

pub async fn erase(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let typed = fields.raw("reason").unwrap_or_default().to_owned();
    if !fields.errors.is_empty() {
        return erase_page(&state, &user, id, typed, fields.errors, now).await;
    }
    let input = EraseInput {
        reason: fields.get("reason").unwrap_or_default(),
    };
    match privacy::erase(&state.core, user.actor(), id, input, now).await {
        Ok(_) => Ok(see_other(&format!("/personnes/{id}"), Some("efface"))),
        Err(Error::Invalid(errors)) => {
            let errors = Errors::from_validation(errors).sorted_by(&["reason"]);
            erase_page(&state, &user, id, typed, errors, now).await
        }
        Err(other) => Err(other.into()),
    }
}
