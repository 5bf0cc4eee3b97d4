//! « Orienter » from a person's file: the territory's partners with the services
//! suggested for this person first, the need and a message, the consent check (with the
//! words to read to the person), and what the partner will see while it waits.

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
use parcours_core::Error;
use parcours_core::consents::{self, ConsentInput};
use parcours_core::referrals::{self, Draft, ReferralInput};
use parcours_domain::contacts::ConsentPurpose;
use parcours_domain::labels::Label;
use parcours_domain::services::Need;

/// What the adviser reads to the person before recording their agreement to be shared.
pub const SHARING_WORDS: &str = "Pour avancer dans votre projet, je peux vous orienter vers une \
structure partenaire du territoire. Je lui transmettrai votre nom, votre téléphone, votre \
adresse électronique et un résumé de votre projet. Elle ne verra votre dossier que si elle \
accepte de vous accompagner. Vous pouvez retirer votre accord à tout moment, auprès de moi : \
les orientations en cours s'arrêtent alors. Êtes-vous d'accord ?";

/// The order of the form's fields, for the error summary.
const ORDER: &[&str] = &["partenaire", "need", "message"];

struct Choice {
    value: String,
    label: String,
    hint: String,
    checked: bool,
    disabled: bool,
}

struct PartnerBlock {
    name: String,
    kind: &'static str,
    busy: Option<String>,
    choices: Vec<Choice>,
}

struct NeedBox {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "web/refer.html")]
struct ReferPage {
    layout: Layout,
    csrf: String,
    id: i64,
    name: String,
    may_refer: bool,
    consent: bool,
    words: &'static str,
    needs: Vec<NeedBox>,
    suggestions: Vec<Choice>,
    partners: Vec<PartnerBlock>,
    answer_by: String,
    need: String,
    message: String,
    errors: Errors,
    consent_errors: Errors,
}

/// The page, with suggestions ranked for the needs ticked (`besoins`, repeated).
pub async fn form(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    let value = |name: &'static str| {
        pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let flash = FlashQuery::from_code(value("fait").next());
    let typed = Typed {
        needs: value("besoins").collect::<Vec<_>>().join(","),
        ..Typed::default()
    };
    render(
        &state,
        &user,
        id,
        typed,
        flash.message(),
        StatusCode::OK,
        now,
    )
    .await
}

/// What the adviser typed, shown again when the use case refuses it.
#[derive(Default)]
struct Typed {
    needs: String,
    partner: String,
    need: String,
    message: String,
    errors: Errors,
    consent_errors: Errors,
}

async fn render(
    state: &AppState,
    user: &Signed,
    id: i64,
    typed: Typed,
    flash: Option<String>,
    status: StatusCode,
    now: DateTime<Utc>,
) -> PageResult {
    let draft = match referrals::draft(&state.core, user.actor(), id, Some(&typed.needs), now).await
    {
        // A made-up need in the address: rank for none rather than fail.
        Err(Error::Invalid(_)) => {
            referrals::draft(&state.core, user.actor(), id, None, now).await?
        }
        other => other?,
    };
    let layout = user
        .layout(format!("Orienter {}", draft.holder_name), "/personnes")
        .with_flash(flash);
    Ok(html(
        status,
        &build(layout, user.csrf.clone(), draft, typed),
    ))
}

fn build(layout: Layout, csrf: String, draft: Draft, typed: Typed) -> ReferPage {
    let busy = |organisation_id: i64| {
        draft
            .under_way
            .iter()
            .find(|(o, _)| *o == organisation_id)
            .map(|(_, status)| format!("orientation en cours ({})", status.label().to_lowercase()))
    };
    let suggestions = draft
        .suggestions
        .iter()
        .map(|s| {
            let value = format!("{}:{}", s.organisation.id, s.service.id);
            let taken = busy(s.organisation.id);
            Choice {
                checked: typed.partner == value,
                label: format!("{} — {}", s.service.fields.name, s.organisation.name),
                hint: match &taken {
                    Some(busy) => format!("{} · {busy}", s.reason),
                    None => s.reason.clone(),
                },
                disabled: taken.is_some(),
                value,
            }
        })
        .collect();
    let partners = draft
        .partners
        .iter()
        .map(|p| {
            let taken = busy(p.organisation.id);
            let mut choices: Vec<Choice> = p
                .services
                .iter()
                .map(|s| {
                    let value = format!("{}:{}", p.organisation.id, s.id);
                    Choice {
                        checked: typed.partner == value,
                        label: s.fields.name.clone(),
                        hint: s.fields.stage.label().to_owned(),
                        disabled: taken.is_some(),
                        value,
                    }
                })
                .collect();
            let value = p.organisation.id.to_string();
            choices.push(Choice {
                checked: typed.partner == value,
                label: if p.services.is_empty() {
                    format!("{} (aucun service publié)", p.organisation.name)
                } else {
                    "Sans service précis".into()
                },
                hint: String::new(),
                disabled: taken.is_some(),
                value,
            });
            PartnerBlock {
                name: p.organisation.name.clone(),
                kind: p.organisation.kind.label(),
                busy: taken,
                choices,
            }
        })
        .collect();
    let needs = Need::ALL
        .iter()
        .map(|n| NeedBox {
            value: n.as_str(),
            label: n.label(),
            checked: draft.needs.contains(n),
        })
        .collect();
    ReferPage {
        layout,
        csrf,
        id: draft.holder_id,
        name: draft.holder_name,
        may_refer: draft.may_refer,
        consent: draft.sharing_consent,
        words: SHARING_WORDS,
        needs,
        suggestions,
        partners,
        answer_by: fr::date(fr::local_day(draft.answer_by)),
        need: typed.need,
        message: typed.message,
        errors: typed.errors,
        consent_errors: typed.consent_errors,
    }
}

/// The partner chosen: `organisation` or `organisation:service` (the use case checks
/// that the service is the organisation's).
fn target(raw: Option<&str>) -> Option<(i64, Option<i64>)> {
    let raw = raw?;
    match raw.split_once(':') {
        Some((organisation, service)) => {
            Some((organisation.parse().ok()?, Some(service.parse().ok()?)))
        }
        None => Some((raw.parse().ok()?, None)),
    }
}

/// Sends the referral, then shows it.
pub async fn submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let mut typed = typed(&fields);
    let result = match send(&state, &user, id, &fields, now).await {
        Ok(referral_id) => {
            return Ok(see_other(
                &format!("/orientations/{referral_id}"),
                Some("orientation-envoyee"),
            ));
        }
        Err(error) => error,
    };
    // The use case names the partner by its ids: on this page it is one choice.
    let mut shown = Errors::default();
    for (field, message) in Errors::of_refusal(result, "partenaire")?.items {
        match field.as_str() {
            "to_organisation_id" | "service_id" => shown.add("partenaire", message),
            // Consent withdrawn in the meantime: the page says so above the form.
            "holder_id" => {}
            _ => shown.add(&field, message),
        }
    }
    typed.errors = shown.sorted_by(ORDER);
    refused(&state, &user, id, typed, now).await
}

/// The page again after a refused form, with what was typed and why.
async fn refused(
    state: &AppState,
    user: &Signed,
    id: i64,
    typed: Typed,
    now: DateTime<Utc>,
) -> PageResult {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(state, user, id, typed, None, status, now).await
}

fn typed(fields: &Fields) -> Typed {
    Typed {
        needs: fields.all("besoins").join(","),
        partner: fields.raw("partenaire").unwrap_or_default().to_owned(),
        need: fields.raw("need").unwrap_or_default().to_owned(),
        message: fields.raw("message").unwrap_or_default().to_owned(),
        ..Typed::default()
    }
}

async fn send(
    state: &AppState,
    user: &Signed,
    id: i64,
    fields: &Fields,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    if let Some(errors) = fields.errors.to_validation() {
        return Err(Error::Invalid(errors));
    }
    // Nothing chosen still goes to the use case, so that every other field is checked
    // too; its « unknown organisation » then reads as what is missing.
    let chosen = target(fields.raw("partenaire"));
    let (to_organisation_id, service_id) = chosen.unwrap_or((0, None));
    let input = ReferralInput {
        holder_id: id,
        to_organisation_id,
        service_id,
        need: fields.get("need").unwrap_or_default(),
        message: fields.get("message"),
    };
    match referrals::refer(&state.core, user.actor(), input, now).await {
        Ok(referral) => Ok(referral.id),
        Err(Error::Invalid(mut errors)) if chosen.is_none() => {
            for error in &mut errors.0 {
                if error.field == "to_organisation_id" {
                    error.message =
                        "choisissez la structure vers laquelle orienter la personne".into();
                }
            }
            Err(Error::Invalid(errors))
        }
        Err(other) => Err(other),
    }
}

/// Records the person's agreement to be shared, read to them from the page, and comes
/// back to the referral.
pub async fn agree(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let back = format!("{}/orienter", person_href(id));
    if fields.get("accord").as_deref() != Some("oui") {
        let mut consent_errors = Errors::default();
        consent_errors.add(
            "accord",
            "cochez la case si la personne a donné son accord après avoir entendu le texte",
        );
        let typed = Typed {
            consent_errors,
            ..Typed::default()
        };
        return refused(&state, &user, id, typed, now).await;
    }
    let input = ConsentInput {
        purpose: ConsentPurpose::PartagePartenaires.as_str().to_owned(),
        given: true,
    };
    match consents::record(&state.core, user.actor(), id, input, now).await {
        Ok(_) => Ok(see_other(&back, Some("consentement"))),
        Err(Error::Invalid(_)) => Err(PageError::NotFound),
        Err(other) => Err(other.into()),
    }
}
