//! « Personnes »: the organisation's caseload — search by name (accents and case
//! ignored), filters, name order, keyset pages and the count.

use super::fr;
use super::page::{Choice, Errors, PageError, PageResult, encode, html};
use super::session::Signed;
use super::{FlashQuery, person_href};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::{Error, PageRequest, holders, organisations};
use parcours_domain::labels::Label;
use parcours_domain::pathway::Stage;

#[derive(serde::Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    q: Option<String>,
    etape: Option<String>,
    qpv: Option<String>,
    referent: Option<String>,
    /// « sans contact depuis 60 jours »
    sans_contact: Option<String>,
    cursor: Option<String>,
}

/// The window of « sans contact depuis… ».
const QUIET_DAYS: u32 = 60;

struct Row {
    href: String,
    name: String,
    birth: String,
    stage: String,
    qpv: String,
    referent: String,
    closed: bool,
}

#[derive(Template)]
#[template(path = "web/people.html")]
struct PeoplePage {
    layout: super::page::Layout,
    errors: Errors,
    q: String,
    qpv: String,
    stages: Vec<Choice>,
    referents: Vec<Choice>,
    rows: Vec<Row>,
    /// The organisation's admins bring spreadsheets in.
    can_import: bool,
    count: String,
    quiet: bool,
    filtered: bool,
    next: Option<String>,
    first: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<PeopleQuery>,
) -> PageResult {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let input = holders::ListInput {
        q: blank(&query.q),
        stage: blank(&query.etape),
        qpv: blank(&query.qpv).map(|q| q.to_uppercase()),
        referent: blank(&query.referent),
        without_contact_days: blank(&query.sans_contact).map(|_| QUIET_DAYS),
        page: PageRequest {
            cursor: blank(&query.cursor),
            limit: None,
        },
    };
    // Three independent reads, side by side: the page costs the slowest, not the sum.
    let actor = user.actor();
    let (colleagues, listed, count) = tokio::join!(
        organisations::colleagues(&state.core, actor),
        holders::list(&state.core, actor, &input, now),
        holders::count(&state.core, actor, &input, now),
    );
    let colleagues = colleagues?;
    let mut page = PeoplePage {
        layout: user
            .layout("Personnes", "/personnes")
            .with_flash(query.flash.message()),
        errors: Errors::default(),
        can_import: parcours_core::holders::may_import(user.actor()).is_ok(),
        q: query.q.clone().unwrap_or_default(),
        qpv: query.qpv.clone().unwrap_or_default(),
        stages: Stage::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: input.stage.as_deref() == Some(s.as_str()),
            })
            .collect(),
        referents: colleagues
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: u.display_name.clone(),
                selected: input.referent.as_deref() == Some(u.id.to_string().as_str()),
            })
            .collect(),
        rows: Vec::new(),
        count: String::new(),
        quiet: input.without_contact_days.is_some(),
        filtered: input.q.is_some()
            || input.stage.is_some()
            || input.qpv.is_some()
            || input.referent.is_some()
            || input.without_contact_days.is_some(),
        next: None,
        first: input.page.cursor.is_some().then(|| link(&input, None)),
    };
    let (listed, count) = match (listed, count) {
        (Ok(listed), Ok(count)) => (listed, count),
        (Err(Error::Invalid(errors)), _) => {
            page.errors = Errors::from_validation(errors);
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        (Err(other), _) | (_, Err(other)) => return Err(PageError::from(other)),
    };
    let names: std::collections::HashMap<i64, &str> = colleagues
        .iter()
        .map(|u| (u.id, u.display_name.as_str()))
        .collect();
    page.count = match count {
        0 => "Aucune personne".into(),
        1 => "1 personne".into(),
        n => format!("{} personnes", fr::number(n as i64)),
    };
    page.next = listed.next_cursor.as_deref().map(|c| link(&input, Some(c)));
    page.rows = listed
        .items
        .iter()
        .map(|h| Row {
            href: person_href(h.id),
            name: format!("{} {}", h.last_name.to_uppercase(), h.first_name),
            birth: h.birth_date.map(fr::short_date).unwrap_or_default(),
            stage: h.stage.label().into(),
            qpv: h
                .qpv_code
                .clone()
                .unwrap_or_else(|| h.qpv_status.label().into()),
            referent: h
                .referent_user_id
                .and_then(|id| names.get(&id).copied())
                .unwrap_or("—")
                .to_owned(),
            closed: h.outcome.is_some(),
        })
        .collect();
    Ok(html(StatusCode::OK, &page))
}

/// The list's URL with the same filters, at `cursor`.
fn link(input: &holders::ListInput, cursor: Option<&str>) -> String {
    let mut parts = Vec::new();
    for (name, value) in [
        ("q", input.q.as_deref()),
        ("etape", input.stage.as_deref()),
        ("qpv", input.qpv.as_deref()),
        ("referent", input.referent.as_deref()),
        ("sans_contact", input.without_contact_days.map(|_| "1")),
        ("cursor", cursor),
    ] {
        if let Some(value) = value {
            parts.push(format!("{name}={}", encode(value)));
        }
    }
    if parts.is_empty() {
        "/personnes".into()
    } else {
        format!("/personnes?{}", parts.join("&"))
    }
}
