//! The partner directory: services, published by each organisation's admins, and the
//! suggestions that rank them for a holder.

use crate::access::read_file;
use crate::text::{optional, required, required_text, text, word};
use crate::{Actor, Core, Error, Page, PageRequest, Refusal, Result};
use chrono::{DateTime, Datelike, Utc};
use parcours_domain::ValidationErrors;
use parcours_domain::audit::AuditAction;
use parcours_domain::holders::{Gender, QpvStatus, Situation, check_text};
use parcours_domain::pathway::Stage;
use parcours_domain::services::{Need, Offer, Profile, Public, suggest};
use parcours_domain::text::check_search;
use parcours_persistence::holders::Holder;
use parcours_persistence::organisations::{self, Organisation};
use parcours_persistence::projects::Project;
use parcours_persistence::services::{self, Service, ServiceFields, ServiceQuery};
use parcours_persistence::{commit, projects};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 200))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, max_length = 4000))]
    pub description: Option<String>,
    /// The pathway stage it serves.
    #[cfg_attr(feature = "openapi", schema(value_type = parcours_domain::pathway::Stage, required = true))]
    pub stage: Option<String>,
    /// What it offers: `financement`, `fonds_propres`, `garantie`, `accompagnement`,
    /// `local`, `test_activite`, `projet_collectif`, `emploi_formation`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<parcours_domain::services::Need>>))]
    pub needs: Option<Vec<String>>,
    /// Who it is for: `tous`, `moins_de_26`, `demandeurs_emploi`, `minima_sociaux`,
    /// `femmes`, `residents_qpv`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<parcours_domain::services::Public>>))]
    pub publics: Option<Vec<String>>,
    pub sectors: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10_000_000))]
    pub financing_min_eur: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10_000_000))]
    pub financing_max_eur: Option<i64>,
    /// Places left, when counted.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub places: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub contact: Option<String>,
    pub active: Option<bool>,
}

impl From<&Service> for ServiceInput {
    fn from(s: &Service) -> Self {
        let f = &s.fields;
        let words = |values: &[_]| Some(values.iter().map(ToString::to_string).collect());
        Self {
            name: Some(f.name.clone()),
            description: Some(f.description.clone()),
            stage: Some(f.stage.as_str().to_owned()),
            needs: words(&f.needs.iter().map(|n| n.as_str()).collect::<Vec<_>>()),
            publics: words(&f.publics.iter().map(|p| p.as_str()).collect::<Vec<_>>()),
            sectors: Some(f.sectors.clone()),
            financing_min_eur: f.financing_min_eur,
            financing_max_eur: f.financing_max_eur,
            places: f.places,
            contact: f.contact.clone(),
            active: Some(f.active),
        }
    }
}

/// Checks a service as typed, without saving it: a form shows every error at once.
pub fn check(input: &ServiceInput) -> Result<()> {
    validate(input).map(|_| ())
}

fn validate(input: &ServiceInput) -> Result<ServiceFields> {
    let mut errors = ValidationErrors::new();
    let name = required_text(
        &mut errors,
        "name",
        input.name.as_deref(),
        200,
        "obligatoire",
    );
    let description = required_text(
        &mut errors,
        "description",
        input.description.as_deref(),
        4000,
        "obligatoire",
    );
    let stage = required(
        &mut errors,
        "stage",
        input.stage.as_deref(),
        str::parse::<Stage>,
    );
    let needs: Vec<Need> = crate::text::words(
        &mut errors,
        "needs",
        input.needs.as_deref().unwrap_or_default(),
    );
    let publics: Vec<Public> = crate::text::words(
        &mut errors,
        "publics",
        input.publics.as_deref().unwrap_or_default(),
    );
    let mut sectors: Vec<String> = Vec::new();
    for (i, value) in input.sectors.iter().flatten().enumerate() {
        let sector = check_text(&value.replace(',', " "), 80)
            .and_then(|t| t.ok_or_else(|| "secteur vide".to_owned()));
        if let Some(sector) = errors.check(&format!("sectors[{i}]"), sector)
            && !sectors.contains(&sector)
        {
            sectors.push(sector);
        }
    }
    for (field, value) in [
        ("financing_min_eur", input.financing_min_eur),
        ("financing_max_eur", input.financing_max_eur),
    ] {
        if value.is_some_and(|v| !(0..=10_000_000).contains(&v)) {
            errors.add(field, "montant en euros entre 0 et 10 000 000");
        }
    }
    if let (Some(min), Some(max)) = (input.financing_min_eur, input.financing_max_eur)
        && min > max
    {
        errors.add("financing_max_eur", "inférieur au minimum");
    }
    if input.places.is_some_and(|p| p < 0) {
        errors.add("places", "nombre de places positif ou nul");
    }
    let contact = text(&mut errors, "contact", input.contact.as_deref(), 300);
    errors.into_result()?;
    Ok(ServiceFields {
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        stage: stage.unwrap_or(Stage::Information),
        needs,
        publics: if publics.is_empty() {
            vec![Public::Tous]
        } else {
            publics
        },
        sectors,
        financing_min_eur: input.financing_min_eur,
        financing_max_eur: input.financing_max_eur,
        places: input.places,
        contact,
        active: input.active.unwrap_or(true),
    })
}

/// A service with the organisation that offers it.
pub type Listed = (Service, Organisation);

/// Filters of the directory, as typed.
#[derive(Clone, Debug, Default)]
pub struct ListInput {
    pub stage: Option<String>,
    /// Words in the name, description or sectors.
    pub q: Option<String>,
    /// A need the service offers (`financement`, `local`…).
    pub need: Option<String>,
    /// A public the service is open to (`femmes`, `moins_de_26`…); services for all
    /// count.
    pub public: Option<String>,
    /// Only the actor's organisation's services, paused ones included (its admins
    /// manage them).
    pub mine: bool,
    pub page: PageRequest,
}

/// The offer of the partners of the actor's territory.
pub async fn list(core: &Core, actor: &Actor, input: &ListInput) -> Result<Page<Listed>> {
    let mut errors = ValidationErrors::new();
    let stage: Option<Stage> = word(&mut errors, "stage", input.stage.as_deref());
    let need: Option<Need> = word(&mut errors, "need", input.need.as_deref());
    let public: Option<Public> = word(&mut errors, "public", input.public.as_deref());
    let q = optional(&mut errors, "q", input.q.as_deref(), check_search).flatten();
    let (after_id, limit) = input.page.parse(&mut errors);
    errors.into_result()?;
    let query = ServiceQuery {
        territory_id: Some(actor.territory_id),
        stage,
        q: q.map(|q| q.to_lowercase()),
        need,
        public,
        organisation_id: input.mine.then_some(actor.organisation_id),
        with_inactive: input.mine,
        after_id,
        limit,
    };
    let (rows, more) = services::list(core.db.conn(), &query).await?;
    Ok(Page::of(rows, more, |(s, _)| s.id))
}

/// Publishes a service of the admin's own organisation.
pub async fn create(
    core: &Core,
    actor: &Actor,
    input: ServiceInput,
    now: DateTime<Utc>,
) -> Result<Listed> {
    actor.require_org_admin()?;
    let fields = validate(&input)?;
    let txn = core.db.begin_write().await?;
    let service = services::create(&txn, actor.organisation_id, fields, now).await?;
    let organisation = organisations::get(&txn, actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    commit(txn).await?;
    Ok((service, organisation))
}

/// A service of the admin's own organisation, to edit it; another's is not found.
pub async fn get_own(core: &Core, actor: &Actor, id: i64) -> Result<Listed> {
    actor.require_org_admin()?;
    let service = services::get(core.db.conn(), id)
        .await?
        .filter(|s| s.organisation_id == actor.organisation_id)
        .ok_or(Error::NotFound)?;
    let organisation = organisations::get(core.db.conn(), actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((service, organisation))
}

/// Changes a service of the admin's own organisation: `edit` gets its fields as they
/// stand and returns them changed.
pub async fn update(
    core: &Core,
    actor: &Actor,
    id: i64,
    edit: impl FnOnce(ServiceInput) -> Result<ServiceInput>,
    now: DateTime<Utc>,
) -> Result<Listed> {
    actor.require_org_admin()?;
    let txn = core.db.begin_write().await?;
    let service = services::get(&txn, id).await?.ok_or(Error::NotFound)?;
    if service.organisation_id != actor.organisation_id {
        return Err(Error::Forbidden(Refusal::OtherOrganisation));
    }
    let fields = validate(&edit(ServiceInput::from(&service))?)?;
    let updated = services::update(&txn, id, fields, now)
        .await?
        .ok_or(Error::NotFound)?;
    let organisation = organisations::get(&txn, actor.organisation_id)
        .await?
        .ok_or(Error::NotFound)?;
    commit(txn).await?;
    Ok((updated, organisation))
}

/// A service worth suggesting, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub service: Service,
    pub organisation: Organisation,
    pub score: u32,
    /// Why this partner, in one line.
    pub reason: String,
}

/// Partners' services ranked for this holder's project and stated needs (as typed,
/// comma-separated words).
pub async fn suggestions(
    core: &Core,
    actor: &Actor,
    holder_id: i64,
    needs: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<Suggestion>> {
    let needs = parse_needs(needs)?;
    let (holder, project, candidates) = read_file(
        core,
        actor,
        holder_id,
        AuditAction::SuggestionsRead,
        now,
        async |txn, holder, _| {
            let project = projects::first_of(txn, holder.id).await?;
            let candidates = territory_offer(txn, actor.territory_id).await?;
            Ok((holder, project, candidates))
        },
    )
    .await?;
    Ok(rank(
        actor,
        &holder,
        project.as_ref(),
        candidates,
        needs,
        now,
    ))
}

/// Needs as typed, comma-separated words: a wrong word is an error on `needs`.
pub(crate) fn parse_needs(needs: Option<&str>) -> Result<Vec<Need>> {
    let mut errors = ValidationErrors::new();
    let typed: Vec<String> = needs
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let needs: Vec<Need> = crate::text::words(&mut errors, "needs", &typed);
    errors.into_result()?;
    Ok(needs)
}

/// The active services of a territory's partners, as suggestions rank them.
pub(crate) async fn territory_offer(
    conn: &impl parcours_persistence::ConnectionTrait,
    territory_id: i64,
) -> Result<Vec<Listed>> {
    let (candidates, _) = services::list(
        conn,
        &ServiceQuery {
            territory_id: Some(territory_id),
            limit: 500,
            ..ServiceQuery::default()
        },
    )
    .await?;
    Ok(candidates)
}

/// Ranks the services of other organisations for a holder: the best first, each with
/// why; services the holder is not eligible for, or without places, are left out.
pub(crate) fn rank(
    actor: &Actor,
    holder: &Holder,
    project: Option<&Project>,
    candidates: Vec<Listed>,
    needs: Vec<Need>,
    now: DateTime<Utc>,
) -> Vec<Suggestion> {
    let today = parcours_domain::calendar::paris_day(now);
    let age = holder.birth_date.map(|b| {
        today.year() - b.year() - i32::from((today.month(), today.day()) < (b.month(), b.day()))
    });
    let profile = Profile {
        age,
        financing_need_eur: project.and_then(|p| p.financing_need_eur),
        collective: project.is_some_and(|p| p.collective),
        needs,
        job_seeker: matches!(
            holder.situation,
            Some(Situation::DemandeurEmploi | Situation::JeuneSansEmploi)
        ),
        minima_sociaux: matches!(holder.situation, Some(Situation::Rsa | Situation::Ass)),
        woman: holder.gender == Some(Gender::Femme),
        in_qpv: holder.qpv_status == QpvStatus::InQpv,
    };
    let candidates: Vec<Listed> = candidates
        .into_iter()
        .filter(|(s, _)| s.organisation_id != actor.organisation_id)
        .collect();
    let offers: Vec<Offer> = candidates
        .iter()
        .map(|(s, o)| Offer {
            service_id: s.id,
            organisation_kind: o.kind,
            stage: s.fields.stage,
            needs: s.fields.needs.clone(),
            publics: s.fields.publics.clone(),
            financing_min_eur: s.fields.financing_min_eur,
            financing_max_eur: s.fields.financing_max_eur,
            places: s.fields.places,
        })
        .collect();
    let mut by_id: std::collections::HashMap<i64, Listed> = candidates
        .into_iter()
        .map(|(s, o)| (s.id, (s, o)))
        .collect();
    suggest(&profile, &offers)
        .into_iter()
        .filter_map(|suggestion| {
            let (service, organisation) = by_id.remove(&suggestion.service_id)?;
            Some(Suggestion {
                service,
                organisation,
                score: suggestion.score,
                reason: suggestion.reason,
            })
        })
        .collect()
}
