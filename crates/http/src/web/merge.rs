//! « Doublons possibles »: the organisation's files that may be one person, side by
//! side, for its org admins; choosing the file to keep opens a confirmation page, and
//! the merge moves everything the other file holds onto it.

use super::fr;
use super::page::{Errors, PageError, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parcours_core::privacy::{self, MergeInput};
use parcours_core::records::Holder;
use parcours_domain::labels::Label;

const SECTION: &str = "/personnes";

/// A file as the pages compare it: what tells two people apart.
struct FileView {
    id: i64,
    name: String,
    facts: Vec<(&'static str, String)>,
}

impl From<&Holder> for FileView {
    fn from(h: &Holder) -> Self {
        let or_dash = |v: Option<String>| v.filter(|v| !v.is_empty()).unwrap_or("—".into());
        Self {
            id: h.id,
            name: h.full_name(),
            facts: vec![
                (
                    "Date de naissance",
                    or_dash(h.birth_date.map(fr::short_date)),
                ),
                ("Téléphone", or_dash(h.phone.clone())),
                ("Courriel", or_dash(h.email.clone())),
                ("Étape", h.stage.label().to_owned()),
                (
                    "Inscrite ou inscrit le",
                    fr::date(fr::local_day(h.created_at)),
                ),
            ],
        }
    }
}

/// Two files that may be one person, each offered as the one to keep.
struct PairView {
    anchor: String,
    title: String,
    sides: [(FileView, i64); 2],
}

#[derive(Template)]
#[template(path = "web/duplicates.html")]
struct DuplicatesPage {
    layout: super::page::Layout,
    pairs: Vec<PairView>,
}

/// The list: reading it is audited for each person shown.
pub async fn list(State(state): State<AppState>, Now(now): Now, user: Signed) -> PageResult {
    let pairs = privacy::duplicates(&state.core, user.actor(), now)
        .await?
        .iter()
        .map(|p| {
            let (first, second) = (&p.first, &p.second);
            PairView {
                anchor: format!("paire-{}-{}", first.id, second.id),
                title: format!(
                    "{} (fiche n° {}) et {} (fiche n° {})",
                    first.full_name(),
                    first.id,
                    second.full_name(),
                    second.id
                ),
                sides: [(first.into(), second.id), (second.into(), first.id)],
            }
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &DuplicatesPage {
            layout: user.layout("Doublons possibles", SECTION),
            pairs,
        },
    ))
}

#[derive(Template)]
#[template(path = "web/merge.html")]
struct MergePage {
    layout: super::page::Layout,
    csrf: String,
    keep_id: i64,
    keep_name: String,
    duplicate_id: i64,
    /// The file kept, then the duplicate, each under its heading.
    files: [(&'static str, FileView); 2],
    errors: Errors,
}

#[derive(serde::Deserialize)]
pub struct MergeQuery {
    doublon: Option<String>,
}

/// The duplicate named by a query or a form: a file id, or nothing to find.
fn duplicate_id(typed: Option<&str>) -> Result<i64, PageError> {
    typed
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or(PageError::NotFound)
}

async fn merge_page(
    state: &AppState,
    user: &Signed,
    (keep_id, duplicate_id): (i64, i64),
    errors: Errors,
    status: StatusCode,
    now: DateTime<Utc>,
) -> PageResult {
    let (keep, duplicate) =
        privacy::to_merge(&state.core, user.actor(), keep_id, duplicate_id, now).await?;
    Ok(html(
        status,
        &MergePage {
            layout: user.layout("Fusionner deux fiches", SECTION),
            csrf: user.csrf.clone(),
            keep_id: keep.id,
            keep_name: keep.full_name(),
            duplicate_id: duplicate.id,
            files: [
                ("Fiche gardée", (&keep).into()),
                ("Fiche fusionnée dans l'autre", (&duplicate).into()),
            ],
            errors,
        },
    ))
}

/// The confirmation: both files, what moves and what goes.
pub async fn form(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(query): Query<MergeQuery>,
) -> PageResult {
    let duplicate = duplicate_id(query.doublon.as_deref())?;
    merge_page(
        &state,
        &user,
        (id, duplicate),
        Errors::default(),
        StatusCode::OK,
        now,
    )
    .await
}

pub async fn merge(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let duplicate = duplicate_id(fields.raw("duplicate_id"))?;
    let input = MergeInput {
        duplicate_id: duplicate,
    };
    match privacy::merge(&state.core, user.actor(), id, input, now).await {
        Ok(()) => Ok(see_other(&format!("/personnes/{id}"), Some("fusion"))),
        Err(error) => {
            // Whatever the refusal names, it is the merge's: shown by its button.
            let refused = Errors::of_refusal(error, "fusion")?;
            let mut errors = Errors::default();
            for (_, message) in refused.items {
                errors.add("fusion", message);
            }
            let status = errors.status();
            merge_page(&state, &user, (id, duplicate), errors, status, now).await
        }
    }
}
