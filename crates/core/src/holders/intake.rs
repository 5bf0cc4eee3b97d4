//! The intake form: what an adviser types, and the rules it must pass, whoever fills it
//! in (a page, the API, an import).

use crate::text::{optional, text, word};
use crate::{Actor, Result};
use chrono::{DateTime, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::holders::{
    CommuneInsee, EducationLevel, Gender, Phone, PostalCode, QpvCode, QpvStatus, QpvStatusSource,
    Situation, check_birth_date, check_name, parse_date,
};
use parcours_domain::users::{Email, Role};
use parcours_persistence::holders::{Holder, HolderFields};
use parcours_persistence::{ConnectionTrait, qpv, users};
use serde::{Deserialize, Serialize};

/// What an adviser types at intake. Every field but the names is optional; a refusal
/// lists every invalid field at once.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HolderInput {
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::holders::PersonName, required = true))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::holders::PersonName, required = true))]
    pub last_name: Option<String>,
    /// YYYY-MM-DD; the person must be 15 to 99 years old.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub birth_date: Option<String>,
    /// `femme`, `homme` or `autre`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::Gender>))]
    pub gender: Option<String>,
    pub email: Option<String>,
    /// National (06 12 34 56 78) or international (+33 6 12 34 56 78) form.
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub address: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::PostalCode>))]
    pub postal_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::CommuneInsee>))]
    pub commune_insee: Option<String>,
    /// A code of the QPV reference list; sets `qpv_status` to `in_qpv`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::QpvCode>))]
    pub qpv_code: Option<String>,
    /// `in_qpv`, `not_in_qpv` or `unknown`, when known without a code.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::QpvStatus>))]
    pub qpv_status: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::Situation>))]
    pub situation: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::holders::EducationLevel>))]
    pub education_level: Option<String>,
    /// Only the adviser's own organisation (the default).
    pub referent_organisation_id: Option<i64>,
    /// An adviser of that organisation (default: the one registering).
    pub referent_user_id: Option<i64>,
    /// Stage at registration (default `information`); only on creation.
    #[serde(skip_serializing)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::pathway::Stage>))]
    pub stage: Option<String>,
}

parcours_domain::redacted_debug!(HolderInput {
    referent_organisation_id,
    referent_user_id,
    stage
});

impl From<&Holder> for HolderInput {
    /// The input form of a stored holder, onto which an edit is laid.
    fn from(holder: &Holder) -> Self {
        Self {
            first_name: Some(holder.first_name.clone()),
            last_name: Some(holder.last_name.clone()),
            birth_date: holder.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
            gender: holder.gender.map(|g| g.as_str().to_owned()),
            email: holder.email.clone(),
            phone: holder.phone.clone(),
            address: holder.address.clone(),
            postal_code: holder.postal_code.clone(),
            commune_insee: holder.commune_insee.clone(),
            qpv_code: holder.qpv_code.clone(),
            qpv_status: (holder.qpv_status_source == QpvStatusSource::Adviser
                && holder.qpv_code.is_none())
            .then(|| holder.qpv_status.as_str().to_owned()),
            situation: holder.situation.map(|s| s.as_str().to_owned()),
            education_level: holder.education_level.map(|e| e.as_str().to_owned()),
            referent_organisation_id: Some(holder.referent_organisation_id),
            referent_user_id: holder.referent_user_id,
            stage: None,
        }
    }
}

/// What the intake rules read from the database, kept while one transaction checks
/// many lines: an import asks about the same référents and quartiers line after line,
/// and nothing it does changes them.
#[derive(Default)]
pub(crate) struct Known {
    /// Whether each user id is an active adviser or admin of the actor's organisation.
    referents: std::collections::HashMap<i64, bool>,
    qpv_codes: std::collections::HashMap<String, bool>,
    /// Whether each commune has no QPV at all.
    communes_without_qpv: std::collections::HashMap<String, bool>,
    reference_loaded: Option<bool>,
}

/// Checks every field, then what needs the database (referent, QPV reference): the
/// rules of the intake form, whoever fills it in.
pub(crate) async fn validate(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &HolderInput,
    now: DateTime<Utc>,
) -> Result<HolderFields> {
    validate_known(conn, actor, input, now, &mut Known::default()).await
}

/// [`validate`], reading the database only for what `known` does not hold yet.
pub(crate) async fn validate_known(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &HolderInput,
    now: DateTime<Utc>,
    known: &mut Known,
) -> Result<HolderFields> {
    let today = parcours_domain::calendar::paris_day(now);
    let mut errors = ValidationErrors::new();
    let first_name = errors.check(
        "first_name",
        check_name(input.first_name.as_deref().unwrap_or_default()),
    );
    let last_name = errors.check(
        "last_name",
        check_name(input.last_name.as_deref().unwrap_or_default()),
    );
    let birth_date = optional(
        &mut errors,
        "birth_date",
        input.birth_date.as_deref(),
        |v| parse_date(v).and_then(|d| check_birth_date(d, today)),
    );
    let gender: Option<Gender> = word(&mut errors, "gender", input.gender.as_deref());
    let email = optional(&mut errors, "email", input.email.as_deref(), Email::parse);
    let phone = optional(&mut errors, "phone", input.phone.as_deref(), Phone::parse);
    let address = text(&mut errors, "address", input.address.as_deref(), 300);
    let postal_code = optional(
        &mut errors,
        "postal_code",
        input.postal_code.as_deref(),
        PostalCode::parse,
    );
    let commune = optional(
        &mut errors,
        "commune_insee",
        input.commune_insee.as_deref(),
        CommuneInsee::parse,
    );
    let qpv_code = optional(
        &mut errors,
        "qpv_code",
        input.qpv_code.as_deref(),
        QpvCode::parse,
    );
    let qpv_status: Option<QpvStatus> =
        word(&mut errors, "qpv_status", input.qpv_status.as_deref());
    let situation: Option<Situation> = word(&mut errors, "situation", input.situation.as_deref());
    let education_level: Option<EducationLevel> = word(
        &mut errors,
        "education_level",
        input.education_level.as_deref(),
    );
    if input
        .referent_organisation_id
        .is_some_and(|id| id != actor.organisation_id)
    {
        errors.add(
            "referent_organisation_id",
            "vous ne pouvez suivre une personne que pour votre propre structure",
        );
    }
    if qpv_code.is_some() && qpv_status.is_some_and(|s| s != QpvStatus::InQpv) {
        errors.add(
            "qpv_status",
            "contradictoire avec le code QPV indiqué (in_qpv attendu)",
        );
    }
    if let Some(code) = &qpv_code {
        let exists = match known.qpv_codes.get(code.as_str()) {
            Some(exists) => *exists,
            None => {
                let exists = qpv::exists(conn, code.as_str()).await?;
                known.qpv_codes.insert(code.as_str().to_owned(), exists);
                exists
            }
        };
        if !exists {
            errors.add("qpv_code", "quartier absent du référentiel QPV");
        }
    }
    let referent_user_id = input.referent_user_id.unwrap_or(actor.user_id);
    let referent_ok = match known.referents.get(&referent_user_id) {
        Some(ok) => *ok,
        None => {
            let ok = users::get(conn, referent_user_id)
                .await?
                .is_some_and(|referent| {
                    referent.organisation_id == actor.organisation_id
                        && referent.disabled_at.is_none()
                        && matches!(referent.role, Role::Adviser | Role::OrgAdmin)
                });
            known.referents.insert(referent_user_id, ok);
            ok
        }
    };
    if !referent_ok {
        errors.add(
            "referent_user_id",
            "doit être un conseiller actif de votre structure",
        );
    }
    let (qpv_status, qpv_status_source) = match (&qpv_code, qpv_status, &commune) {
        (Some(_), _, _) => (QpvStatus::InQpv, QpvStatusSource::Adviser),
        (None, Some(status), _) => (status, QpvStatusSource::Adviser),
        (None, None, Some(commune)) => {
            // Honest: a commune with no QPV at all says "not in a QPV"; a commune with
            // QPVs says nothing about the street.
            let without_qpv = match known.communes_without_qpv.get(commune.as_str()) {
                Some(without) => *without,
                None => {
                    let without = qpv::count_in_commune(conn, commune.as_str()).await? == 0;
                    known
                        .communes_without_qpv
                        .insert(commune.as_str().to_owned(), without);
                    without
                }
            };
            let loaded = match known.reference_loaded {
                Some(loaded) => loaded,
                None if !without_qpv => false,
                None => {
                    let loaded = qpv::reference_loaded(conn).await?;
                    known.reference_loaded = Some(loaded);
                    loaded
                }
            };
            if without_qpv && loaded {
                (QpvStatus::NotInQpv, QpvStatusSource::Commune)
            } else {
                (QpvStatus::Unknown, QpvStatusSource::Commune)
            }
        }
        (None, None, None) => (QpvStatus::Unknown, QpvStatusSource::NotSet),
    };
    errors.into_result()?;
    Ok(HolderFields {
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        birth_date,
        gender,
        email: email.map(Email::into_inner),
        phone: phone.map(|p| p.as_str().to_owned()),
        address,
        postal_code: postal_code.map(|p| p.as_str().to_owned()),
        commune_insee: commune.map(|c| c.as_str().to_owned()),
        qpv_code: qpv_code.map(|q| q.as_str().to_owned()),
        qpv_status,
        qpv_status_source,
        situation,
        education_level,
        referent_user_id: Some(referent_user_id),
    })
}
