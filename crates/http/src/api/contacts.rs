//! Contacts with a holder, consents, the timeline and the adviser's follow-ups.

use super::access::{audit_reads, holder_for, parse_id, read_holder, require_personal_data_role};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, decode_cursor, encode_cursor, parse_limit};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::contacts::{
    ConsentPurpose, ContactKind, MAX_DURATION_MINUTES, MAX_NOTES_CHARS, Topic,
};
use parcours_domain::holders::{check_text, parse_date};
use parcours_persistence::contacts::{self, Contact, NewContact};
use parcours_persistence::timeline::{self, Entry};
use parcours_persistence::{commit, consents};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_contact, list_contacts))
        .routes(routes!(record_consent, list_consents))
        .routes(routes!(holder_timeline))
        .routes(routes!(follow_ups))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// `entretien`, `telephone`, `email`, `atelier`, `permanence`, `evenement` or `visite`.
    pub kind: Option<String>,
    /// When it happened: RFC 3339 date-time, or a date (YYYY-MM-DD). Default: now.
    pub occurred_at: Option<String>,
    pub duration_minutes: Option<i32>,
    /// What it was about (`idee`, `financement`, `frein_mobilite`…).
    #[serde(default)]
    pub topics: Vec<String>,
    /// Short notes: no health or other sensitive details beyond what the follow-up needs.
    pub notes: Option<String>,
    /// The next step, and when it is due (both or neither).
    pub next_action: Option<String>,
    pub next_action_due: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub id: i64,
    pub holder_id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<i32>,
    pub topics: Vec<String>,
    pub notes: Option<String>,
    pub next_action: Option<String>,
    pub next_action_due: Option<NaiveDate>,
    /// When the next action was done or superseded by a newer contact.
    pub next_action_done_at: Option<DateTime<Utc>>,
}

fn contact_view(c: Contact) -> ContactView {
    ContactView {
        id: c.id,
        holder_id: c.holder_id,
        organisation_id: c.organisation_id,
        user_id: c.user_id,
        kind: c.kind,
        occurred_at: c.occurred_at,
        duration_minutes: c.duration_minutes,
        topics: c
            .topics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        notes: c.notes,
        next_action: c.next_action,
        next_action_due: c.next_action_due,
        next_action_done_at: c.next_action_done_at,
    }
}

fn parse_moment(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    parse_date(raw)
        .map(|d| {
            d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default())
                .and_utc()
        })
        .map_err(|_| "date invalide : AAAA-MM-JJ ou date et heure RFC 3339".to_owned())
}

/// Logs a contact. It supersedes the open next actions your organisation left on this
/// holder.
#[utoipa::path(
    post, path = "/holders/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path)),
    request_body = ContactInput,
    responses(
        (status = 201, body = ContactView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<(StatusCode, Json<ContactView>)> {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "contact.create").await?;
    let mut errors = ValidationErrors::new();
    let kind = match input.kind.as_deref() {
        None => {
            errors.add("kind", "obligatoire");
            None
        }
        Some(raw) => errors.check("kind", raw.parse::<ContactKind>()),
    };
    let occurred_at = match input.occurred_at.as_deref() {
        None => Some(now),
        Some(raw) => errors.check("occurred_at", parse_moment(raw)),
    };
    if occurred_at.is_some_and(|at| at > now + chrono::Duration::days(1)) {
        errors.add("occurred_at", "un contact ne peut pas être dans le futur");
    }
    if input
        .duration_minutes
        .is_some_and(|d| !(1..=MAX_DURATION_MINUTES).contains(&d))
    {
        errors.add(
            "duration_minutes",
            format!("entre 1 et {MAX_DURATION_MINUTES} minutes"),
        );
    }
    let mut topics = Vec::new();
    for (i, raw) in input.topics.iter().enumerate() {
        if let Some(topic) = errors.check(&format!("topics[{i}]"), raw.parse::<Topic>())
            && !topics.contains(&topic)
        {
            topics.push(topic);
        }
    }
    let notes = errors
        .check(
            "notes",
            check_text(input.notes.as_deref().unwrap_or_default(), MAX_NOTES_CHARS),
        )
        .flatten();
    let next_action = errors
        .check(
            "next_action",
            check_text(input.next_action.as_deref().unwrap_or_default(), 300),
        )
        .flatten();
    let next_action_due = input
        .next_action_due
        .as_deref()
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.check("next_action_due", parse_date(v)));
    match (&next_action, next_action_due) {
        (Some(_), None) => errors.add(
            "next_action_due",
            "précisez l'échéance de l'action suivante",
        ),
        (None, Some(_)) => errors.add("next_action", "précisez l'action attendue à cette échéance"),
        (Some(_), Some(due)) if occurred_at.is_some_and(|at| due < at.date_naive()) => {
            errors.add("next_action_due", "l'échéance précède le contact")
        }
        _ => {}
    }
    errors.into_result()?;
    let contact = contacts::create(
        &txn,
        NewContact {
            holder_id: holder.id,
            organisation_id: user.organisation_id,
            user_id: user.id,
            kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            occurred_at: occurred_at.unwrap_or(now),
            duration_minutes: input.duration_minutes,
            topics: topics.iter().map(|t| t.as_str().to_owned()).collect(),
            notes,
            next_action,
            next_action_due,
        },
        now,
    )
    .await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(contact_view(contact))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    cursor: Option<String>,
    /// 1–200, 50 by default.
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactPage {
    pub items: Vec<ContactView>,
    pub next_cursor: Option<String>,
}

/// A holder's contacts, newest first.
#[utoipa::path(
    get, path = "/holders/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path), PageParams),
    responses(
        (status = 200, body = ContactPage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<ContactPage>> {
    let id = parse_id(&id)?;
    let mut errors = ValidationErrors::new();
    let before = decode_cursor(&mut errors, page.cursor.as_deref());
    let limit = parse_limit(&mut errors, page.limit.as_deref());
    errors.into_result()?;
    let (rows, more) = read_holder(&state, &user, id, "contact.list", async |txn, holder| {
        Ok(contacts::for_holder(txn, holder.id, before, limit).await?)
    })
    .await?;
    let next_cursor = more
        .then(|| rows.last().map(|c| encode_cursor(&(c.occurred_at, c.id))))
        .flatten();
    Ok(Json(ContactPage {
        items: rows.into_iter().map(contact_view).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `suivi`, `partage_partenaires` or `contact_email`.
    pub purpose: String,
    /// `true` to record consent, `false` to record a refusal or a withdrawal.
    pub given: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub id: i64,
    pub purpose: String,
    pub given: bool,
    pub recorded_at: DateTime<Utc>,
    /// The user who recorded it.
    pub recorded_by: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentState {
    /// The statement in force for each purpose that has one.
    pub current: Vec<ConsentView>,
    /// Every statement, oldest first.
    pub history: Vec<ConsentView>,
}

fn consent_view(c: consents::Consent) -> ConsentView {
    ConsentView {
        id: c.id,
        purpose: c.purpose,
        given: c.given,
        recorded_at: c.recorded_at,
        recorded_by: c.recorded_by,
    }
}

async fn consent_state(
    conn: &impl parcours_persistence::ConnectionTrait,
    holder_id: i64,
) -> ApiResult<ConsentState> {
    let history = consents::history(conn, holder_id).await?;
    let mut current: Vec<ConsentView> = Vec::new();
    for purpose in ConsentPurpose::ALL {
        if let Some(last) = history.iter().rev().find(|c| c.purpose == purpose.as_str()) {
            current.push(consent_view(last.clone()));
        }
    }
    Ok(ConsentState {
        current,
        history: history.into_iter().map(consent_view).collect(),
    })
}

/// Records a consent given, refused or withdrawn, with who recorded it.
#[utoipa::path(
    post, path = "/holders/{id}/consents", tag = "consents",
    params(("id" = i64, Path)),
    request_body = ConsentInput,
    responses(
        (status = 201, body = ConsentState),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn record_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConsentInput>,
) -> ApiResult<(StatusCode, Json<ConsentState>)> {
    let id = parse_id(&id)?;
    let purpose: ConsentPurpose = input
        .purpose
        .parse()
        .map_err(|e| ApiError::validation("purpose", format!("{e}")))?;
    let txn = state.db.begin_write().await?;
    let holder = holder_for(&txn, &state, &user, id, "consent.record").await?;
    consents::record(
        &txn,
        holder.id,
        purpose.as_str(),
        input.given,
        user.id,
        state.clock.now(),
    )
    .await?;
    let view = consent_state(&txn, holder.id).await?;
    commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A holder's consents: in force, and their history.
#[utoipa::path(
    get, path = "/holders/{id}/consents", tag = "consents",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ConsentState),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_consents(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentState>> {
    let id = parse_id(&id)?;
    let view = read_holder(&state, &user, id, "consent.read", async |txn, holder| {
        consent_state(txn, holder.id).await
    })
    .await?;
    Ok(Json(view))
}

/// One timeline entry: `type` says which fields are set.
#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    /// `parcours`, `contact`, `consentement`, `orientation`, `evenement` or `hebergement`.
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub id: i64,
    /// Who acted; none for the scheduler (reminders, expiry).
    pub user_id: Option<i64>,
    /// For `parcours`: `entree`, `changement`, `cloture` or `reouverture`.
    pub event: Option<String>,
    pub from_stage: Option<String>,
    pub to_stage: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub contact: Option<ContactView>,
    pub consent: Option<ConsentView>,
    /// For `orientation`: the referral; `event` is the step (`send`, `accept`, `remind`…).
    pub referral_id: Option<i64>,
    pub referral_status: Option<String>,
    /// For `evenement`: the event attended; for `hebergement`: the agreement's unit.
    pub event_id: Option<i64>,
    pub title: Option<String>,
    pub hosting_agreement_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TimelinePage {
    pub items: Vec<TimelineEntry>,
    pub next_cursor: Option<String>,
}

fn timeline_entry(entry: Entry) -> TimelineEntry {
    let (at, id) = (entry.at(), entry.id());
    let blank = |kind: &str, user_id: Option<i64>| TimelineEntry {
        kind: kind.to_owned(),
        at,
        id,
        user_id,
        event: None,
        from_stage: None,
        to_stage: None,
        outcome: None,
        reason: None,
        contact: None,
        consent: None,
        referral_id: None,
        referral_status: None,
        event_id: None,
        title: None,
        hosting_agreement_id: None,
    };
    match entry {
        Entry::Pathway(e) => TimelineEntry {
            event: Some(e.kind),
            from_stage: e.from_stage,
            to_stage: Some(e.to_stage),
            outcome: e.outcome,
            reason: e.reason,
            ..blank("parcours", Some(e.user_id))
        },
        Entry::Contact(c) => {
            let user_id = c.user_id;
            TimelineEntry {
                contact: Some(contact_view(c)),
                ..blank("contact", Some(user_id))
            }
        }
        Entry::Referral(e) => TimelineEntry {
            event: Some(e.action),
            reason: e.reason,
            referral_id: Some(e.referral_id),
            referral_status: Some(e.to_status),
            ..blank("orientation", e.user_id)
        },
        Entry::Attendance(_, event) => TimelineEntry {
            event: Some(event.kind),
            event_id: Some(event.id),
            title: Some(event.title),
            ..blank("evenement", None)
        },
        Entry::Hosting(agreement) => TimelineEntry {
            hosting_agreement_id: Some(agreement.id),
            reason: agreement.end_reason,
            title: Some(format!(
                "Convention du {} au {}",
                agreement.start_date.format("%d/%m/%Y"),
                agreement
                    .actual_end
                    .unwrap_or(agreement.planned_end)
                    .format("%d/%m/%Y")
            )),
            ..blank("hebergement", Some(agreement.created_by))
        },
        Entry::Consent(c) => {
            let user_id = c.recorded_by;
            TimelineEntry {
                consent: Some(consent_view(c)),
                ..blank("consentement", Some(user_id))
            }
        }
    }
}

/// Stage changes, contacts and consents, newest first, a page at a time.
#[utoipa::path(
    get, path = "/holders/{id}/timeline", tag = "holders",
    params(("id" = i64, Path), PageParams),
    responses(
        (status = 200, body = TimelinePage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn holder_timeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<TimelinePage>> {
    let id = parse_id(&id)?;
    let mut errors = ValidationErrors::new();
    let cursor = decode_cursor(&mut errors, page.cursor.as_deref());
    let limit = parse_limit(&mut errors, page.limit.as_deref());
    errors.into_result()?;
    let (entries, more) = read_holder(&state, &user, id, "timeline.read", async |txn, holder| {
        Ok(timeline::page(txn, holder.id, cursor, limit).await?)
    })
    .await?;
    let next_cursor = more
        .then(|| entries.last().map(|e| encode_cursor(&e.key())))
        .flatten();
    Ok(Json(TimelinePage {
        items: entries.into_iter().map(timeline_entry).collect(),
        next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpView {
    pub contact_id: i64,
    pub holder_id: i64,
    pub holder_first_name: String,
    pub holder_last_name: String,
    pub next_action: Option<String>,
    pub due: NaiveDate,
    /// Days past the due date (0 when due today).
    pub days_overdue: i64,
}

/// A hosting agreement of the user's organisation ending within 60 days.
#[derive(Serialize, ToSchema)]
pub struct HostingEndingView {
    pub agreement_id: i64,
    pub unit_id: i64,
    pub holder_id: i64,
    pub holder_first_name: String,
    pub holder_last_name: String,
    pub planned_end: NaiveDate,
    /// Negative once the planned end has passed without the agreement being ended.
    pub days_left: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpPage {
    pub items: Vec<FollowUpView>,
    pub next_cursor: Option<String>,
    /// On the first page: the host's agreements ending within 60 days, soonest first.
    pub hosting_ending: Vec<HostingEndingView>,
}

/// The signed-in adviser's next actions that are due or overdue, oldest first.
#[utoipa::path(
    get, path = "/follow-ups", tag = "contacts",
    params(PageParams),
    responses(
        (status = 200, body = FollowUpPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn follow_ups(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<FollowUpPage>> {
    require_personal_data_role(&user)?;
    let mut errors = ValidationErrors::new();
    let after = decode_cursor(&mut errors, page.cursor.as_deref());
    let limit = parse_limit(&mut errors, page.limit.as_deref());
    errors.into_result()?;
    let today = state.clock.now().date_naive();
    let txn = state.db.begin_read().await?;
    let first_page = after.is_none();
    let (items, more) =
        contacts::follow_ups(&txn, user.id, user.organisation_id, today, after, limit).await?;
    let mut hosting_ending = Vec::new();
    if first_page {
        let until = today + chrono::Duration::days(60);
        for agreement in
            parcours_persistence::hosting::ending_by(&txn, user.organisation_id, until).await?
        {
            let Some(holder) =
                parcours_persistence::holders::get(&txn, agreement.holder_id).await?
            else {
                continue;
            };
            hosting_ending.push(HostingEndingView {
                agreement_id: agreement.id,
                unit_id: agreement.unit_id,
                holder_id: holder.id,
                holder_first_name: holder.first_name,
                holder_last_name: holder.last_name,
                planned_end: agreement.planned_end,
                days_left: (agreement.planned_end - today).num_days(),
            });
        }
    }
    commit(txn).await?;
    let ids: Vec<i64> = items
        .iter()
        .map(|f| f.holder.id)
        .chain(hosting_ending.iter().map(|h| h.holder_id))
        .collect();
    audit_reads(&state, &user, "followups.read", &ids).await?;
    let next_cursor = more
        .then(|| {
            items.last().and_then(|f| {
                f.contact
                    .next_action_due
                    .map(|due| encode_cursor(&(due, f.contact.id)))
            })
        })
        .flatten();
    Ok(Json(FollowUpPage {
        items: items
            .into_iter()
            .filter_map(|f| {
                let due = f.contact.next_action_due?;
                Some(FollowUpView {
                    contact_id: f.contact.id,
                    holder_id: f.holder.id,
                    holder_first_name: f.holder.first_name,
                    holder_last_name: f.holder.last_name,
                    next_action: f.contact.next_action,
                    due,
                    days_overdue: (today - due).num_days(),
                })
            })
            .collect(),
        next_cursor,
        hosting_ending,
    }))
}
