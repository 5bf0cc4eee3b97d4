//! A holder's timeline, newest first.

use super::PageParams;
use super::consents::ConsentView;
use super::contacts::ContactView;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Now, PathId};
use crate::problems::{Forbidden, Invalid, NotFound};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use parcours_core::records::Entry;
use parcours_core::timeline;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(holder_timeline))
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

fn word<T: Into<&'static str>>(value: T) -> Option<String> {
    Some(value.into().to_owned())
}

impl From<Entry> for TimelineEntry {
    fn from(entry: Entry) -> Self {
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
                event: word(e.kind),
                from_stage: e.from_stage.and_then(word),
                to_stage: word(e.to_stage),
                outcome: e.outcome.and_then(word),
                reason: e.reason,
                ..blank("parcours", Some(e.user_id))
            },
            Entry::Contact(c) => {
                let user_id = c.user_id;
                TimelineEntry {
                    contact: Some(c.into()),
                    ..blank("contact", Some(user_id))
                }
            }
            Entry::Referral(e, _) => TimelineEntry {
                event: word(e.step),
                reason: e.reason,
                referral_id: Some(e.referral_id),
                referral_status: word(e.to_status),
                ..blank("orientation", e.user_id)
            },
            Entry::Attendance(_, event) => TimelineEntry {
                event: word(event.kind),
                event_id: Some(event.id),
                title: Some(event.title),
                ..blank("evenement", None)
            },
            Entry::Hosting(agreement) => TimelineEntry {
                hosting_agreement_id: Some(agreement.id),
                reason: agreement.end_reason.and_then(word),
                title: Some(format!(
                    "Convention du {} au {}",
                    agreement.start_date.format("%d/%m/%Y"),
                    agreement.end().format("%d/%m/%Y")
                )),
                ..blank("hebergement", Some(agreement.created_by))
            },
            Entry::Consent(c) => {
                let user_id = c.recorded_by;
                TimelineEntry {
                    consent: Some(c.into()),
                    ..blank("consentement", Some(user_id))
                }
            }
        }
    }
}

super::page_view!(TimelinePage of TimelineEntry);

/// Stage changes, contacts, consents, referral steps, events attended and hosting
/// agreements, newest first, a page at a time.
#[utoipa::path(
    get, path = "/holders/{id}/timeline", tag = "holders",
    params(("id" = i64, Path), PageParams),
    responses((status = 200, body = TimelinePage), Forbidden, NotFound, Invalid),
)]
async fn holder_timeline(
    State(state): State<AppState>,
    user: CurrentUser,
    Now(now): Now,
    PathId(id): PathId,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<TimelinePage>> {
    let page = timeline::page(&state.core, user.actor(), id, &page.into(), now).await?;
    Ok(Json(page.into()))
}
