//! Registering a person: the intake form, its rules from the use case, inline errors
//! with a summary, what was typed kept, and a QPV picker that works without script
//! (a code, or the start of a quartier's or commune's name, resolved on the server).

use super::page::{
    Choice, Errors, Fields, Layout, PageError, PageResult, choices, html, see_other,
};
use super::person_href;
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::holders::{self, HolderInput};
use parcours_core::{Error, qpv};
use parcours_domain::holders::{EducationLevel, Gender, QpvCode, Situation};
use parcours_domain::pathway::Stage;

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage {
    layout: Layout,
    csrf: String,
    fields: Fields,
    errors: Errors,
    /// Possible duplicates found in the organisation, shown before saving.
    duplicates: Vec<Duplicate>,
    /// Set when the form edits an existing file.
    edit: Option<Edit>,
    genders: Vec<Choice>,
    situations: Vec<Choice>,
    levels: Vec<Choice>,
    stages: Vec<Choice>,
}

/// Editing a file: the version the form was based on, the values it started from (to
/// tell, if someone else saved meanwhile, which fields they changed), and those
/// changes once met.
struct Edit {
    id: i64,
    version: i32,
    originals: Vec<(&'static str, String)>,
    changed: Vec<(&'static str, String)>,
}

struct Duplicate {
    href: String,
    name: String,
    why: String,
}

impl RegisterPage {
    fn value(&self, name: &str) -> &str {
        self.fields.raw(name).unwrap_or_default()
    }
}

/// The order of the form, for the error summary.
const ORDER: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "phone",
    "email",
    "address",
    "postal_code",
    "commune_insee",
    "qpv",
    "qpv_code",
    "qpv_status",
    "situation",
    "education_level",
    "stage",
];

fn page(user: &Signed, fields: Fields, errors: Errors) -> RegisterPage {
    titled(user, "Inscrire une personne", fields, errors)
}

fn titled(user: &Signed, title: &str, fields: Fields, errors: Errors) -> RegisterPage {
    RegisterPage {
        layout: user.layout(title, "/personnes"),
        csrf: user.csrf.clone(),
        fields,
        errors: errors.sorted_by(ORDER),
        duplicates: Vec::new(),
        edit: None,
        genders: choices(Gender::ALL, Gender::as_str, ""),
        situations: choices(Situation::ALL, Situation::as_str, ""),
        levels: choices(EducationLevel::ALL, EducationLevel::as_str, ""),
        stages: choices(Stage::ALL, Stage::as_str, ""),
    }
}

pub async fn form(user: Signed) -> PageResult {
    Ok(html(
        StatusCode::OK,
        &page(&user, Fields::default(), Errors::default()),
    ))
}

/// The QPV as chosen: « oui » with a code or a name to look up, « non », « je ne sais
/// pas ». A name that matches several quartiers is an error that lists them.
async fn qpv_choice(
    state: &AppState,
    user: &Signed,
    fields: &Fields,
    errors: &mut Errors,
) -> Result<(Option<String>, Option<String>), Error> {
    match fields.get("qpv_status").as_deref() {
        None | Some("unknown") => Ok((None, Some("unknown".into()))),
        Some("not_in_qpv") => Ok((None, Some("not_in_qpv".into()))),
        Some("in_qpv") => {
            let Some(typed) = fields.get("qpv") else {
                errors.add(
                    "qpv",
                    "indiquez le code ou le nom du quartier, ou choisissez « Je ne sais pas »",
                );
                return Ok((None, None));
            };
            let code = resolve_qpv(state, user, &typed, errors).await?;
            Ok((code, None))
        }
        Some(_) => {
            errors.add("qpv_status", "choisissez une des réponses proposées");
            Ok((None, None))
        }
    }
}

/// A quartier as typed in a picker: its code, or the start of its name or of its
/// commune's, resolved on the server. A name that matches none or several quartiers is
/// an error on the `qpv` field (the several are listed); `None` then.
pub(super) async fn resolve_qpv(
    state: &AppState,
    user: &Signed,
    typed: &str,
    errors: &mut Errors,
) -> Result<Option<String>, Error> {
    if let Ok(code) = QpvCode::parse(&typed.to_uppercase()) {
        return Ok(Some(code.as_str().to_owned()));
    }
    let found = match qpv::search(&state.core, user.actor(), Some(typed)).await {
        Ok(found) => found,
        Err(Error::Invalid(_)) => {
            errors.add("qpv", "100 caractères au plus");
            return Ok(None);
        }
        Err(other) => return Err(other),
    };
    match found.as_slice() {
        [one] => Ok(Some(one.code.clone())),
        [] => {
            errors.add(
                "qpv",
                format!("aucun quartier prioritaire ne correspond à « {typed} »"),
            );
            Ok(None)
        }
        many => {
            let list: Vec<String> = many
                .iter()
                .take(8)
                .map(|q| {
                    let communes: Vec<&str> =
                        q.communes.iter().map(|(_, name)| name.as_str()).collect();
                    format!("{} ({}, {})", q.name, q.code, communes.join(", "))
                })
                .collect();
            let more = if many.len() > 8 { " …" } else { "" };
            errors.add(
                "qpv",
                format!(
                    "plusieurs quartiers correspondent : {}{more}. Saisissez le code du bon quartier.",
                    list.join(" ; ")
                ),
            );
            Ok(None)
        }
    }
}

/// The stored form of a typed phone number, to say why a file matched.
fn normalised_phone(typed: Option<&str>) -> Option<String> {
    typed
        .and_then(|p| parcours_domain::holders::Phone::parse(p).ok())
        .map(|p| p.as_str().to_owned())
}

/// The use case's refusal on the form: the QPV code came from the picker, so its
/// errors belong to the picker's field.
fn picker_errors(invalid: parcours_domain::ValidationErrors) -> Errors {
    let mut errors = Errors::from_validation(invalid);
    for item in &mut errors.items {
        if item.0 == "qpv_code" {
            item.0 = "qpv".into();
        }
    }
    errors
}

/// The identity fields as typed, the QPV resolved (errors go to `errors`).
async fn typed_input(
    state: &AppState,
    user: &Signed,
    fields: &Fields,
    errors: &mut Errors,
) -> Result<HolderInput, Error> {
    let (qpv_code, qpv_status) = qpv_choice(state, user, fields, errors).await?;
    Ok(HolderInput {
        first_name: fields.get("first_name"),
        last_name: fields.get("last_name"),
        birth_date: fields.get("birth_date"),
        gender: fields.get("gender"),
        email: fields.get("email"),
        phone: fields.get("phone"),
        address: fields.get("address"),
        postal_code: fields.get("postal_code"),
        commune_insee: fields.get("commune_insee"),
        qpv_code,
        qpv_status,
        situation: fields.get("situation"),
        education_level: fields.get("education_level"),
        stage: fields.get("stage"),
        ..HolderInput::default()
    })
}

pub async fn submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let mut errors = fields.errors.clone();
    let input = typed_input(&state, &user, &fields, &mut errors).await?;
    if !errors.is_empty() {
        // Check the rest too, so that every error shows at once; nothing is saved.
        if let Err(Error::Invalid(more)) =
            holders::check(&state.core, user.actor(), &input, now).await
        {
            for e in more.0 {
                if !errors.has(&e.field) {
                    errors.add(&e.field, e.message);
                }
            }
        }
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&user, fields, errors),
        ));
    }
    // A possible duplicate is shown before saving, with a link to the existing file;
    // the adviser may still register the person (a namesake, a shared family phone).
    if fields.get("doublon_vu").is_none() {
        let found = match holders::possible_duplicates(&state.core, user.actor(), &input, now).await
        {
            Ok(found) => found,
            Err(Error::Invalid(_)) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        if !found.is_empty() {
            let mut page = page(&user, fields, Errors::default());
            page.duplicates = found
                .iter()
                .map(|h| {
                    let mut why = Vec::new();
                    if h.birth_date.is_some()
                        && h.birth_date.map(|d| d.format("%Y-%m-%d").to_string())
                            == input.birth_date
                    {
                        why.push(format!(
                            "même nom, né·e le {}",
                            h.birth_date.map(super::fr::short_date).unwrap_or_default()
                        ));
                    }
                    if h.phone.is_some() && h.phone == normalised_phone(input.phone.as_deref()) {
                        why.push("même téléphone".to_owned());
                    }
                    if h.email.is_some()
                        && h.email.as_deref().map(str::to_lowercase)
                            == input.email.as_deref().map(|e| e.trim().to_lowercase())
                    {
                        why.push("même adresse électronique".to_owned());
                    }
                    Duplicate {
                        href: person_href(h.id),
                        name: h.full_name(),
                        why: why.join(", "),
                    }
                })
                .collect();
            return Ok(html(StatusCode::OK, &page));
        }
    }
    match holders::register(&state.core, user.actor(), input, now).await {
        Ok(file) => Ok(see_other(&person_href(file.holder.id), Some("inscription"))),
        Err(Error::Invalid(invalid)) => {
            let errors = picker_errors(invalid);
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&user, fields, errors),
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// The identity fields of a file, with their labels, in the order of the form.
const EDITABLE: &[(&str, &str)] = &[
    ("first_name", "Prénom"),
    ("last_name", "Nom"),
    ("birth_date", "Date de naissance"),
    ("gender", "Genre"),
    ("phone", "Téléphone"),
    ("email", "Adresse électronique"),
    ("address", "Adresse"),
    ("postal_code", "Code postal"),
    ("commune_insee", "Code INSEE de la commune"),
    ("qpv_status", "Habite un QPV"),
    ("qpv", "Quartier"),
    ("situation", "Situation"),
    ("education_level", "Niveau de formation"),
];

/// A stored file as the form's fields.
fn stored_values(holder: &parcours_core::records::Holder) -> Vec<(&'static str, String)> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    EDITABLE
        .iter()
        .map(|(name, _)| {
            let value = match *name {
                "first_name" => holder.first_name.clone(),
                "last_name" => holder.last_name.clone(),
                "birth_date" => holder
                    .birth_date
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                "gender" => holder
                    .gender
                    .map(|g| g.as_str().to_owned())
                    .unwrap_or_default(),
                "phone" => text(&holder.phone),
                "email" => text(&holder.email),
                "address" => text(&holder.address),
                "postal_code" => text(&holder.postal_code),
                "commune_insee" => text(&holder.commune_insee),
                "qpv_status" => holder.qpv_status.as_str().to_owned(),
                "qpv" => text(&holder.qpv_code),
                "situation" => holder
                    .situation
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                "education_level" => holder
                    .education_level
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            (*name, value)
        })
        .collect()
}

/// The file to edit, if the reader may change it; a partner's read-only file is 403.
async fn editable(
    state: &AppState,
    user: &Signed,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<parcours_core::records::Holder, PageError> {
    let dossier = holders::dossier(
        &state.core,
        user.actor(),
        id,
        &parcours_core::PageRequest {
            cursor: None,
            limit: Some("1".into()),
        },
        now,
    )
    .await?;
    dossier.change_allowed()?;
    Ok(dossier.file.holder)
}

/// The edit form; `based_on` is the version and values the user started from.
fn edit_page(
    user: &Signed,
    holder: &parcours_core::records::Holder,
    based_on: (i32, Vec<(&'static str, String)>),
    fields: Fields,
    errors: Errors,
    changed: Vec<(&'static str, String)>,
) -> RegisterPage {
    let title = format!("Modifier la fiche de {}", holder.full_name());
    let mut page = titled(user, &title, fields, errors);
    page.edit = Some(Edit {
        id: holder.id,
        version: based_on.0,
        originals: based_on.1,
        changed,
    });
    page
}

pub async fn edit_form(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    let holder = editable(&state, &user, id, now).await?;
    let values = stored_values(&holder)
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    let based_on = (holder.version, stored_values(&holder));
    let page = edit_page(
        &user,
        &holder,
        based_on,
        Fields::new(values),
        Errors::default(),
        Vec::new(),
    );
    Ok(html(StatusCode::OK, &page))
}

/// Saves the edit if nobody changed the file since the form was opened. If someone
/// did, nothing is overwritten: the form comes back with what the user typed, the
/// fields the other person changed and their new values, based on the new version —
/// sending it again then replaces them knowingly.
pub async fn edit_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let mut errors = fields.errors.clone();
    let input = typed_input(&state, &user, &fields, &mut errors).await?;
    let version = fields.get("version").and_then(|v| v.parse::<i32>().ok());
    let expected = version.map_or(
        parcours_core::Expected::Unknown,
        parcours_core::Expected::Version,
    );
    let originals: Vec<(&'static str, String)> = EDITABLE
        .iter()
        .map(|(name, _)| {
            let before = fields.raw(&format!("avant_{name}")).unwrap_or_default();
            (*name, before.to_owned())
        })
        .collect();
    let result = if errors.is_empty() {
        holders::update(
            &state.core,
            user.actor(),
            id,
            expected,
            |current| {
                Ok(HolderInput {
                    referent_organisation_id: current.referent_organisation_id,
                    referent_user_id: current.referent_user_id,
                    stage: None,
                    ..input
                })
            },
            now,
        )
        .await
        .map(|_| ())
    } else {
        Err(Error::Invalid(errors.to_validation().unwrap_or_default()))
    };
    match result {
        Ok(()) => Ok(see_other(&person_href(id), Some("modification"))),
        Err(Error::Invalid(invalid)) => {
            let holder = editable(&state, &user, id, now).await?;
            let errors = picker_errors(invalid);
            // Still based on what the user started from: if someone saved meanwhile,
            // the next try says so.
            let based_on = (version.unwrap_or(holder.version), originals);
            let page = edit_page(&user, &holder, based_on, fields, errors, Vec::new());
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Error::Stale) => {
            let holder = editable(&state, &user, id, now).await?;
            let stored = stored_values(&holder);
            let changed: Vec<(&'static str, String)> = stored
                .iter()
                .filter(|(name, now_value)| {
                    originals
                        .iter()
                        .any(|(n, before)| n == name && before != now_value)
                })
                .map(|(name, value)| {
                    let name = *name;
                    let label = EDITABLE
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map_or(name, |(_, l)| *l);
                    (
                        label,
                        if value.is_empty() {
                            "(effacé)".to_owned()
                        } else {
                            value.clone()
                        },
                    )
                })
                .collect();
            let based_on = (holder.version, stored);
            let page = edit_page(&user, &holder, based_on, fields, Errors::default(), changed);
            Ok(html(StatusCode::CONFLICT, &page))
        }
        Err(other) => Err(other.into()),
    }
}
