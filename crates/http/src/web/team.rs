//! « Équipe »: an organisation's accounts, run by its admins — who is there and in
//! what state, an invitation by e-mail, sending it again, disabling and enabling. A
//! platform admin reaches any organisation's team with `?structure=ID`.

use super::FlashQuery;
use super::fr;
use super::page::{Errors, Layout, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::team::{self, Invitation, Status};
use parcours_core::{Error, organisations};
use parcours_domain::labels::Label;

#[derive(serde::Deserialize, Default)]
pub struct TeamQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    structure: Option<String>,
}

/// The organisation a page is about: the one asked for (platform admins), else the
/// user's own. Anything but a number is the user's own.
fn organisation_of(user: &Signed, asked: Option<&str>) -> i64 {
    asked
        .and_then(crate::extract::path_id)
        .unwrap_or(user.actor().organisation_id)
}

/// The team page of an organisation.
fn team_href(user: &Signed, organisation_id: i64) -> String {
    if organisation_id == user.actor().organisation_id {
        "/equipe".to_owned()
    } else {
        format!("/equipe?structure={organisation_id}")
    }
}

struct Row {
    id: i64,
    name: String,
    email: String,
    role: String,
    status: String,
    /// « actif », « invitation », « désactivé »: which actions the row offers.
    state: &'static str,
    last_login: String,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "web/team.html")]
struct TeamPage {
    layout: Layout,
    csrf: String,
    organisation: String,
    invite_href: String,
    rows: Vec<Row>,
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<TeamQuery>,
) -> PageResult {
    let organisation_id = organisation_of(&user, query.structure.as_deref());
    let members = team::members(&state.core, user.actor(), organisation_id).await?;
    let organisation = organisations::get(&state.core, user.actor(), organisation_id).await?;
    let rows = members
        .into_iter()
        .map(|member| {
            let (status, state) = match member.status {
                Status::Active => ("Actif".to_owned(), "actif"),
                Status::Disabled => ("Désactivé".to_owned(), "desactive"),
                Status::Invited {
                    expires_at: Some(at),
                } if at > now => (
                    format!(
                        "Invitation envoyée (valable jusqu'au {})",
                        fr::date_time(at)
                    ),
                    "invitation",
                ),
                Status::Invited { .. } => {
                    ("Invitation expirée : renvoyez-la".to_owned(), "invitation")
                }
            };
            Row {
                id: member.user.id,
                is_self: member.user.id == user.actor().user_id,
                name: member.user.display_name,
                email: member.user.email,
                role: member.user.role.label().to_owned(),
                status,
                state,
                last_login: member
                    .user
                    .last_login_at
                    .map(fr::date_time)
                    .unwrap_or_else(|| "jamais".to_owned()),
            }
        })
        .collect();
    let invite_href = if organisation_id == user.actor().organisation_id {
        "/equipe/inviter".to_owned()
    } else {
        format!("/equipe/inviter?structure={organisation_id}")
    };
    let section = if organisation_id == user.actor().organisation_id {
        "/equipe"
    } else {
        "/admin"
    };
    Ok(html(
        StatusCode::OK,
        &TeamPage {
            layout: user
                .layout(format!("Équipe — {}", organisation.name), section)
                .with_flash(query.flash.message()),
            csrf: user.csrf.clone(),
            organisation: organisation.name,
            invite_href,
            rows,
        },
    ))
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "web/invite.html")]
struct InvitePage {
    layout: Layout,
    csrf: String,
    organisation: String,
    organisation_id: i64,
    back: String,
    name: String,
    email: String,
    roles: Vec<RoleChoice>,
    errors: Errors,
}

async fn invite_page(
    state: &AppState,
    user: &Signed,
    organisation_id: i64,
    typed: &Invitation,
    errors: Errors,
) -> PageResult {
    // Refuses before showing the form to someone who may not invite here.
    team::members(&state.core, user.actor(), organisation_id).await?;
    let organisation = organisations::get(&state.core, user.actor(), organisation_id).await?;
    let roles = team::grantable_roles(user.actor())
        .iter()
        .map(|role| RoleChoice {
            value: role.as_str(),
            label: role.label(),
            selected: typed.role == role.as_str(),
        })
        .collect();
    let status = errors.status();
    let section = if organisation_id == user.actor().organisation_id {
        "/equipe"
    } else {
        "/admin"
    };
    Ok(html(
        status,
        &InvitePage {
            layout: user.layout("Inviter une personne", section),
            csrf: user.csrf.clone(),
            organisation: organisation.name,
            organisation_id,
            back: team_href(user, organisation_id),
            name: typed.name.clone(),
            email: typed.email.clone(),
            roles,
            errors: errors.sorted_by(&["name", "email", "role"]),
        },
    ))
}

pub async fn invite_form(
    State(state): State<AppState>,
    user: Signed,
    Query(query): Query<TeamQuery>,
) -> PageResult {
    let organisation_id = organisation_of(&user, query.structure.as_deref());
    let typed = Invitation {
        role: "adviser".into(),
        ..Invitation::default()
    };
    invite_page(&state, &user, organisation_id, &typed, Errors::default()).await
}

pub async fn invite_submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let organisation_id = organisation_of(&user, fields.raw("structure"));
    let typed = Invitation {
        name: fields.raw("name").unwrap_or_default().to_owned(),
        email: fields.raw("email").unwrap_or_default().to_owned(),
        role: fields.raw("role").unwrap_or_default().to_owned(),
    };
    if !fields.errors.is_empty() {
        return invite_page(&state, &user, organisation_id, &typed, fields.errors).await;
    }
    match team::invite(
        &state.core,
        user.actor(),
        organisation_id,
        typed.clone(),
        now,
    )
    .await
    {
        Ok(_) => Ok(see_other(
            &team_href(&user, organisation_id),
            Some("invitation-envoyee"),
        )),
        Err(Error::Invalid(errors)) => {
            invite_page(
                &state,
                &user,
                organisation_id,
                &typed,
                Errors::from_validation(errors),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let user = team::disable(&state.core, form.user.actor(), id, now).await?;
    Ok(see_other(
        &team_href(&form.user, user.organisation_id),
        Some("compte-desactive"),
    ))
}

pub async fn enable(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let user = team::enable(&state.core, form.user.actor(), id, now).await?;
    Ok(see_other(
        &team_href(&form.user, user.organisation_id),
        Some("compte-reactive"),
    ))
}

pub async fn resend(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let user = team::resend(&state.core, form.user.actor(), id, now).await?;
    Ok(see_other(
        &team_href(&form.user, user.organisation_id),
        Some("invitation-renvoyee"),
    ))
}
