//! Signing in and out on a page, and changing one's own password: the same use cases,
//! lockout and timing as the API.

use super::page::{Errors, Layout, PageError, PageResult, html, safe_next, see_other};
use super::session::{PublicForm, Signed, SignedForm};
use crate::auth::{expired_cookie, session_cookie};
use crate::client::Client;
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use parcours_core::Error;
use parcours_core::sessions::{self, LoginInput, PasswordChange};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "web/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    email: String,
    errors: Errors,
    expired: bool,
    signed_out: bool,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    suite: Option<String>,
    expiree: Option<String>,
    sortie: Option<String>,
}

pub async fn form(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Response {
    let next = safe_next(query.suite.as_deref().unwrap_or("/")).to_owned();
    html(
        StatusCode::OK,
        &LoginPage {
            layout: Layout::new("Se connecter", None, "")
                .with_demo_mails(state.core.mail_folder().is_some()),
            next,
            email: String::new(),
            errors: Errors::default(),
            expired: query.expiree.is_some(),
            signed_out: query.sortie.is_some(),
        },
    )
}

pub async fn submit(
    State(state): State<AppState>,
    Now(now): Now,
    Client(client): Client,
    jar: CookieJar,
    PublicForm(fields): PublicForm,
) -> Response {
    let next = safe_next(fields.raw("suite").unwrap_or("/")).to_owned();
    let email = fields.raw("email").unwrap_or_default().to_owned();
    let again = |status: StatusCode, errors: Errors| {
        html(
            status,
            &LoginPage {
                layout: Layout::new("Se connecter", None, ""),
                next: next.clone(),
                email: email.clone(),
                errors,
                expired: false,
                signed_out: false,
            },
        )
    };
    if !fields.errors.is_empty() {
        return again(StatusCode::UNPROCESSABLE_ENTITY, fields.errors);
    }
    let replaced = jar
        .get(&state.settings.session_cookie_name())
        .map(|c| c.value().to_owned());
    let input = LoginInput {
        email: email.trim().to_owned(),
        password: fields.raw("password").unwrap_or_default().to_owned(),
    };
    match sessions::login(&state.core, input, replaced.as_deref(), client, now).await {
        Ok(opened) => (
            jar.add(session_cookie(&state, opened.token)),
            see_other(&next, None),
        )
            .into_response(),
        Err(Error::Invalid(errors)) => again(
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::from_validation(errors).sorted_by(&["email", "password"]),
        ),
        Err(Error::InvalidCredentials) => {
            let mut errors = Errors::default();
            errors.add(
                "email",
                "Adresse ou mot de passe incorrect. Après plusieurs essais, le compte est bloqué quelques minutes.",
            );
            again(StatusCode::UNAUTHORIZED, errors)
        }
        Err(Error::TooManyAttempts {
            retry_after_seconds,
        }) => {
            let mut errors = Errors::default();
            errors.add(
                "email",
                format!(
                    "Trop de tentatives depuis ce poste : réessayez dans {} minute(s).",
                    retry_after_seconds.div_ceil(60).max(1)
                ),
            );
            again(StatusCode::TOO_MANY_REQUESTS, errors)
        }
        Err(other) => PageError::from(other).into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, jar: CookieJar, form: SignedForm) -> PageResult {
    sessions::logout(&state.core, &form.user.session).await?;
    Ok((
        jar.add(expired_cookie(&state)),
        see_other("/connexion?sortie=1", None),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "web/password.html")]
struct PasswordPage {
    layout: Layout,
    csrf: String,
    errors: Errors,
}

pub async fn password_form(user: Signed) -> Response {
    html(
        StatusCode::OK,
        &PasswordPage {
            layout: user.layout("Changer de mot de passe", ""),
            csrf: user.csrf.clone(),
            errors: Errors::default(),
        },
    )
}

/// A new password ends every session of the account (other browsers, a lost phone);
/// this browser gets a fresh one.
pub async fn password_submit(
    State(state): State<AppState>,
    Now(now): Now,
    jar: CookieJar,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    const ORDER: &[&str] = &["current", "new", "confirmation"];
    let again = |errors: Errors| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                layout: user.layout("Changer de mot de passe", ""),
                csrf: user.csrf.clone(),
                errors: errors.sorted_by(ORDER),
            },
        )
    };
    if !fields.errors.is_empty() {
        return Ok(again(fields.errors));
    }
    let change = PasswordChange {
        current: fields.raw("current").unwrap_or_default().to_owned(),
        new: fields.raw("new").unwrap_or_default().to_owned(),
        confirmation: fields.raw("confirmation").unwrap_or_default().to_owned(),
    };
    match sessions::change_password(&state.core, &user.session, change, now).await {
        Ok(opened) => Ok((
            jar.add(session_cookie(&state, opened.token)),
            see_other("/", Some("mot-de-passe")),
        )
            .into_response()),
        Err(Error::Invalid(errors)) => Ok(again(Errors::from_validation(errors))),
        Err(other) => Err(other.into()),
    }
}
