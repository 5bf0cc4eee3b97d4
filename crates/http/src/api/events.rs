//! Awareness events: what was organised, with whom, and who came — named or counted.

use super::access::{actor, holder_for, parse_id, require_personal_data_role};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use parcours_domain::ValidationErrors;
use parcours_domain::events::{EventKind, Headcount};
use parcours_domain::holders::{Phone, QpvCode, check_name, check_text, parse_date};
use parcours_domain::pathway::{Pathway, Stage};
use parcours_domain::users::Email;
use parcours_persistence::events::{self, Event, EventFields};
use parcours_persistence::holders::HolderFields;
use parcours_persistence::{ConnectionTrait, audit, commit, consents, holders, organisations};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_event, list_events))
        .routes(routes!(get_event, patch_event))
        .routes(routes!(add_attendee))
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadcountInput {
    pub total: i32,
    #[serde(default)]
    pub women: i32,
    #[serde(default)]
    pub under_26: i32,
    #[serde(default)]
    pub qpv_residents: i32,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// `bus`, `cafe_createurs`, `atelier`, `forum`, `temoignages`, `mini_entreprise`, `autre`.
    pub kind: Option<String>,
    pub title: Option<String>,
    /// YYYY-MM-DD.
    pub held_on: Option<String>,
    pub place: Option<String>,
    pub qpv_code: Option<String>,
    /// Other organisations involved (ids).
    pub partners: Option<Vec<i64>>,
    /// People reached without their names.
    pub headcount: Option<HeadcountInput>,
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeView {
    pub holder_id: i64,
    pub first_name: String,
    pub last_name: String,
    /// Registered at this event rather than already followed.
    pub new_holder: bool,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: String,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub qpv_code: Option<String>,
    pub partners: Vec<i64>,
    pub headcount: HeadcountInput,
    /// Named attendees, all organisations together.
    pub named_count: usize,
    /// Named attendees the reader's organisation follows (the others stay counted only).
    pub attendees: Vec<AttendeeView>,
}

async fn view(
    conn: &impl ConnectionTrait,
    state: &AppState,
    user: &CurrentUser,
    event: Event,
) -> ApiResult<EventView> {
    let attendance = events::attendees(conn, event.id).await?;
    let named_count = attendance.len();
    let mut attendees = Vec::new();
    for (row, holder) in attendance {
        if holder.referent_organisation_id == user.organisation_id {
            audit::record(
                conn,
                &actor(user),
                "event.attendee.read",
                holder.id,
                state.clock.now(),
            )
            .await?;
            attendees.push(AttendeeView {
                holder_id: holder.id,
                first_name: holder.first_name,
                last_name: holder.last_name,
                new_holder: row.new_holder,
            });
        }
    }
    Ok(EventView {
        id: event.id,
        organisation_id: event.organisation_id,
        partners: events::partners(conn, event.id).await?,
        kind: event.kind,
        title: event.title,
        held_on: event.held_on,
        place: event.place,
        qpv_code: event.qpv_code,
        headcount: HeadcountInput {
            total: event.headcount_total,
            women: event.headcount_women,
            under_26: event.headcount_under26,
            qpv_residents: event.headcount_qpv,
        },
        named_count,
        attendees,
    })
}

async fn validate(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    input: &EventInput,
) -> ApiResult<EventFields> {
    let mut errors = ValidationErrors::new();
    let kind = match input.kind.as_deref() {
        None => {
            errors.add("kind", "obligatoire");
            None
        }
        Some(raw) => errors.check("kind", raw.parse::<EventKind>()),
    };
    let title = match errors.check(
        "title",
        check_text(input.title.as_deref().unwrap_or_default(), 200),
    ) {
        Some(Some(t)) => Some(t),
        Some(None) => {
            errors.add("title", "obligatoire");
            None
        }
        None => None,
    };
    let held_on = match input.held_on.as_deref() {
        None => {
            errors.add("held_on", "obligatoire");
            None
        }
        Some(raw) => errors.check("held_on", parse_date(raw)),
    };
    let place = errors
        .check(
            "place",
            check_text(input.place.as_deref().unwrap_or_default(), 300),
        )
        .flatten();
    let qpv_code = input
        .qpv_code
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("qpv_code", QpvCode::parse(v)))
        .map(|q| q.as_str().to_owned());
    let headcount = input.headcount.unwrap_or_default();
    let counts = Headcount {
        total: headcount.total,
        women: headcount.women,
        under_26: headcount.under_26,
        qpv_residents: headcount.qpv_residents,
    };
    if let Err(problems) = counts.check() {
        for (field, message) in problems {
            errors.add(field, message);
        }
    }
    let mut partners = Vec::new();
    for (i, id) in input.partners.iter().flatten().enumerate() {
        if *id == user.organisation_id || organisations::get(conn, *id).await?.is_none() {
            errors.add(
                format!("partners[{i}]"),
                "structure partenaire inconnue (ou la vôtre)",
            );
        } else if !partners.contains(id) {
            partners.push(*id);
        }
    }
    errors.into_result()?;
    Ok(EventFields {
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        title: title.unwrap_or_default(),
        held_on: held_on.unwrap_or_default(),
        place,
        qpv_code,
        headcount_total: counts.total,
        headcount_women: counts.women,
        headcount_under26: counts.under_26,
        headcount_qpv: counts.qpv_residents,
        partners,
    })
}

/// Records an awareness event of the user's organisation.
#[utoipa::path(
    post, path = "/events", tag = "events",
    request_body = EventInput,
    responses(
        (status = 201, body = EventView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<EventInput>,
) -> ApiResult<(StatusCode, Json<EventView>)> {
    require_personal_data_role(&user)?;
    let txn = state.db.begin_write().await?;
    let fields = validate(&txn, &user, &input).await?;
    let event = events::create(
        &txn,
        user.organisation_id,
        user.id,
        &fields,
        state.clock.now(),
    )
    .await?;
    let body = view(&txn, &state, &user, event).await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventPage {
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
    pub next_cursor: Option<String>,
}

/// Events the organisation ran or took part in, most recent first.
#[utoipa::path(
    get, path = "/events", tag = "events",
    params(EventPage),
    responses((status = 200, body = EventList), (status = 403, body = Problem, content_type = "application/problem+json")),
)]
async fn list_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(page): Query<EventPage>,
) -> ApiResult<Json<EventList>> {
    require_personal_data_role(&user)?;
    let mut errors = ValidationErrors::new();
    let before = decode_cursor(&mut errors, page.cursor.as_deref());
    let limit = parse_limit(&mut errors, page.limit.as_deref());
    errors.into_result()?;
    let txn = state.db.begin_write().await?;
    let (rows, more) = events::list(&txn, user.organisation_id, before, limit).await?;
    let next_cursor = more
        .then(|| rows.last().map(|e| encode_cursor(&(e.held_on, e.id))))
        .flatten();
    let mut items = Vec::new();
    for event in rows {
        items.push(view(&txn, &state, &user, event).await?);
    }
    commit(txn).await?;
    Ok(Json(EventList { items, next_cursor }))
}

/// The event, if the organisation ran it or took part.
async fn visible_event(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: &str,
) -> ApiResult<Event> {
    require_personal_data_role(user)?;
    let event = events::get(conn, parse_id(id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    if event.organisation_id != user.organisation_id
        && !events::partners(conn, event.id)
            .await?
            .contains(&user.organisation_id)
    {
        return Err(ApiError::NotFound);
    }
    Ok(event)
}

/// One event with its attendance.
#[utoipa::path(
    get, path = "/events/{id}", tag = "events",
    params(("id" = i64, Path)),
    responses((status = 200, body = EventView), (status = 404, body = Problem, content_type = "application/problem+json")),
)]
async fn get_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EventView>> {
    let txn = state.db.begin_write().await?;
    let event = visible_event(&txn, &user, &id).await?;
    let body = view(&txn, &state, &user, event).await?;
    commit(txn).await?;
    Ok(Json(body))
}

/// Changes an event of the organisation (JSON merge patch), e.g. its head-count.
#[utoipa::path(
    patch, path = "/events/{id}", tag = "events",
    params(("id" = i64, Path)),
    request_body = EventInput,
    responses(
        (status = 200, body = EventView),
        (status = 403, description = "Réservé à la structure organisatrice", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn patch_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<EventView>> {
    let txn = state.db.begin_write().await?;
    let event = visible_event(&txn, &user, &id).await?;
    if event.organisation_id != user.organisation_id {
        return Err(ApiError::Forbidden);
    }
    let current = EventInput {
        kind: Some(event.kind.clone()),
        title: Some(event.title.clone()),
        held_on: Some(event.held_on.format("%Y-%m-%d").to_string()),
        place: event.place.clone(),
        qpv_code: event.qpv_code.clone(),
        partners: Some(events::partners(&txn, event.id).await?),
        headcount: Some(HeadcountInput {
            total: event.headcount_total,
            women: event.headcount_women,
            under_26: event.headcount_under26,
            qpv_residents: event.headcount_qpv,
        }),
    };
    let input = super::holders::merge(&current, patch)?;
    let fields = validate(&txn, &user, &input).await?;
    let updated = events::update(&txn, event.id, &fields, state.clock.now()).await?;
    let body = view(&txn, &state, &user, updated).await?;
    commit(txn).await?;
    Ok(Json(body))
}

/// A named attendee: someone already followed (`holder_id`), or a quick registration
/// that needs only a name, a way to reach them, and their consent to be followed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeInput {
    pub holder_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Consent to be followed (`suivi`): required to register someone new.
    pub consent: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceView {
    pub holder_id: i64,
    pub new_holder: bool,
    /// False when the person was already recorded at this event.
    pub added: bool,
}

/// Adds a named attendee. A new person enters the pathway at `sensibilisation`, with
/// this event as their source.
#[utoipa::path(
    post, path = "/events/{id}/attendees", tag = "events",
    params(("id" = i64, Path)),
    request_body = AttendeeInput,
    responses(
        (status = 201, body = AttendanceView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn add_attendee(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AttendeeInput>,
) -> ApiResult<(StatusCode, Json<AttendanceView>)> {
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let event = visible_event(&txn, &user, &id).await?;
    let (holder_id, new_holder) = match input.holder_id {
        Some(holder_id) => {
            if input.first_name.is_some()
                || input.last_name.is_some()
                || input.email.is_some()
                || input.phone.is_some()
            {
                return Err(ApiError::validation(
                    "holder_id",
                    "soit une personne suivie (holder_id), soit une nouvelle inscription, pas les deux",
                ));
            }
            (
                holder_for(&txn, &state, &user, holder_id, "event.attendee.add")
                    .await?
                    .id,
                false,
            )
        }
        None => {
            let mut errors = ValidationErrors::new();
            let first = errors.check(
                "first_name",
                check_name(input.first_name.as_deref().unwrap_or_default()),
            );
            let last = errors.check(
                "last_name",
                check_name(input.last_name.as_deref().unwrap_or_default()),
            );
            let email = input
                .email
                .as_deref()
                .filter(|v| !v.is_empty())
                .and_then(|v| errors.check("email", Email::parse(v)));
            let phone = input
                .phone
                .as_deref()
                .filter(|v| !v.is_empty())
                .and_then(|v| errors.check("phone", Phone::parse(v)));
            if input.email.as_deref().unwrap_or_default().is_empty()
                && input.phone.as_deref().unwrap_or_default().is_empty()
            {
                errors.add(
                    "phone",
                    "un moyen de joindre la personne est nécessaire : téléphone ou e-mail",
                );
            }
            if input.consent != Some(true) {
                errors.add(
                    "consent",
                    "l'accord de la personne pour être suivie est nécessaire",
                );
            }
            errors.into_result()?;
            let (_, entry) = Pathway::start(Stage::Sensibilisation);
            let holder = holders::create(
                &txn,
                user.organisation_id,
                user.id,
                HolderFields {
                    first_name: first.unwrap_or_default(),
                    last_name: last.unwrap_or_default(),
                    email: email.map(Email::into_inner),
                    phone: phone.map(|p| p.as_str().to_owned()),
                    qpv_status: "unknown".into(),
                    qpv_status_source: "non_renseigne".into(),
                    referent_user_id: Some(user.id),
                    ..HolderFields::default()
                },
                &entry,
                now,
            )
            .await?;
            events::set_source(&txn, holder.id, event.id).await?;
            consents::record(&txn, holder.id, "suivi", true, user.id, now).await?;
            audit::record(&txn, &actor(&user), "holder.create", holder.id, now).await?;
            (holder.id, true)
        }
    };
    let added = events::add_attendee(&txn, event.id, holder_id, new_holder, now).await?;
    commit(txn).await?;
    Ok((
        StatusCode::CREATED,
        Json(AttendanceView {
            holder_id,
            new_holder,
            added,
        }),
    ))
}
