//! A holder's projects: added and changed by the référent organisation.

use crate::access::{Expected, write_file};
use crate::text::{optional, past_date, required_text, text, word};
use crate::{Actor, Core, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::access::Change;
use parcours_domain::audit::AuditAction;
use parcours_domain::contacts::LegalForm;
use parcours_domain::holders::Siret;
use parcours_persistence::projects::{self, Project, ProjectFields};
use serde::{Deserialize, Serialize};

#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// The idea, in the holder's words.
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 2000))]
    pub idea: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub sector: Option<String>,
    /// `ei`, `eurl`, `sarl`, `sasu`, `sas`, `scop`, `scic` or `association`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::contacts::LegalForm>))]
    pub planned_legal_form: Option<String>,
    /// Micro-entreprise tax and social regime (with an EI).
    pub micro_entreprise: Option<bool>,
    /// Carried by several people.
    pub collective: Option<bool>,
    /// Financing need in euros.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000_000))]
    pub financing_need_eur: Option<i64>,
    /// Once created.
    pub siret: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub created_on: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<parcours_domain::contacts::LegalForm>))]
    pub legal_form: Option<String>,
}

parcours_domain::redacted_debug!(ProjectInput { planned_legal_form });

impl From<&Project> for ProjectInput {
    fn from(p: &Project) -> Self {
        Self {
            idea: Some(p.idea.clone()),
            sector: p.sector.clone(),
            planned_legal_form: p.planned_legal_form.map(|f| f.as_str().to_owned()),
            micro_entreprise: Some(p.micro_entreprise),
            collective: Some(p.collective),
            financing_need_eur: p.financing_need_eur,
            siret: p.siret.clone(),
            created_on: p.created_on.map(|d| d.format("%Y-%m-%d").to_string()),
            legal_form: p.legal_form.map(|f| f.as_str().to_owned()),
        }
    }
}

pub(crate) fn validate(input: &ProjectInput, today: NaiveDate) -> Result<ProjectFields> {
    let mut errors = ValidationErrors::new();
    let idea = required_text(
        &mut errors,
        "idea",
        input.idea.as_deref(),
        2000,
        "obligatoire : décrivez l'idée en quelques mots",
    );
    let sector = text(&mut errors, "sector", input.sector.as_deref(), 100);
    let planned_legal_form: Option<LegalForm> = word(
        &mut errors,
        "planned_legal_form",
        input.planned_legal_form.as_deref(),
    );
    let legal_form: Option<LegalForm> =
        word(&mut errors, "legal_form", input.legal_form.as_deref());
    if input
        .financing_need_eur
        .is_some_and(|n| !(0..=100_000_000).contains(&n))
    {
        errors.add(
            "financing_need_eur",
            "montant en euros entre 0 et 100 000 000",
        );
    }
    let siret = optional(&mut errors, "siret", input.siret.as_deref(), Siret::parse);
    let created_on = optional(
        &mut errors,
        "created_on",
        input.created_on.as_deref(),
        |v| past_date(v, today),
    );
    let micro_entreprise = input.micro_entreprise.unwrap_or(false);
    if micro_entreprise && planned_legal_form.is_some_and(|f| f != LegalForm::Ei) {
        errors.add(
            "micro_entreprise",
            "le régime micro-entreprise va avec une entreprise individuelle (ei)",
        );
    }
    errors.into_result()?;
    Ok(ProjectFields {
        idea: idea.unwrap_or_default(),
        sector,
        planned_legal_form,
        micro_entreprise,
        collective: input.collective.unwrap_or(false),
        financing_need_eur: input.financing_need_eur,
        siret: siret.map(|s| s.as_str().to_owned()),
        created_on,
        legal_form,
    })
}

/// Adds a project to a holder.
pub async fn create(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    input: ProjectInput,
    now: DateTime<Utc>,
) -> Result<Project> {
    write_file(
        core,
        actor,
        holder_id,
        AuditAction::ProjectCreate,
        now,
        async |txn, _, change: Change| {
            let fields = validate(&input, parcours_domain::calendar::paris_day(now))?;
            Ok(projects::create(txn, &change, fields, now).await?)
        },
    )
    .await
}

/// Changes a project: `edit` gets its fields as they stand and returns them changed.
/// Based on the `expected` version: a change in between refuses it.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    expected: Expected,
    edit: impl FnOnce(ProjectInput) -> Result<ProjectInput>,
    now: DateTime<Utc>,
) -> Result<Project> {
    actor.require_personal_data()?;
    let holder_id = projects::get(core.db.conn(), id)
        .await?
        .ok_or(Error::NotFound)?
        .holder_id;
    write_file(
        core,
        actor,
        holder_id,
        AuditAction::ProjectUpdate,
        now,
        async |txn, _, change: Change| {
            let project = projects::get(txn, id)
                .await?
                .filter(|p| p.holder_id == change.holder_id())
                .ok_or(Error::NotFound)?;
            // What was sent is checked first: a bad field is a 422 whatever the version.
            let fields = validate(
                &edit(ProjectInput::from(&project))?,
                parcours_domain::calendar::paris_day(now),
            )?;
            let version = expected.check(project.version)?;
            projects::update(txn, &change, project.id, version, fields, now)
                .await?
                .ok_or(Error::Stale)
        },
    )
    .await
}
