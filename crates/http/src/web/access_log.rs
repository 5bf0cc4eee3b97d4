//! « Qui a consulté ce dossier »: the file's access log for its référent organisation,
//! newest first, a page at a time, with organisations and users named.

use super::fr;
use super::page::{PageResult, html};
use super::person_href;
use super::session::{PageId, Signed};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::privacy::AccessEntry;
use parcours_core::{PageRequest, privacy};
use parcours_domain::labels::Label;

/// One entry of the log as the pages show it (here and on « Toutes ses données »).
pub(super) struct Row {
    pub(super) when: String,
    pub(super) organisation: String,
    pub(super) user: String,
    pub(super) what: &'static str,
}

impl From<&AccessEntry> for Row {
    fn from(e: &AccessEntry) -> Self {
        Self {
            when: fr::date_time(e.occurred_at),
            organisation: e.organisation_name.clone(),
            user: e.user_name.clone(),
            what: e.action.label(),
        }
    }
}

#[derive(Template)]
#[template(path = "web/access_log.html")]
struct AccessLogPage {
    layout: super::page::Layout,
    href: String,
    rows: Vec<Row>,
    more: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct AccessQuery {
    suite: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(query): Query<AccessQuery>,
) -> PageResult {
    let request = PageRequest {
        cursor: query.suite.filter(|c| !c.is_empty()),
        limit: None,
    };
    let log = match privacy::access_log(&state.core, user.actor(), id, &request, now).await {
        Err(parcours_core::Error::Invalid(_)) => return Err(super::page::PageError::NotFound),
        other => other?,
    };
    let href = person_href(id);
    let more = log
        .next_cursor
        .as_deref()
        .map(|c| format!("{href}/acces?suite={}", super::page::encode(c)));
    let rows = log.items.iter().map(Row::from).collect();
    Ok(html(
        StatusCode::OK,
        &AccessLogPage {
            layout: user.layout("Qui a consulté ce dossier", "/personnes"),
            href,
            rows,
            more,
        },
    ))
}
