//! « Annuaire »: the services of the territory's partners, searchable by stage, need,
//! public and words; an organisation's admins publish, edit and pause theirs.

use super::FlashQuery;
use super::fr;
use super::page::{Choice, Errors, Fields, Layout, PageError, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::services::{self, ListInput, Listed, ServiceInput};
use parcours_core::{Error, PageRequest};
use parcours_domain::labels::Label;
use parcours_domain::pathway::Stage;
use parcours_domain::services::{Need, Public};
use parcours_domain::users::Role;

/// A choice of a select or a set of boxes.
/// The options of a list of words, those in `chosen` selected (several may be).
fn choices_among<T: Label + Copy>(
    all: &[T],
    word: fn(T) -> &'static str,
    chosen: &[String],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: word(*v).into(),
            label: v.label().into(),
            selected: chosen.iter().any(|c| c == word(*v)),
        })
        .collect()
}

/// A service as the directory shows it.
struct Card {
    id: i64,
    name: String,
    organisation: String,
    kind: &'static str,
    stage: &'static str,
    description: String,
    facts: Vec<String>,
    contact: Option<String>,
    active: bool,
}

fn card((service, organisation): Listed) -> Card {
    let f = service.fields;
    let mut facts = Vec::new();
    if !f.needs.is_empty() {
        facts.push(format!(
            "Besoins : {}",
            f.needs
                .iter()
                .map(|n| n.label())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    facts.push(format!(
        "Publics : {}",
        f.publics
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    match (f.financing_min_eur, f.financing_max_eur) {
        (Some(min), Some(max)) => facts.push(format!(
            "Financement de {} € à {} €",
            fr::number(min),
            fr::number(max)
        )),
        (None, Some(max)) => facts.push(format!("Financement jusqu'à {} €", fr::number(max))),
        (Some(min), None) => facts.push(format!("Financement à partir de {} €", fr::number(min))),
        (None, None) => {}
    }
    if let Some(places) = f.places {
        facts.push(match places {
            0 => "Complet pour l'instant".to_owned(),
            1 => "1 place disponible".to_owned(),
            n => format!("{n} places disponibles"),
        });
    }
    if !f.sectors.is_empty() {
        facts.push(format!("Secteurs : {}", f.sectors.join(", ")));
    }
    Card {
        id: service.id,
        name: f.name,
        organisation: organisation.name,
        kind: organisation.kind.label(),
        stage: f.stage.label(),
        description: f.description,
        facts,
        contact: f.contact,
        active: f.active,
    }
}

#[derive(Template)]
#[template(path = "web/directory.html")]
struct DirectoryPage {
    layout: Layout,
    q: String,
    stages: Vec<Choice>,
    needs: Vec<Choice>,
    publics: Vec<Choice>,
    cards: Vec<Card>,
    filtered: bool,
    next: Option<String>,
    /// The admin's own services, paused ones included.
    own: Option<Vec<Card>>,
}

#[derive(serde::Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(flatten)]
    flash: FlashQuery,
    q: Option<String>,
    etape: Option<String>,
    besoin: Option<String>,
    public: Option<String>,
    cursor: Option<String>,
}

/// Keeps a filter only if it is one of the known words: a made-up one is ignored.
fn known<T: std::str::FromStr>(value: Option<&str>) -> Option<String> {
    value
        .filter(|v| !v.is_empty() && v.parse::<T>().is_ok())
        .map(str::to_owned)
}

pub async fn page(
    State(state): State<AppState>,
    user: Signed,
    Query(query): Query<DirectoryQuery>,
) -> PageResult {
    let stage = known::<Stage>(query.etape.as_deref());
    let need = known::<Need>(query.besoin.as_deref());
    let public = known::<Public>(query.public.as_deref());
    let q = query.q.clone().unwrap_or_default();
    let input = ListInput {
        stage: stage.clone(),
        q: Some(q.trim().to_owned()).filter(|q| !q.is_empty()),
        need: need.clone(),
        public: public.clone(),
        mine: false,
        page: PageRequest {
            cursor: query.cursor.clone().filter(|c| !c.is_empty()),
            limit: None,
        },
    };
    let admin = user.actor().role == Role::OrgAdmin;
    let own_input = ListInput {
        mine: true,
        page: PageRequest {
            cursor: None,
            limit: Some(parcours_core::MAX_LIMIT.to_string()),
        },
        ..ListInput::default()
    };
    let (listed, own) = tokio::join!(services::list(&state.core, user.actor(), &input), async {
        if admin {
            services::list(&state.core, user.actor(), &own_input)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    });
    let listed = match listed {
        // A search the rules refuse (too long, control characters): nothing found.
        Err(Error::Invalid(_)) => parcours_core::Page {
            items: Vec::new(),
            next_cursor: None,
        },
        other => other?,
    };
    let next = listed.next_cursor.as_ref().map(|cursor| {
        let mut href = String::from("/annuaire?");
        for (name, value) in [
            ("q", Some(q.as_str())),
            ("etape", stage.as_deref()),
            ("besoin", need.as_deref()),
            ("public", public.as_deref()),
        ] {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                href.push_str(&format!("{name}={}&", super::page::encode(value)));
            }
        }
        href.push_str(&format!("cursor={}", super::page::encode(cursor)));
        href
    });
    let one = |v: &Option<String>| v.iter().cloned().collect::<Vec<_>>();
    let page = DirectoryPage {
        layout: user
            .layout("Annuaire des partenaires", "/annuaire")
            .with_flash(query.flash.message()),
        filtered: stage.is_some() || need.is_some() || public.is_some() || !q.trim().is_empty(),
        stages: choices_among(Stage::ALL, Stage::as_str, &one(&stage)),
        needs: choices_among(Need::ALL, Need::as_str, &one(&need)),
        publics: choices_among(Public::ALL, Public::as_str, &one(&public)),
        q,
        cards: listed.items.into_iter().map(card).collect(),
        next,
        own: own?.map(|page| page.items.into_iter().map(card).collect()),
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "web/service_form.html")]
struct ServiceForm {
    layout: Layout,
    csrf: String,
    /// None for a new service.
    id: Option<i64>,
    fields: Typed,
    stages: Vec<Choice>,
    needs: Vec<Choice>,
    publics: Vec<Choice>,
    errors: Errors,
}

/// The form's values as text, as typed or as stored.
#[derive(Default)]
struct Typed {
    name: String,
    description: String,
    stage: String,
    needs: Vec<String>,
    publics: Vec<String>,
    sectors: String,
    financing_min_eur: String,
    financing_max_eur: String,
    places: String,
    contact: String,
    active: bool,
}

impl From<&ServiceInput> for Typed {
    fn from(input: &ServiceInput) -> Self {
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        Self {
            name: input.name.clone().unwrap_or_default(),
            description: input.description.clone().unwrap_or_default(),
            stage: input.stage.clone().unwrap_or_default(),
            needs: input.needs.clone().unwrap_or_default(),
            publics: input.publics.clone().unwrap_or_default(),
            sectors: input.sectors.clone().unwrap_or_default().join(", "),
            financing_min_eur: number(input.financing_min_eur),
            financing_max_eur: number(input.financing_max_eur),
            places: input.places.map(|n| n.to_string()).unwrap_or_default(),
            contact: input.contact.clone().unwrap_or_default(),
            active: input.active.unwrap_or(true),
        }
    }
}

const ORDER: &[&str] = &[
    "name",
    "description",
    "stage",
    "needs",
    "publics",
    "sectors",
    "financing_min_eur",
    "financing_max_eur",
    "places",
    "contact",
];

fn form_page(user: &Signed, id: Option<i64>, fields: Typed, errors: Errors) -> ServiceForm {
    let title = if id.is_some() {
        "Modifier un service"
    } else {
        "Publier un service"
    };
    ServiceForm {
        layout: user.layout(title, "/annuaire"),
        csrf: user.csrf.clone(),
        id,
        stages: choices_among(
            Stage::ALL,
            Stage::as_str,
            std::slice::from_ref(&fields.stage),
        ),
        needs: choices_among(Need::ALL, Need::as_str, &fields.needs),
        publics: choices_among(Public::ALL, Public::as_str, &fields.publics),
        fields,
        errors,
    }
}

/// Only an organisation's admins publish: others get the 404 page, as for a page that
/// is not theirs.
fn require_admin(user: &Signed) -> Result<(), PageError> {
    if user.actor().role == Role::OrgAdmin {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

pub async fn new_form(user: Signed) -> PageResult {
    require_admin(&user)?;
    let fields = Typed {
        active: true,
        ..Typed::default()
    };
    Ok(html(
        StatusCode::OK,
        &form_page(&user, None, fields, Errors::default()),
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    require_admin(&user)?;
    let (service, _) = services::get_own(&state.core, user.actor(), id).await?;
    let fields = Typed::from(&ServiceInput::from(&service));
    Ok(html(
        StatusCode::OK,
        &form_page(&user, Some(id), fields, Errors::default()),
    ))
}

/// The service as typed; a number that is not one is an error on its field.
fn input(fields: &Fields, errors: &mut Errors) -> ServiceInput {
    let mut number =
        |name: &str| fields.number::<i64>(name, errors, "un nombre entier, sans décimales");
    let financing_min_eur = number("financing_min_eur");
    let financing_max_eur = number("financing_max_eur");
    let places = number("places").and_then(|n| i32::try_from(n).ok());
    ServiceInput {
        name: fields.get("name"),
        description: fields.get("description"),
        stage: fields.get("stage"),
        needs: Some(fields.all("needs")),
        publics: Some(fields.all("publics")),
        sectors: Some(
            fields
                .get("sectors")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        financing_min_eur,
        financing_max_eur,
        places,
        contact: fields.get("contact"),
        active: Some(fields.get("active").as_deref() == Some("oui")),
    }
}

fn typed(fields: &Fields) -> Typed {
    let raw = |name: &str| fields.raw(name).unwrap_or_default().to_owned();
    Typed {
        name: raw("name"),
        description: raw("description"),
        stage: raw("stage"),
        needs: fields.all("needs"),
        publics: fields.all("publics"),
        sectors: raw("sectors"),
        financing_min_eur: raw("financing_min_eur"),
        financing_max_eur: raw("financing_max_eur"),
        places: raw("places"),
        contact: raw("contact"),
        active: fields.get("active").as_deref() == Some("oui"),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    require_admin(&user)?;
    save(&state, &user, None, fields, now).await
}

pub async fn update(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    require_admin(&user)?;
    // Another organisation's service, or none: the 404 page before anything is read.
    services::get_own(&state.core, user.actor(), id).await?;
    save(&state, &user, Some(id), fields, now).await
}

async fn save(
    state: &AppState,
    user: &Signed,
    id: Option<i64>,
    fields: Fields,
    now: chrono::DateTime<chrono::Utc>,
) -> PageResult {
    let mut errors = fields.errors.clone();
    let input = input(&fields, &mut errors);
    // Every error at once: the numbers as typed, then the rules of a service.
    if let Err(Error::Invalid(refused)) = services::check(&input) {
        for (field, message) in Errors::from_validation(refused).items {
            if !errors.has(&field) {
                errors.add(&field, message);
            }
        }
    }
    let result = match errors.to_validation() {
        Some(refused) => Err(Error::Invalid(refused)),
        None => match id {
            None => services::create(&state.core, user.actor(), input, now).await,
            Some(id) => services::update(&state.core, user.actor(), id, |_| Ok(input), now).await,
        },
    };
    match result {
        Ok(_) => Ok(see_other(
            "/annuaire",
            Some(if id.is_some() {
                "service-modifie"
            } else {
                "service-publie"
            }),
        )),
        Err(Error::Invalid(refused)) => Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(
                user,
                id,
                typed(&fields),
                Errors::from_validation(refused).sorted_by(ORDER),
            ),
        )),
        Err(other) => Err(other.into()),
    }
}
