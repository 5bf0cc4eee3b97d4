//! The file of a person: identity, the pathway as a track, projects, consents, the
//! timeline, and the forms to log a contact, move along the pathway, close and reopen.
//! A partner with an accepted referral sees the file read-only, with the contact form.

use super::fr;
use super::page::{Errors, Fields, Layout, PageError, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use super::{FlashQuery, person_href};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parcours_core::consents::{self, ConsentInput};
use parcours_core::contacts::{self, ContactInput};
use parcours_core::holders::{self, CloseInput, Dossier, ReopenInput, StageInput};
use parcours_core::privacy::{self, KeepInput};
use parcours_core::records::Entry;
use parcours_core::{Error, PageRequest, organisations};
use parcours_domain::contacts::{ConsentPurpose, ContactKind, LegalForm, Topic};
use parcours_domain::labels::Label;
use parcours_domain::pathway::{Outcome, PathwayEventKind, Stage};
use parcours_domain::referrals::ReferralStep;
use std::collections::HashMap;

/// A form of the page, with what was typed and its errors when it was refused.
#[derive(Default)]
pub struct Typed {
    pub fields: Fields,
    pub errors: Errors,
}

impl Typed {
    fn value(&self, name: &str) -> &str {
        self.fields.raw(name).unwrap_or_default()
    }

    fn checked(&self, name: &str, value: &str) -> bool {
        self.fields.all(name).iter().any(|v| v == value)
    }
}

/// Which form was refused, so the page opens it again.
#[derive(Default)]
enum Refused {
    #[default]
    None,
    Contact(Typed),
    Stage(Typed),
    Close(Typed),
    Reopen(Typed),
    Consent(Typed),
    Keep(Typed),
}

/// When the file will be anonymised, for its référent organisation.
struct RetentionView {
    last_activity: String,
    anonymised_on: String,
    /// Within the warning period: the « garder » form is offered.
    listed: bool,
    /// The latest « garder »: when and why.
    kept: Option<(String, String)>,
}

struct Fact {
    label: &'static str,
    value: String,
}

struct TrackStage {
    label: &'static str,
    state: &'static str,
    when: String,
}

struct ProjectRow {
    idea: String,
    details: String,
}

struct ConsentRow {
    word: &'static str,
    purpose: &'static str,
    given: Option<bool>,
    status: &'static str,
    when: String,
}

pub(super) struct TimelineRow {
    pub(super) when: String,
    pub(super) what: String,
    pub(super) details: Vec<String>,
}

struct Option_ {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "web/person.html")]
struct PersonPage {
    layout: Layout,
    csrf: String,
    id: i64,
    name: String,
    stage: String,
    closed: Option<String>,
    /// Of the référent organisation: the access log and the export are offered.
    referent: bool,
    may_change: bool,
    /// « Noter un contact » (and « Héberger cette personne »).
    may_record: bool,
    facts: Vec<Fact>,
    track: Vec<TrackStage>,
    projects: Vec<ProjectRow>,
    consents: Vec<ConsentRow>,
    timeline: Vec<TimelineRow>,
    more_timeline: Option<String>,
    today: String,
    kinds: Vec<Option_>,
    topics: Vec<Option_>,
    stages: Vec<Option_>,
    outcomes: Vec<Option_>,
    legal_forms: Vec<Option_>,
    contact: Typed,
    contact_open: bool,
    stage_form: Typed,
    stage_open: bool,
    close: Typed,
    close_open: bool,
    reopen: Typed,
    reopen_open: bool,
    retention: Option<RetentionView>,
    /// « Effacer les données »: an org admin of the référent organisation.
    may_erase: bool,
    /// Anonymised: nothing identifies the person any more.
    anonymised: Option<String>,
    keep: Typed,
    keep_open: bool,
    consent_errors: Errors,
    /// « Héberger cette personne », for an organisation with units to host in.
    host_href: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct PersonQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    historique: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(query): Query<PersonQuery>,
) -> PageResult {
    let flash = query.flash.message();
    match render(
        &state,
        &user,
        id,
        query.historique,
        Refused::None,
        flash,
        now,
    )
    .await
    {
        // A file merged into another: its organisation's users are pointed there.
        Err(PageError::NotFound) => {
            match privacy::merged_into(&state.core, user.actor(), id).await? {
                Some(into) => Ok(html(
                    StatusCode::NOT_FOUND,
                    &MergedPage {
                        layout: user.layout("Fiche fusionnée", "/personnes"),
                        href: person_href(into),
                    },
                )),
                None => Err(PageError::NotFound),
            }
        }
        other => other,
    }
}

#[derive(Template)]
#[template(path = "web/merged.html")]
struct MergedPage {
    layout: Layout,
    href: String,
}

fn options<T: Label + Copy>(all: &[T], word: impl Fn(T) -> &'static str) -> Vec<Option_> {
    all.iter()
        .map(|v| Option_ {
            value: word(*v),
            label: v.label(),
        })
        .collect()
}

async fn render(
    state: &AppState,
    user: &Signed,
    id: i64,
    cursor: Option<String>,
    refused: Refused,
    flash: Option<String>,
    now: DateTime<Utc>,
) -> PageResult {
    let request = PageRequest {
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: None,
    };
    let (dossier, colleagues, hosts) = tokio::join!(
        holders::dossier(&state.core, user.actor(), id, &request, now),
        organisations::colleagues(&state.core, user.actor()),
        parcours_core::hosting::has_units(&state.core, user.actor()),
    );
    let dossier = match dossier {
        Err(Error::Invalid(_)) => return Err(PageError::NotFound),
        other => other?,
    };
    let colleagues = colleagues?;
    let names: HashMap<i64, String> = colleagues
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let status = if matches!(refused, Refused::None) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = build(user, dossier, &names, refused, flash, now);
    page.host_href = (hosts? && page.may_record)
        .then(|| format!("/hebergement/conventions/nouvelle?personne={id}"));
    Ok(html(status, &page))
}

fn build(
    user: &Signed,
    dossier: Dossier,
    names: &HashMap<i64, String>,
    refused: Refused,
    flash: Option<String>,
    now: DateTime<Utc>,
) -> PersonPage {
    let h = &dossier.file.holder;
    let name = h.full_name();
    let who = |user_id: i64| {
        names
            .get(&user_id)
            .cloned()
            .unwrap_or_else(|| "une structure partenaire".into())
    };
    let mut facts = Vec::new();
    let mut fact = |label: &'static str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push(Fact { label, value });
        }
    };
    fact("Née ou né le", h.birth_date.map(fr::short_date));
    fact("Genre", h.gender.map(|g| g.label().to_owned()));
    fact("Téléphone", h.phone.clone());
    fact("Courriel", h.email.clone());
    fact("Adresse", h.address.clone());
    fact("Code postal", h.postal_code.clone());
    fact("Commune (INSEE)", h.commune_insee.clone());
    fact(
        "Quartier prioritaire",
        Some(match &h.qpv_code {
            Some(code) => format!("{} ({code})", h.qpv_status.label()),
            None => h.qpv_status.label().to_owned(),
        }),
    );
    fact("Situation", h.situation.map(|s| s.label().to_owned()));
    fact(
        "Niveau de formation",
        h.education_level.map(|e| e.label().to_owned()),
    );
    fact("Référent", h.referent_user_id.map(&who));
    fact(
        "Inscrite ou inscrit le",
        Some(fr::date(fr::local_day(h.created_at))),
    );

    // When each stage was last entered, from the steps of the pathway.
    let mut entered: HashMap<Stage, DateTime<Utc>> = HashMap::new();
    for step in &dossier.steps {
        if step.kind != PathwayEventKind::Close {
            entered.insert(step.to_stage, step.occurred_at);
        }
    }
    let current = Stage::ALL.iter().position(|s| *s == h.stage).unwrap_or(0);
    let track = Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, stage)| TrackStage {
            label: stage.label(),
            state: if i == current {
                "current"
            } else if i < current {
                "done"
            } else {
                "todo"
            },
            when: entered
                .get(stage)
                .filter(|_| i <= current)
                .map(|at| {
                    let day = fr::short_date(fr::local_day(*at));
                    if i == current {
                        format!("depuis le {day}")
                    } else {
                        format!("entrée le {day}")
                    }
                })
                .unwrap_or_default(),
        })
        .collect();

    let projects = dossier
        .file
        .projects
        .iter()
        .map(|p| {
            let mut details = Vec::new();
            if let Some(sector) = &p.sector {
                details.push(format!("secteur : {sector}"));
            }
            if let Some(need) = p.financing_need_eur {
                details.push(format!("besoin de financement : {} €", fr::number(need)));
            }
            if let Some(siret) = &p.siret {
                details.push(format!("SIRET {siret}"));
            }
            if let Some(on) = p.created_on {
                details.push(format!("créée le {}", fr::short_date(on)));
            }
            if let Some(form) = p.legal_form.or(p.planned_legal_form) {
                details.push(form.label().to_owned());
            }
            ProjectRow {
                idea: p.idea.clone(),
                details: details.join(" · "),
            }
        })
        .collect();

    // Every purpose, recorded or not: an adviser sees what is still to ask.
    let consents = ConsentPurpose::ALL
        .iter()
        .map(|purpose| {
            let current = dossier
                .consents
                .current
                .iter()
                .find(|c| c.purpose == *purpose);
            ConsentRow {
                word: purpose.as_str(),
                purpose: purpose.label(),
                given: current.map(|c| c.given),
                status: match current.map(|c| c.given) {
                    None => "non recueilli",
                    Some(true) => "donné",
                    Some(false) => "refusé ou retiré",
                },
                when: current
                    .map(|c| {
                        format!(
                            "le {} par {}",
                            fr::short_date(fr::local_day(c.recorded_at)),
                            who(c.recorded_by)
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();

    let timeline = dossier
        .timeline
        .items
        .iter()
        .map(|entry| timeline_row(entry, &who, &dossier.organisations))
        .collect();
    let more_timeline = dossier.timeline.next_cursor.as_deref().map(|c| {
        format!(
            "{}?historique={}#historique",
            person_href(h.id),
            super::page::encode(c)
        )
    });

    let mut page = PersonPage {
        layout: user.layout(name.clone(), "/personnes").with_flash(flash),
        csrf: user.csrf.clone(),
        id: h.id,
        stage: h.stage.label().to_owned(),
        closed: h.outcome.map(|o| {
            format!(
                "{}{}",
                o.label(),
                h.closed_at
                    .map(|at| format!(", le {}", fr::short_date(fr::local_day(at))))
                    .unwrap_or_default()
            )
        }),
        name,
        referent: dossier.referent,
        may_change: dossier.may_change,
        may_record: dossier.may_record,
        facts,
        track,
        projects,
        consents,
        timeline,
        more_timeline,
        today: fr::local_day(now).format("%Y-%m-%d").to_string(),
        kinds: options(ContactKind::ALL, ContactKind::as_str),
        topics: options(Topic::ALL, Topic::as_str),
        stages: options(Stage::ALL, Stage::as_str),
        outcomes: options(Outcome::ALL, Outcome::as_str),
        legal_forms: options(LegalForm::ALL, LegalForm::as_str),
        contact: Typed::default(),
        contact_open: false,
        stage_form: Typed::default(),
        stage_open: false,
        close: Typed::default(),
        close_open: false,
        reopen: Typed::default(),
        reopen_open: false,
        retention: dossier.retention.as_ref().map(|r| RetentionView {
            last_activity: fr::date(fr::local_day(r.last_activity)),
            anonymised_on: fr::date(fr::local_day(r.anonymised_on)),
            listed: r.listed,
            kept: r
                .last_keep
                .as_ref()
                .map(|k| (fr::date(fr::local_day(k.kept_at)), k.reason.clone())),
        }),
        may_erase: dossier.may_erase,
        anonymised: h.anonymised_at.map(|at| fr::date(fr::local_day(at))),
        keep: Typed::default(),
        keep_open: false,
        consent_errors: Errors::default(),
        host_href: None,
    };
    match refused {
        Refused::None => {}
        Refused::Contact(typed) => {
            page.contact = typed;
            page.contact_open = true;
        }
        Refused::Stage(typed) => {
            page.stage_form = typed;
            page.stage_open = true;
        }
        Refused::Close(typed) => {
            page.close = typed;
            page.close_open = true;
        }
        Refused::Reopen(typed) => {
            page.reopen = typed;
            page.reopen_open = true;
        }
        Refused::Consent(typed) => page.consent_errors = typed.errors,
        Refused::Keep(typed) => {
            page.keep = typed;
            page.keep_open = true;
        }
    }
    page
}

pub(super) fn timeline_row(
    entry: &Entry,
    who: &impl Fn(i64) -> String,
    organisations: &HashMap<i64, String>,
) -> TimelineRow {
    let when = fr::date_time(entry.at());
    match entry {
        Entry::Pathway(step) => {
            let what = match step.kind {
                PathwayEventKind::Entry => {
                    format!("Entrée en {}", step.to_stage.label().to_lowercase())
                }
                PathwayEventKind::Move => format!(
                    "Passage de {} à {}",
                    step.from_stage
                        .map(|s| s.label().to_lowercase())
                        .unwrap_or_default(),
                    step.to_stage.label().to_lowercase()
                ),
                PathwayEventKind::Close => format!(
                    "Parcours clôturé : {}",
                    step.outcome
                        .map(|o| o.label().to_lowercase())
                        .unwrap_or_default()
                ),
                PathwayEventKind::Reopen => format!(
                    "Parcours rouvert en {}",
                    step.to_stage.label().to_lowercase()
                ),
            };
            let mut details = vec![format!("par {}", who(step.user_id))];
            details.extend(step.reason.iter().map(|r| format!("Motif : {r}")));
            TimelineRow {
                when,
                what,
                details,
            }
        }
        Entry::Contact(c) => {
            let mut details = Vec::new();
            let mut line = format!("par {}", who(c.user_id));
            if let Some(minutes) = c.duration_minutes {
                line.push_str(&format!(", {minutes} min"));
            }
            details.push(line);
            if !c.topics.is_empty() {
                details.push(format!(
                    "Sujets : {}",
                    c.topics
                        .iter()
                        .map(|t| t.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            details.extend(c.notes.iter().cloned());
            if let Some(action) = &c.next_action {
                let due = c
                    .next_action_due
                    .map(|d| format!(" (pour le {})", fr::date(d)))
                    .unwrap_or_default();
                let done = if c.next_action_done_at.is_some() {
                    " — faite"
                } else {
                    ""
                };
                details.push(format!("Prochaine action : {action}{due}{done}"));
            }
            TimelineRow {
                when,
                what: format!("Contact : {}", c.kind.label().to_lowercase()),
                details,
            }
        }
        Entry::Consent(c) => TimelineRow {
            when,
            what: format!(
                "Consentement {} : {}",
                if c.given { "donné" } else { "retiré" },
                c.purpose.label().to_lowercase()
            ),
            details: vec![format!("enregistré par {}", who(c.recorded_by))],
        },
        Entry::Referral(r, of) => {
            let name = |id: i64| {
                organisations
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "une structure partenaire".into())
            };
            let mut details = vec![format!(
                "de {} vers {}",
                name(of.from_organisation_id),
                name(of.to_organisation_id)
            )];
            match r.step {
                ReferralStep::Complete => details.extend(
                    of.outcome
                        .map(|outcome| format!("Issue : {}", outcome.label())),
                ),
                ReferralStep::Decline => details.extend(
                    of.decline_reason
                        .map(|reason| format!("Motif : {}", reason.label())),
                ),
                _ => {}
            }
            let said = if r.step == ReferralStep::Decline {
                "Précisions"
            } else {
                "Motif"
            };
            details.extend(r.reason.iter().map(|x| format!("{said} : {x}")));
            TimelineRow {
                when,
                what: r.step.label().to_owned(),
                details,
            }
        }
        Entry::Attendance(_, event) => TimelineRow {
            when,
            what: format!("Participation : {}", event.title),
            details: vec![format!(
                "{}, le {}",
                event.kind.label(),
                fr::date(event.held_on)
            )],
        },
        Entry::Hosting(a) => TimelineRow {
            when,
            what: "Convention d'hébergement".into(),
            details: vec![format!(
                "du {} au {}",
                fr::short_date(a.start_date),
                fr::short_date(a.end())
            )],
        },
    }
}

/// After a refused form: the file again, the form open with what was typed.
async fn refused_or(
    state: &AppState,
    user: &Signed,
    id: i64,
    result: Result<&'static str, Error>,
    typed: impl FnOnce(Errors) -> Refused,
    order: &[&str],
    now: DateTime<Utc>,
) -> PageResult {
    match result {
        Ok(flash) => Ok(see_other(&person_href(id), Some(flash))),
        Err(Error::Invalid(errors)) => {
            let refused = typed(Errors::from_validation(errors).sorted_by(order));
            render(state, user, id, None, refused, None, now).await
        }
        Err(Error::Conflict(detail)) => {
            let mut errors = Errors::default();
            errors.add(order.first().copied().unwrap_or("form"), detail);
            render(state, user, id, None, typed(errors), None, now).await
        }
        Err(other) => Err(other.into()),
    }
}

const CONTACT_FIELDS: &[&str] = &[
    "kind",
    "occurred_at",
    "duration_minutes",
    "topics",
    "notes",
    "next_action",
    "next_action_due",
];

/// A form of the file posted: its text checked, then `op` (the use case) with the
/// holder's id; success goes back to the file with the message `op` names, a refusal
/// shows the file again with `form` open, what was typed and the errors in `order`.
async fn act(
    state: &AppState,
    id: i64,
    SignedForm { user, fields }: SignedForm,
    form: fn(Typed) -> Refused,
    order: &[&str],
    now: DateTime<Utc>,
    op: impl AsyncFnOnce(&Signed, i64, &Fields) -> Result<&'static str, Error>,
) -> PageResult {
    let result = match fields.errors.to_validation() {
        Some(unclean) => Err(Error::Invalid(unclean)),
        None => op(&user, id, &fields).await,
    };
    let typed = |errors| form(Typed { fields, errors });
    refused_or(state, &user, id, result, typed, order, now).await
}

pub async fn log_contact(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let order = CONTACT_FIELDS;
    act(
        &state,
        id,
        form,
        Refused::Contact,
        order,
        now,
        async |user, id, fields| {
            let duration_minutes = match fields.get("duration_minutes") {
                None => None,
                Some(raw) => Some(raw.parse::<i32>().map_err(|_| {
                    Error::invalid(
                        "duration_minutes",
                        "durée en minutes : un nombre entier, par exemple 45",
                    )
                })?),
            };
            let input = ContactInput {
                kind: fields.get("kind"),
                occurred_at: fields.get("occurred_at"),
                duration_minutes,
                topics: fields.all("topics"),
                notes: fields.get("notes"),
                next_action: fields.get("next_action"),
                next_action_due: fields.get("next_action_due"),
            };
            contacts::log(&state.core, user.actor(), id, input, now)
                .await
                .map(|_| "contact")
        },
    )
    .await
}

pub async fn move_stage(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let order = &["to", "reason"];
    act(
        &state,
        id,
        form,
        Refused::Stage,
        order,
        now,
        async |user, id, fields| {
            let input = StageInput {
                to: fields.get("to").unwrap_or_default(),
                reason: fields.get("reason"),
            };
            holders::move_stage(&state.core, user.actor(), id, input, now)
                .await
                .map(|_| "etape")
        },
    )
    .await
}

pub async fn close(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let order = &[
        "outcome",
        "siret",
        "created_on",
        "legal_form",
        "project_id",
        "reason",
    ];
    act(
        &state,
        id,
        form,
        Refused::Close,
        order,
        now,
        async |user, id, fields| {
            let input = CloseInput {
                outcome: fields.get("outcome").unwrap_or_default(),
                reason: fields.get("reason"),
                siret: fields.get("siret").map(|s| s.replace(' ', "")),
                created_on: fields.get("created_on"),
                legal_form: fields.get("legal_form"),
                project_id: fields.get("project_id").and_then(|p| p.parse().ok()),
            };
            holders::close(&state.core, user.actor(), id, input, now)
                .await
                .map(|_| "cloture")
        },
    )
    .await
}

pub async fn reopen(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    act(
        &state,
        id,
        form,
        Refused::Reopen,
        &["reason"],
        now,
        async |user, id, fields| {
            let input = ReopenInput {
                reason: fields.get("reason"),
            };
            holders::reopen(&state.core, user.actor(), id, input, now)
                .await
                .map(|_| "reouverture")
        },
    )
    .await
}

/// Records a consent given, refused or withdrawn, as the person said it. Withdrawing
/// the sharing with partners ends the referrals in progress (the use case does it).
pub async fn record_consent(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    let order = &["purpose", "given"];
    act(
        &state,
        id,
        form,
        Refused::Consent,
        order,
        now,
        async |user, id, fields| {
            let given = match fields.get("given").as_deref() {
                Some("oui") => true,
                Some("non") => false,
                _ => {
                    return Err(Error::invalid(
                        "given",
                        "choisissez « donné » ou « refusé ou retiré »",
                    ));
                }
            };
            let input = ConsentInput {
                purpose: fields.get("purpose").unwrap_or_default(),
                given,
            };
            consents::record(&state.core, user.actor(), id, input, now)
                .await
                .map(|_| "consentement")
        },
    )
    .await
}

/// « Garder ce dossier »: the reason, dated, counts as activity; the file is kept a
/// whole retention period more.
pub async fn keep(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    form: SignedForm,
) -> PageResult {
    act(
        &state,
        id,
        form,
        Refused::Keep,
        &["reason"],
        now,
        async |user, id, fields| {
            let input = KeepInput {
                reason: fields.get("reason").unwrap_or_default(),
            };
            privacy::keep(&state.core, user.actor(), id, input, now)
                .await
                .map(|_| "garde")
        },
    )
    .await
}
