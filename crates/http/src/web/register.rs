//! Registering a person: the intake form, its rules from the use case, inline errors
//! with a summary, what was typed kept, and a QPV picker that works without script
//! (a code, or the start of a quartier's or commune's name, resolved on the server).

use super::page::{Errors, Fields, Layout, PageResult, html, see_other};
use super::person_href;
use super::session::{Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use parcours_core::holders::{self, HolderInput};
use parcours_core::{Error, qpv};
use parcours_domain::holders::{EducationLevel, Gender, QpvCode, Situation};
use parcours_domain::labels::Label;
use parcours_domain::pathway::Stage;

struct Choice {
    value: &'static str,
    label: &'static str,
}

fn choices<T: Label + Copy>(all: &[T], word: impl Fn(T) -> &'static str) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: word(*v),
            label: v.label(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage {
    layout: Layout,
    csrf: String,
    fields: Fields,
    errors: Errors,
    genders: Vec<Choice>,
    situations: Vec<Choice>,
    levels: Vec<Choice>,
    stages: Vec<Choice>,
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
    RegisterPage {
        layout: user.layout("Inscrire une personne", "/personnes"),
        csrf: user.csrf.clone(),
        fields,
        errors: errors.sorted_by(ORDER),
        genders: choices(Gender::ALL, Gender::as_str),
        situations: choices(Situation::ALL, Situation::as_str),
        levels: choices(EducationLevel::ALL, EducationLevel::as_str),
        stages: choices(Stage::ALL, Stage::as_str),
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
            if let Ok(code) = QpvCode::parse(&typed.to_uppercase()) {
                return Ok((Some(code.as_str().to_owned()), None));
            }
            let found = match qpv::search(&state.core, user.actor(), Some(&typed)).await {
                Ok(found) => found,
                Err(Error::Invalid(_)) => {
                    errors.add("qpv", "100 caractères au plus");
                    return Ok((None, None));
                }
                Err(other) => return Err(other),
            };
            match found.as_slice() {
                [one] => Ok((Some(one.code.clone()), None)),
                [] => {
                    errors.add(
                        "qpv",
                        format!("aucun quartier prioritaire ne correspond à « {typed} »"),
                    );
                    Ok((None, None))
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
                    Ok((None, None))
                }
            }
        }
        Some(_) => {
            errors.add("qpv_status", "choisissez une des réponses proposées");
            Ok((None, None))
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let mut errors = Errors::default();
    for (field, message) in &fields.errors.items {
        errors.add(field, message.clone());
    }
    let (qpv_code, qpv_status) = qpv_choice(&state, &user, &fields, &mut errors).await?;
    let input = HolderInput {
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
    };
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
    match holders::register(&state.core, user.actor(), input, now).await {
        Ok(file) => Ok(see_other(&person_href(file.holder.id), Some("inscription"))),
        Err(Error::Invalid(invalid)) => {
            let mut errors = Errors::from_validation(invalid);
            // The QPV code came from the picker: its errors belong to it.
            for item in &mut errors.items {
                if item.0 == "qpv_code" {
                    item.0 = "qpv".into();
                }
            }
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&user, fields, errors),
            ))
        }
        Err(other) => Err(other.into()),
    }
}
