//! Referrals between partners: sending, answering, completing, withdrawing; what each
//! side sees at each step; the coordinator's queue of unanswered referrals. Every change
//! writes its e-mail to the outbox in the same transaction.

use super::access::{holder_for, parse_id, require_personal_data_role};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, decode_cursor, encode_cursor, parse_limit, parse_param};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::check_text;
use parcours_domain::referrals::{
    DeclineReason, ReceiverView, ReferralAction, ReferralError, ReferralOutcome, ReferralStatus,
    Side, receiver_view, transition,
};
use parcours_domain::users::Role;
use parcours_mail::referrals::{self as mails, ReferralMail, Rendered};
use parcours_persistence::referrals::{self, Box as Mailbox, Referral};
use parcours_persistence::{
    ConnectionTrait, commit, consents, holders, organisations, outbox, projects, services, users,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_referral, list_referrals))
        .routes(routes!(overdue_referrals))
        .routes(routes!(get_referral))
        .routes(routes!(accept_referral))
        .routes(routes!(decline_referral))
        .routes(routes!(complete_referral))
        .routes(routes!(withdraw_referral))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub holder_id: i64,
    pub to_organisation_id: i64,
    /// One service of that organisation, optionally.
    pub service_id: Option<i64>,
    /// What the person needs from the partner.
    pub need: String,
    /// A word for the receiving adviser.
    pub message: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
    pub name: String,
}

/// What a referral shares with the receiving organisation while it awaits an answer.
#[derive(Serialize, ToSchema)]
pub struct SharedHolder {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The first project's idea, sector and financing need.
    pub project_summary: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralEventView {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// None when the scheduler acted (reminder, expiry).
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    pub id: i64,
    pub holder_id: i64,
    pub from_organisation: OrganisationRef,
    pub from_user_id: i64,
    pub to_organisation: OrganisationRef,
    pub service_id: Option<i64>,
    pub need: String,
    pub message: Option<String>,
    /// `sent`, `accepted`, `declined`, `withdrawn`, `expired` or `completed`.
    pub status: String,
    pub decline_reason: Option<String>,
    pub decline_text: Option<String>,
    pub outcome: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reminders_sent: i32,
    /// Present while the reader's organisation may see the person.
    pub holder: Option<SharedHolder>,
    /// Every step, oldest first (on the detail only).
    pub history: Vec<ReferralEventView>,
}

async fn org_ref(conn: &impl ConnectionTrait, id: i64) -> ApiResult<OrganisationRef> {
    let org = organisations::get(conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(OrganisationRef {
        id: org.id,
        name: org.name,
    })
}

/// The reader's side, or 404 for anyone else.
fn side_of(user: &CurrentUser, referral: &Referral) -> ApiResult<Side> {
    if user.organisation_id == referral.from_organisation_id {
        Ok(Side::Sender)
    } else if user.organisation_id == referral.to_organisation_id {
        Ok(Side::Receiver)
    } else {
        Err(ApiError::NotFound)
    }
}

fn status_of(referral: &Referral) -> ApiResult<ReferralStatus> {
    referral
        .status
        .parse()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored status: {e}")))
}

async fn view(
    conn: &impl ConnectionTrait,
    state: &AppState,
    user: &CurrentUser,
    referral: Referral,
    with_history: bool,
) -> ApiResult<ReferralView> {
    let side = side_of(user, &referral)?;
    let holder = holders::get(conn, referral.holder_id).await?;
    let sees = match side {
        Side::Sender => holder
            .as_ref()
            .is_some_and(|h| h.referent_organisation_id == user.organisation_id),
        _ => receiver_view(status_of(&referral)?) != ReceiverView::None,
    };
    let shared = match (sees, holder) {
        (true, Some(h)) => {
            parcours_persistence::audit::record(
                conn,
                &super::access::actor(user),
                "referral.read",
                h.id,
                state.clock.now(),
            )
            .await?;
            let summary = projects::for_holder(conn, h.id)
                .await?
                .into_iter()
                .next()
                .map(|p| {
                    let mut text = p.idea;
                    if let Some(sector) = p.sector {
                        text.push_str(&format!(" ({sector})"));
                    }
                    if let Some(need) = p.financing_need_eur {
                        text.push_str(&format!(" ; besoin de financement : {need} €"));
                    }
                    text
                });
            Some(SharedHolder {
                id: h.id,
                first_name: h.first_name,
                last_name: h.last_name,
                email: h.email,
                phone: h.phone,
                project_summary: summary,
            })
        }
        _ => None,
    };
    let history = if with_history {
        referrals::events(conn, referral.id)
            .await?
            .into_iter()
            .map(|e| ReferralEventView {
                action: e.action,
                from_status: e.from_status,
                to_status: e.to_status,
                user_id: e.user_id,
                reason: e.reason,
                at: e.occurred_at,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReferralView {
        id: referral.id,
        holder_id: referral.holder_id,
        from_organisation: org_ref(conn, referral.from_organisation_id).await?,
        from_user_id: referral.from_user_id,
        to_organisation: org_ref(conn, referral.to_organisation_id).await?,
        service_id: referral.service_id,
        need: referral.need,
        message: referral.message,
        status: referral.status,
        decline_reason: referral.decline_reason,
        decline_text: referral.decline_text,
        outcome: referral.outcome,
        sent_at: referral.sent_at,
        answered_at: referral.answered_at,
        closed_at: referral.closed_at,
        reminders_sent: referral.reminders_sent,
        holder: shared,
        history,
    })
}

/// Writes one message to the outbox.
async fn enqueue(
    conn: &impl ConnectionTrait,
    state: &AppState,
    kind: &str,
    recipient: Option<String>,
    rendered: Rendered,
    message_key: String,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(recipient) = recipient else {
        tracing::warn!(kind, "no address to notify: message not queued");
        return Ok(());
    };
    outbox::enqueue(
        conn,
        outbox::NewMessage {
            kind: kind.to_owned(),
            recipient,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: format!("<{message_key}@{}>", state.mailer.message_id_domain()),
        },
        now,
    )
    .await?;
    Ok(())
}

fn link(state: &AppState, referral_id: i64) -> String {
    format!(
        "{}/api/v1/referrals/{referral_id}",
        state.settings.public_url.trim_end_matches('/')
    )
}

async fn names(
    conn: &impl ConnectionTrait,
    referral: &Referral,
) -> ApiResult<(organisations::Organisation, organisations::Organisation)> {
    let from = organisations::get(conn, referral.from_organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let to = organisations::get(conn, referral.to_organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((from, to))
}

/// The receiving organisation learns of a new referral.
async fn enqueue_received(
    conn: &impl ConnectionTrait,
    state: &AppState,
    referral: &Referral,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let (from, to) = names(conn, referral).await?;
    let link = link(state, referral.id);
    let mail = ReferralMail {
        referral_id: referral.id,
        link: &link,
        from_organisation: &from.name,
        to_organisation: &to.name,
    };
    enqueue(
        conn,
        state,
        "referral.received",
        to.notification_email.clone(),
        mails::received(&mail),
        format!("referral-{}-sent", referral.id),
        now,
    )
    .await
}

/// The receiving organisation is reminded of an unanswered referral.
pub(crate) async fn enqueue_reminder(
    conn: &impl ConnectionTrait,
    state: &AppState,
    referral: &Referral,
    days: i64,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let (from, to) = names(conn, referral).await?;
    let link = link(state, referral.id);
    let mail = ReferralMail {
        referral_id: referral.id,
        link: &link,
        from_organisation: &from.name,
        to_organisation: &to.name,
    };
    let key = format!(
        "referral-{}-reminder-{}",
        referral.id,
        referral.reminders_sent + 1
    );
    enqueue(
        conn,
        state,
        "referral.reminder",
        to.notification_email.clone(),
        mails::reminder(&mail, days),
        key,
        now,
    )
    .await
}

/// The other side learns of a change: the sending adviser of an answer, completion or
/// expiry; the receiving organisation of a withdrawal.
pub(crate) async fn enqueue_change(
    conn: &impl ConnectionTrait,
    state: &AppState,
    referral: &Referral,
    action: &str,
    what: &str,
    detail: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let (from, to) = names(conn, referral).await?;
    let recipient = if action == "withdraw" {
        to.notification_email.clone()
    } else {
        let sender = users::get(conn, referral.from_user_id).await?;
        sender
            .filter(|u| u.disabled_at.is_none())
            .map(|u| u.email)
            .or_else(|| from.notification_email.clone())
    };
    let link = link(state, referral.id);
    let mail = ReferralMail {
        referral_id: referral.id,
        link: &link,
        from_organisation: &from.name,
        to_organisation: &to.name,
    };
    let rendered = mails::changed(&mail, what, detail.as_deref());
    enqueue(
        conn,
        state,
        &format!("referral.{action}"),
        recipient,
        rendered,
        format!("referral-{}-{action}", referral.id),
        now,
    )
    .await
}

/// Refers a holder to a partner. Needs the holder's consent to share with partners.
#[utoipa::path(
    post, path = "/referrals", tag = "referrals",
    request_body = ReferralInput,
    responses(
        (status = 201, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Une orientation vers cette structure est déjà en cours", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ReferralInput>,
) -> ApiResult<(StatusCode, Json<ReferralView>)> {
    require_personal_data_role(&user)?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, input.holder_id, "referral.create").await?;
    let mut errors = ValidationErrors::new();
    if holder.referent_organisation_id != user.organisation_id {
        errors.add(
            "holder_id",
            "seule la structure référente oriente la personne",
        );
    }
    let need = match errors.check("need", check_text(&input.need, 500)) {
        Some(Some(need)) => Some(need),
        Some(None) => {
            errors.add(
                "need",
                "obligatoire : dites ce que la personne attend du partenaire",
            );
            None
        }
        None => None,
    };
    let message = errors
        .check(
            "message",
            check_text(input.message.as_deref().unwrap_or_default(), 2000),
        )
        .flatten();
    if input.to_organisation_id == user.organisation_id {
        errors.add(
            "to_organisation_id",
            "orientez vers une autre structure que la vôtre",
        );
    } else if organisations::get(&txn, input.to_organisation_id)
        .await?
        .is_none()
    {
        errors.add("to_organisation_id", "structure inconnue");
    }
    if let Some(service_id) = input.service_id {
        match services::get(&txn, service_id).await? {
            Some(service)
                if service.organisation_id == input.to_organisation_id && service.active => {}
            _ => errors.add(
                "service_id",
                "ce service n'est pas proposé par la structure choisie",
            ),
        }
    }
    if !consents::is_given(&txn, holder.id, "partage_partenaires").await? {
        errors.add("holder_id", "la personne n'a pas donné son accord pour le partage avec les partenaires (consentement partage_partenaires)");
    }
    errors.into_result()?;
    if referrals::live_for(&txn, holder.id, input.to_organisation_id)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
            "une orientation vers cette structure est déjà en cours pour cette personne".into(),
        ));
    }
    let referral = referrals::create(
        &txn,
        referrals::NewReferral {
            holder_id: holder.id,
            from_organisation_id: user.organisation_id,
            from_user_id: user.id,
            to_organisation_id: input.to_organisation_id,
            service_id: input.service_id,
            need: need.unwrap_or_default(),
            message,
        },
        now,
    )
    .await?;
    enqueue_received(&txn, &state, &referral, now).await?;
    let body = view(&txn, &state, &user, referral, true).await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralFilters {
    /// `inbox` (received, the default) or `outbox` (sent).
    #[serde(rename = "box")]
    which: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<ReferralView>,
    pub next_cursor: Option<String>,
}

/// The organisation's received or sent referrals, newest first.
#[utoipa::path(
    get, path = "/referrals", tag = "referrals",
    params(ReferralFilters),
    responses(
        (status = 200, body = ReferralPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_referrals(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filters): Query<ReferralFilters>,
) -> ApiResult<Json<ReferralPage>> {
    require_personal_data_role(&user)?;
    let mut errors = ValidationErrors::new();
    let which = match filters.which.as_deref() {
        None | Some("inbox") => Mailbox::Inbox,
        Some("outbox") => Mailbox::Outbox,
        Some(_) => {
            errors.add("box", "inbox ou outbox");
            Mailbox::Inbox
        }
    };
    let status: Option<ReferralStatus> =
        parse_param(&mut errors, "status", filters.status.as_deref());
    let before: Option<i64> = decode_cursor(&mut errors, filters.cursor.as_deref());
    let limit = parse_limit(&mut errors, filters.limit.as_deref());
    errors.into_result()?;
    let txn = state.db.begin_write().await?;
    let (rows, more) = referrals::list(
        &txn,
        user.organisation_id,
        which,
        status.map(|s| s.as_str()),
        before,
        limit,
    )
    .await?;
    let next_cursor = more
        .then(|| rows.last().map(|r| encode_cursor(&r.id)))
        .flatten();
    let mut items = Vec::with_capacity(rows.len());
    for referral in rows {
        items.push(view(&txn, &state, &user, referral, false).await?);
    }
    commit(txn).await?;
    Ok(Json(ReferralPage { items, next_cursor }))
}

/// One referral with its history. Only its two organisations see it.
#[utoipa::path(
    get, path = "/referrals/{id}", tag = "referrals",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ReferralView>> {
    require_personal_data_role(&user)?;
    let id = parse_id(&id)?;
    let txn = state.db.begin_write().await?;
    let referral = referrals::get(&txn, id).await?.ok_or(ApiError::NotFound)?;
    let body = view(&txn, &state, &user, referral, true).await?;
    commit(txn).await?;
    Ok(Json(body))
}

fn referral_error(error: ReferralError) -> ApiError {
    match error {
        ReferralError::ReceiverOnly | ReferralError::SenderOnly => {
            ApiError::ForbiddenBecause(error.to_string())
        }
        ReferralError::OtherNeedsText => ApiError::validation("text", error.to_string()),
        ReferralError::Illegal { .. } => ApiError::validation("status", error.to_string()),
    }
}

/// Applies one action, records it, and queues the e-mail to the other side.
async fn act(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    action: ReferralAction,
) -> ApiResult<Json<ReferralView>> {
    require_personal_data_role(user)?;
    let id = parse_id(id)?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let referral = referrals::get(&txn, id).await?.ok_or(ApiError::NotFound)?;
    let side = side_of(user, &referral)?;
    let next = transition(status_of(&referral)?, side, &action).map_err(referral_error)?;
    let (what, detail, mut change) = match &action {
        ReferralAction::Accept => (
            "acceptée",
            None,
            referrals::Change {
                answers: true,
                ..Default::default()
            },
        ),
        ReferralAction::Decline { reason, text } => (
            "déclinée",
            Some(format!(
                "Motif : {}{}",
                reason.as_str(),
                text.as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            )),
            referrals::Change {
                answers: true,
                closes: true,
                decline_reason: Some(reason.as_str().to_owned()),
                decline_text: text.clone(),
                reason: text.clone(),
                ..Default::default()
            },
        ),
        ReferralAction::Complete { outcome } => (
            "clôturée",
            Some(format!("Issue : {}", outcome.as_str())),
            referrals::Change {
                closes: true,
                outcome: Some(outcome.as_str().to_owned()),
                ..Default::default()
            },
        ),
        ReferralAction::Withdraw => (
            "retirée par la structure qui avait orienté",
            None,
            referrals::Change {
                closes: true,
                ..Default::default()
            },
        ),
        ReferralAction::Expire => return Err(ApiError::Forbidden),
    };
    change.action = action.name().to_owned();
    change.to_status = next.as_str().to_owned();
    change.user_id = Some(user.id);
    let updated = referrals::apply(&txn, &referral, change, now)
        .await?
        .ok_or(ApiError::Conflict(
            "l'orientation a changé entre-temps : rechargez-la".into(),
        ))?;
    enqueue_change(&txn, state, &updated, action.name(), what, detail, now).await?;
    let body = view(&txn, state, user, updated, true).await?;
    commit(txn).await?;
    Ok(Json(body))
}

/// The receiving organisation takes the person on: it sees the whole file until the end.
#[utoipa::path(
    post, path = "/referrals/{id}/accept", tag = "referrals",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ReferralView),
        (status = 403, description = "Réservé à la structure destinataire", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Impossible dans l'état actuel", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn accept_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ReferralView>> {
    act(&state, &user, &id, ReferralAction::Accept).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    /// `hors_perimetre`, `public_non_eligible`, `injoignable`, `capacite` or `autre`.
    pub reason: String,
    /// Required with `autre`.
    pub text: Option<String>,
}

/// The receiving organisation declines, with a reason.
#[utoipa::path(
    post, path = "/referrals/{id}/decline", tag = "referrals",
    params(("id" = i64, Path)),
    request_body = DeclineInput,
    responses(
        (status = 200, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn decline_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DeclineInput>,
) -> ApiResult<Json<ReferralView>> {
    let reason: DeclineReason = input
        .reason
        .parse()
        .map_err(|e| ApiError::validation("reason", format!("{e}")))?;
    let text = check_text(input.text.as_deref().unwrap_or_default(), 500)
        .map_err(|e| ApiError::validation("text", e))?;
    act(&state, &user, &id, ReferralAction::Decline { reason, text }).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    /// `accompagne`, `finance`, `entreprise_creee`, `reoriente` or `sans_suite`.
    pub outcome: String,
}

/// The receiving organisation closes its part with an outcome; its access ends.
#[utoipa::path(
    post, path = "/referrals/{id}/complete", tag = "referrals",
    params(("id" = i64, Path)),
    request_body = CompleteInput,
    responses(
        (status = 200, body = ReferralView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn complete_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CompleteInput>,
) -> ApiResult<Json<ReferralView>> {
    let outcome: ReferralOutcome = input
        .outcome
        .parse()
        .map_err(|e| ApiError::validation("outcome", format!("{e}")))?;
    act(&state, &user, &id, ReferralAction::Complete { outcome }).await
}

/// The sending organisation withdraws the referral.
#[utoipa::path(
    post, path = "/referrals/{id}/withdraw", tag = "referrals",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ReferralView),
        (status = 403, description = "Réservé à la structure qui a orienté", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn withdraw_referral(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ReferralView>> {
    act(&state, &user, &id, ReferralAction::Withdraw).await
}

/// A referral on the coordinator's queue: organisations and delays, no person.
#[derive(Serialize, ToSchema)]
pub struct OverdueReferral {
    pub id: i64,
    pub from_organisation: OrganisationRef,
    pub to_organisation: OrganisationRef,
    pub sent_at: DateTime<Utc>,
    pub days_waiting: i64,
    pub reminders_sent: i32,
}

/// Referrals of the coordinator's territory unanswered past the reminder delay, oldest
/// first. Coordinators only.
#[utoipa::path(
    get, path = "/referrals/overdue", tag = "referrals",
    responses(
        (status = 200, body = Vec<OverdueReferral>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn overdue_referrals(
    State(state): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<OverdueReferral>>> {
    if user.role != Role::Coordinator {
        return Err(ApiError::Forbidden);
    }
    let conn = state.db.conn();
    let org = organisations::get(conn, user.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = state.clock.now();
    let rows = referrals::unanswered_since(
        conn,
        now - state.settings.referral_deadlines.remind_after,
        Some(org.territory.id),
        None,
        500,
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(OverdueReferral {
            id: r.id,
            from_organisation: org_ref(conn, r.from_organisation_id).await?,
            to_organisation: org_ref(conn, r.to_organisation_id).await?,
            sent_at: r.sent_at,
            days_waiting: (now - r.sent_at).num_days(),
            reminders_sent: r.reminders_sent,
        });
    }
    Ok(Json(items))
}
