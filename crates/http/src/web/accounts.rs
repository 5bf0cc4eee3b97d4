//! The pages an e-mail's link opens, without a session: asking for a new password,
//! choosing one from a reset link, and choosing the first one from an invitation. The
//! token stays in the path (logs name the route, never the path; every page is sent
//! with `Referrer-Policy: no-referrer`).

use super::fr;
use super::page::{Errors, Layout, PageError, html, see_other};
use super::session::PublicForm;
use crate::auth::session_cookie;
use crate::client::Client;
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use parcours_core::Error;
use parcours_core::account_links::{self, LinkAccount, LinkState, NewPassword, Purpose};

#[derive(Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage {
    layout: Layout,
    email: String,
    errors: Errors,
    sent: bool,
}

pub async fn forgot_form() -> Response {
    html(
        StatusCode::OK,
        &ForgotPage {
            layout: Layout::new("Mot de passe oublié", None, ""),
            email: String::new(),
            errors: Errors::default(),
            sent: false,
        },
    )
}

/// The same answer whether the address has an account or not.
pub async fn forgot_submit(
    State(state): State<AppState>,
    Now(now): Now,
    Client(client): Client,
    PublicForm(fields): PublicForm,
) -> Response {
    let email = fields.raw("email").unwrap_or_default().to_owned();
    let page = |status: StatusCode, errors: Errors, sent: bool| {
        html(
            status,
            &ForgotPage {
                layout: Layout::new("Mot de passe oublié", None, ""),
                email: if sent { String::new() } else { email.clone() },
                errors,
                sent,
            },
        )
    };
    if !fields.errors.is_empty() {
        return page(StatusCode::UNPROCESSABLE_ENTITY, fields.errors, false);
    }
    match account_links::request_reset(&state.core, &email, client, now).await {
        Ok(()) => page(StatusCode::OK, Errors::default(), true),
        Err(Error::Invalid(errors)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::from_validation(errors),
            false,
        ),
        Err(Error::TooManyAttempts {
            retry_after_seconds,
        }) => {
            let mut errors = Errors::default();
            errors.add(
                "email",
                format!(
                    "Trop de demandes depuis ce poste : réessayez dans {} minute(s).",
                    retry_after_seconds.div_ceil(60).max(1)
                ),
            );
            page(StatusCode::TOO_MANY_REQUESTS, errors, false)
        }
        Err(other) => PageError::from(other).into_response(),
    }
}

#[derive(Template)]
#[template(path = "web/link_password.html")]
struct LinkPasswordPage {
    layout: Layout,
    invitation: bool,
    account: LinkAccount,
    expires: String,
    action: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "web/link_dead.html")]
struct LinkDeadPage {
    layout: Layout,
    invitation: bool,
    expired: bool,
}

fn titles(purpose: Purpose) -> (&'static str, &'static str) {
    match purpose {
        Purpose::Invitation => ("Activer votre compte", "/invitation"),
        Purpose::Reset => ("Choisir un nouveau mot de passe", "/reinitialisation"),
    }
}

/// A link that no longer works: said plainly, with what to do next. 410 Gone for an
/// expired link, 404 for an unknown or used one.
fn dead(purpose: Purpose, expired: bool) -> Response {
    let title = if expired {
        "Lien expiré"
    } else {
        "Lien inutilisable"
    };
    html(
        if expired {
            StatusCode::GONE
        } else {
            StatusCode::NOT_FOUND
        },
        &LinkDeadPage {
            layout: Layout::new(title, None, ""),
            invitation: purpose == Purpose::Invitation,
            expired,
        },
    )
}

fn form(purpose: Purpose, token: &str, account: LinkAccount, errors: Errors) -> Response {
    let (title, path) = titles(purpose);
    let status = errors.status();
    html(
        status,
        &LinkPasswordPage {
            layout: Layout::new(title, None, ""),
            invitation: purpose == Purpose::Invitation,
            expires: fr::date_time(account.expires_at),
            account,
            action: format!("{path}/{token}"),
            errors: errors.sorted_by(&["new", "confirmation"]),
        },
    )
}

async fn show(
    state: &AppState,
    purpose: Purpose,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    match account_links::check(&state.core, purpose, token, now).await {
        Ok(LinkState::Valid(account)) => form(purpose, token, account, Errors::default()),
        Ok(LinkState::Expired) => dead(purpose, true),
        Ok(LinkState::Unknown) => dead(purpose, false),
        Err(error) => PageError::from(error).into_response(),
    }
}

async fn submit(
    state: &AppState,
    purpose: Purpose,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
    jar: CookieJar,
    fields: super::page::Fields,
) -> Response {
    let account = match account_links::check(&state.core, purpose, token, now).await {
        Ok(LinkState::Valid(account)) => account,
        Ok(LinkState::Expired) => return dead(purpose, true),
        Ok(LinkState::Unknown) => return dead(purpose, false),
        Err(error) => return PageError::from(error).into_response(),
    };
    if !fields.errors.is_empty() {
        return form(purpose, token, account, fields.errors);
    }
    let password = NewPassword {
        new: fields.raw("new").unwrap_or_default().to_owned(),
        confirmation: fields.raw("confirmation").unwrap_or_default().to_owned(),
    };
    match account_links::complete(&state.core, purpose, token, password, now).await {
        Ok(opened) => {
            let flash = match purpose {
                Purpose::Invitation => "compte-active",
                Purpose::Reset => "mot-de-passe-reinitialise",
            };
            (
                jar.add(session_cookie(state, opened.token)),
                see_other("/", Some(flash)),
            )
                .into_response()
        }
        Err(Error::Invalid(errors)) => {
            form(purpose, token, account, Errors::from_validation(errors))
        }
        Err(Error::NotFound) => dead(purpose, false),
        Err(other) => PageError::from(other).into_response(),
    }
}

pub async fn invitation_form(
    State(state): State<AppState>,
    Now(now): Now,
    Path(token): Path<String>,
) -> Response {
    show(&state, Purpose::Invitation, &token, now).await
}

pub async fn invitation_submit(
    State(state): State<AppState>,
    Now(now): Now,
    Path(token): Path<String>,
    jar: CookieJar,
    PublicForm(fields): PublicForm,
) -> Response {
    submit(&state, Purpose::Invitation, &token, now, jar, fields).await
}

pub async fn reset_form(
    State(state): State<AppState>,
    Now(now): Now,
    Path(token): Path<String>,
) -> Response {
    show(&state, Purpose::Reset, &token, now).await
}

pub async fn reset_submit(
    State(state): State<AppState>,
    Now(now): Now,
    Path(token): Path<String>,
    jar: CookieJar,
    PublicForm(fields): PublicForm,
) -> Response {
    submit(&state, Purpose::Reset, &token, now, jar, fields).await
}
