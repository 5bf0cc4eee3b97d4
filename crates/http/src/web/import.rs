//! « Importer un tableur », for org admins: the organisation's caseload brought in from
//! its spreadsheet in three steps. The upload is checked at once (a dry run: nothing is
//! written) and the page shows the recognised columns, the first lines, what would be
//! created and every refused line with its reason; the import itself then runs in the
//! background, the page following its progress (it reloads itself, no script needed),
//! and ends with the counts and the report of refused lines to download.

use super::import_jobs::{Job, JobState};
use super::page::{Errors, Layout, PageError, PageResult, html, see_other};
use super::session::{Signed, SignedForm, SignedUpload, UploadGate};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use parcours_core::Error;
use parcours_core::holders::{self, ImportOptions, ImportReport, TableLine};
use parcours_domain::numbers::thousands;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const SECTION: &str = "/personnes";
const FORM: &str = "/personnes/importer";

/// The lines of the file the check shows.
const PREVIEW: usize = 5;
/// The refused lines and possible duplicates a page lists (the report has them all).
const SHOWN: usize = 100;

fn job_href(token: &str) -> String {
    format!("{FORM}/{token}")
}

#[derive(Template)]
#[template(path = "web/import_form.html")]
struct FormPage {
    layout: Layout,
    csrf: String,
    errors: Errors,
    sheet: String,
    imports: Vec<ImportRow>,
}

/// An import done, as the form lists it.
struct ImportRow {
    when: String,
    by: String,
    file_name: String,
    lines: String,
    created: String,
    updated: String,
    refused: String,
}

/// The imports the form lists.
const LISTED: u64 = 10;

async fn form_page(state: &AppState, user: &Signed, errors: Errors, sheet: String) -> PageResult {
    let imports = holders::latest_imports(&state.core, user.actor(), LISTED)
        .await?
        .into_iter()
        .map(|entry| {
            let i = entry.import;
            ImportRow {
                when: super::fr::date_time(i.imported_at),
                by: entry.user_name,
                file_name: i.file_name,
                lines: count(i.lines as usize),
                created: count(i.created as usize),
                updated: count(i.updated as usize),
                refused: count(i.refused as usize),
            }
        })
        .collect();
    let status = errors.status();
    Ok(html(
        status,
        &FormPage {
            layout: user.layout("Importer un tableur", SECTION),
            csrf: user.csrf.clone(),
            errors,
            sheet,
            imports,
        },
    ))
}

pub async fn form(State(state): State<AppState>, user: Signed) -> PageResult {
    holders::may_import(user.actor())?;
    form_page(&state, &user, Errors::default(), String::new()).await
}

/// Who may upload a caseload: [`holders::may_import`].
pub struct Importers;

impl UploadGate for Importers {
    fn allows(actor: &parcours_core::Actor) -> parcours_core::Result<()> {
        holders::may_import(actor)
    }
}

/// The upload: read, checked by a dry run, kept for the import.
pub async fn check(
    State(state): State<AppState>,
    Now(now): Now,
    mut upload: SignedUpload<Importers>,
) -> PageResult {
    let sheet = upload.fields.get("feuille").unwrap_or_default();
    let mut errors = Errors::default();
    let file = upload.take_file(
        &mut errors,
        "fichier",
        "choisissez le classeur (.xlsx, .xls, .ods) ou le fichier CSV à importer",
    );
    let user = upload.user;
    let Some(bytes) = file else {
        return form_page(&state, &user, errors, sheet).await;
    };
    let checked = match holders::read_table(&bytes, Some(&sheet)) {
        Ok(lines) => holders::import(
            &state.core,
            user.actor(),
            &lines,
            ImportOptions {
                dry_run: true,
                skip_invalid: true,
                ..ImportOptions::default()
            },
            now,
        )
        .await
        .map(|report| (lines, report)),
        Err(error) => Err(error),
    };
    let (lines, report) = match checked {
        Ok(checked) => checked,
        Err(Error::Invalid(refused)) => {
            return form_page(&state, &user, Errors::from_validation(refused), sheet).await;
        }
        Err(other) => return Err(other.into()),
    };
    let token = state.imports.keep(Job {
        user_id: user.actor().user_id,
        file_name: upload
            .file_name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "le fichier".to_owned()),
        lines: Arc::new(lines),
        seen: Instant::now(),
        state: JobState::Checked(Arc::new(report)),
    });
    Ok(see_other(&job_href(&token), None))
}

/// A recognised column over the preview.
struct PreviewColumn {
    title: String,
    /// « Téléphone », or why it is not read.
    read_as: String,
    kept: bool,
}

struct DetailRow {
    line: u64,
    outcome: &'static str,
    reasons: String,
}

#[derive(Template)]
#[template(path = "web/import_job.html")]
struct JobPage {
    layout: Layout,
    csrf: String,
    href: String,
    file_name: String,
    /// « verifie », « en_cours », « termine » or « echec ».
    step: &'static str,
    errors: Errors,
    columns: Vec<PreviewColumn>,
    preview: Vec<Vec<String>>,
    unknown: String,
    set_aside: String,
    lines: String,
    created: String,
    unchanged: String,
    updated: String,
    duplicates: String,
    refused: String,
    any_refused: bool,
    written: bool,
    details: Vec<DetailRow>,
    more_details: usize,
    done: usize,
    total: usize,
    percent: usize,
    failure: String,
}

fn job_page(
    user: &Signed,
    token: &str,
    file_name: String,
    lines: &[TableLine],
    state: &JobState,
    errors: Errors,
) -> Response {
    let mut page = JobPage {
        layout: user.layout("Importer un tableur", SECTION),
        csrf: user.csrf.clone(),
        href: job_href(token),
        file_name,
        step: "verifie",
        errors,
        columns: Vec::new(),
        preview: Vec::new(),
        unknown: String::new(),
        set_aside: String::new(),
        lines: String::new(),
        created: String::new(),
        unchanged: String::new(),
        updated: String::new(),
        duplicates: String::new(),
        refused: String::new(),
        any_refused: false,
        written: false,
        details: Vec::new(),
        more_details: 0,
        done: 0,
        total: 0,
        percent: 0,
        failure: String::new(),
    };
    let report = match state {
        JobState::Checked(report) => Some(report),
        JobState::Done(report) => {
            page.step = "termine";
            Some(report)
        }
        JobState::Running { done, total } => {
            page.step = "en_cours";
            page.done = done.load(Ordering::Relaxed).min(*total);
            page.total = *total;
            page.percent = (page.done * 100).checked_div(*total).unwrap_or(100);
            None
        }
        JobState::Failed(why) => {
            page.step = "echec";
            page.failure = why.clone();
            None
        }
    };
    if let Some(report) = report {
        fill(&mut page, report, lines);
    }
    let status = page.errors.status();
    let mut response = html(status, &page);
    if page.step == "en_cours" {
        // The page follows the import by reloading itself.
        response
            .headers_mut()
            .insert(header::REFRESH, HeaderValue::from_static("1"));
    }
    response
}

fn count(n: usize) -> String {
    thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The report's figures, columns, first lines and details on the page.
fn fill(page: &mut JobPage, report: &ImportReport, lines: &[TableLine]) {
    let width = report.header.len();
    page.columns = (0..width)
        .map(|i| {
            let title = report.header[i].trim().to_owned();
            match report.read_columns.iter().find(|c| c.index == i) {
                Some(c) if c.imported => PreviewColumn {
                    title,
                    read_as: c.field.to_owned(),
                    kept: true,
                },
                Some(c) => PreviewColumn {
                    title,
                    read_as: format!("{} : pas encore importée", c.field),
                    kept: false,
                },
                None => PreviewColumn {
                    read_as: if title.is_empty() {
                        "sans titre".to_owned()
                    } else {
                        "inconnue : non importée".to_owned()
                    },
                    title,
                    kept: false,
                },
            }
        })
        .collect();
    page.preview = lines
        .iter()
        .filter(|l| l.line > report.header_line && l.cells.iter().any(|c| !c.trim().is_empty()))
        .take(PREVIEW)
        .map(|l| {
            (0..width)
                .map(|i| {
                    l.cells
                        .get(i)
                        .map(|c| c.trim().to_owned())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    page.unknown = report.unknown_columns.join(", ");
    page.set_aside = report.set_aside_columns().join(", ");
    page.lines = count(report.lines);
    page.created = count(report.created);
    page.unchanged = count(report.unchanged);
    page.updated = count(report.updated);
    page.duplicates = count(report.possible_duplicates);
    page.refused = count(report.refused);
    page.any_refused = report.refused > 0;
    page.written = report.written;
    page.details = report
        .details
        .iter()
        .take(SHOWN)
        .map(|d| DetailRow {
            line: d.line,
            outcome: d.outcome.label(),
            reasons: d.reasons.join(" ; "),
        })
        .collect();
    page.more_details = report.details.len().saturating_sub(SHOWN);
}

pub async fn show(
    State(state): State<AppState>,
    user: Signed,
    Path(token): Path<String>,
) -> PageResult {
    holders::may_import(user.actor())?;
    let (file_name, lines, job) = state
        .imports
        .look(user.actor().user_id, &token)
        .ok_or(PageError::NotFound)?;
    Ok(job_page(
        &user,
        &token,
        file_name,
        &lines,
        &job,
        Errors::default(),
    ))
}

/// The import itself, from the checked file: started in the background, followed by
/// the job's page.
pub async fn run(
    State(state): State<AppState>,
    Now(now): Now,
    Path(token): Path<String>,
    form: SignedForm,
) -> PageResult {
    let user = form.user;
    holders::may_import(user.actor())?;
    let (file_name, lines, job) = state
        .imports
        .look(user.actor().user_id, &token)
        .ok_or(PageError::NotFound)?;
    let JobState::Checked(checked) = &job else {
        // Already started: its page says where it stands.
        return Ok(see_other(&job_href(&token), None));
    };
    let skip_invalid = form.fields.get("lignes_valides").is_some();
    if checked.refused > 0 && !skip_invalid {
        let mut errors = Errors::default();
        errors.add(
            "lignes_valides",
            format!(
                "{} ligne(s) refusée(s) : cochez cette case pour n'enregistrer que les lignes valides, ou corrigez le fichier et importez-le à nouveau",
                checked.refused
            ),
        );
        return Ok(job_page(&user, &token, file_name, &lines, &job, errors));
    }
    let total = checked.lines;
    let done = Arc::new(AtomicUsize::new(0));
    state.imports.set(
        &token,
        JobState::Running {
            done: done.clone(),
            total,
        },
    );
    let (imports, core, actor) = (
        state.imports.clone(),
        state.core.clone(),
        user.actor().clone(),
    );
    let options = ImportOptions {
        dry_run: false,
        skip_invalid,
        file_name: file_name.to_string(),
        ..ImportOptions::default()
    };
    let job_token = token.clone();
    tokio::spawn(async move {
        let progress = |n: usize, _of: usize| done.store(n, Ordering::Relaxed);
        let result =
            holders::import_with_progress(&core, &actor, &lines, options, now, &progress).await;
        let state = match result {
            Ok(report) => JobState::Done(Arc::new(report)),
            Err(Error::Invalid(errors)) => JobState::Failed(
                errors
                    .0
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join(" ; "),
            ),
            Err(error) => {
                tracing::error!(error = %error, "holders import from the page failed");
                JobState::Failed(
                    "l'import s'est interrompu sur une erreur du serveur : rien n'a été enregistré. Réessayez dans un moment."
                        .to_owned(),
                )
            }
        };
        imports.set(&job_token, state);
    });
    Ok(see_other(&job_href(&token), None))
}

/// The refused lines and possible duplicates, as the terminal's `--report` writes them.
pub async fn report(
    State(state): State<AppState>,
    user: Signed,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    holders::may_import(user.actor())?;
    let (_, _, job) = state
        .imports
        .look(user.actor().user_id, &token)
        .ok_or(PageError::NotFound)?;
    let (JobState::Checked(report) | JobState::Done(report)) = job else {
        return Err(PageError::NotFound);
    };
    let body = crate::export::import_report_csv(&report).map_err(Error::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"parcours-import-rapport.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
