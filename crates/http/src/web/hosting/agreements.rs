//! Hosting someone, renewing an agreement under the host's rules, ending it with a
//! reason on a page of its own.

use super::*;

struct UnitChoice {
    id: String,
    label: String,
}

struct PersonChoice {
    href: String,
    name: String,
}

#[derive(Template)]
#[template(path = "web/hosting_agreement.html")]
struct AgreementPage {
    layout: Layout,
    csrf: String,
    /// The person chosen (id, name), or none yet.
    person: Option<(i64, String)>,
    /// The unit chosen in the link, kept while a person is looked for.
    unit: String,
    q: String,
    found: Option<Vec<PersonChoice>>,
    units: Vec<UnitChoice>,
    today: String,
    form: Typed,
}

impl AgreementPage {
    fn value(&self, name: &str) -> &str {
        self.form.value(name)
    }

    /// What a field of a new form starts with: today as the start.
    fn initial(&self, name: &str) -> &str {
        if name == "start_date" {
            &self.today
        } else {
            ""
        }
    }

    /// The unit chosen on the form, or else in the link.
    fn selected(&self, unit: &str) -> bool {
        match self.value("unit_id") {
            "" => self.unit == unit,
            chosen => chosen == unit,
        }
    }
}

const AGREEMENT_ORDER: &[&str] = &[
    "holder_id",
    "unit_id",
    "start_date",
    "planned_end",
    "monthly_rent_eur",
];

#[derive(serde::Deserialize, Default)]
pub struct AgreementQuery {
    personne: Option<String>,
    unite: Option<String>,
    q: Option<String>,
}

async fn agreement_page(
    state: &AppState,
    user: &Signed,
    query: AgreementQuery,
    form: Typed,
    now: DateTime<Utc>,
) -> PageResult {
    let person = match query.personne.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(raw) => {
            let id = crate::extract::path_id(raw).ok_or(PageError::NotFound)?;
            let file = holders::read(&state.core, user.actor(), id, now).await?;
            Some((file.holder.id, file.holder.full_name()))
        }
    };
    let q = query.q.clone().unwrap_or_default();
    let found = match (&person, q.trim()) {
        (None, typed) if !typed.is_empty() => {
            let listed = holders::list(
                &state.core,
                user.actor(),
                &holders::ListInput {
                    q: Some(typed.to_owned()),
                    page: PageRequest::default(),
                    ..Default::default()
                },
                now,
            )
            .await
            .map_err(|e| match e {
                Error::Invalid(_) => PageError::NotFound,
                other => other.into(),
            })?;
            let unit = query.unite.clone().unwrap_or_default();
            Some(
                listed
                    .items
                    .iter()
                    .map(|h| PersonChoice {
                        href: format!(
                            "/hebergement/conventions/nouvelle?personne={}&unite={}",
                            h.id,
                            crate::web::page::encode(&unit)
                        ),
                        name: h.full_name(),
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    let units = hosting::own_spaces(&state.core, user.actor())
        .await?
        .into_iter()
        .flat_map(|(space, units)| {
            units.into_iter().map(move |u| UnitChoice {
                id: u.id.to_string(),
                label: format!(
                    "{} — {} ({}, {} par mois)",
                    space.name,
                    u.label,
                    u.kind.label().to_lowercase(),
                    euros(u.monthly_rent_eur)
                ),
            })
        })
        .collect();
    let status = form.status();
    Ok(html(
        status,
        &AgreementPage {
            layout: user.layout("Héberger une personne", "/hebergement"),
            csrf: user.csrf.clone(),
            person,
            unit: query.unite.unwrap_or_default(),
            q,
            found,
            units,
            today: fr::local_day(now).format("%Y-%m-%d").to_string(),
            form,
        },
    ))
}

pub async fn agreement_form(
    State(state): State<AppState>,
    Now(now): Now,
    user: Signed,
    Query(query): Query<AgreementQuery>,
) -> PageResult {
    agreement_page(&state, &user, query, Typed::default(), now).await
}

pub async fn agreement_submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let query = AgreementQuery {
        personne: fields.get("holder_id"),
        unite: fields.get("unit_id"),
        q: None,
    };
    let mut errors = fields.errors.clone();
    let holder_id = fields.get("holder_id").and_then(|h| h.parse::<i64>().ok());
    if holder_id.is_none() {
        errors.add("holder_id", "choisissez la personne à héberger");
    }
    let unit_id = fields.get("unit_id").and_then(|u| u.parse::<i64>().ok());
    if unit_id.is_none() {
        errors.add("unit_id", "choisissez une unité");
    }
    let rent = fields.number("monthly_rent_eur", &mut errors, "un nombre entier d'euros");
    if !errors.is_empty() {
        let errors = errors.sorted_by(AGREEMENT_ORDER);
        let query = AgreementQuery {
            personne: holder_id.map(|h| h.to_string()),
            ..query
        };
        return agreement_page(&state, &user, query, Typed { fields, errors }, now).await;
    }
    let unit_id = unit_id.unwrap_or_default();
    let input = AgreementInput {
        unit_id,
        holder_id: holder_id.unwrap_or_default(),
        project_id: None,
        start_date: fields.get("start_date").unwrap_or_default(),
        planned_end: fields.get("planned_end").unwrap_or_default(),
        renewals: None,
        monthly_rent_eur: rent,
    };
    let refused = match hosting::create_agreement(&state.core, user.actor(), input, now).await {
        Ok(_) => return Ok(see_other(&unit_href(unit_id), Some("convention-creee"))),
        Err(Error::Invalid(errors)) => Errors::from_validation(errors).sorted_by(AGREEMENT_ORDER),
        Err(Error::Conflict(message)) => {
            let mut errors = Errors::default();
            errors.add(
                "start_date",
                format!("{message} : choisissez d'autres dates ou une autre unité"),
            );
            errors
        }
        Err(other) => return Err(hidden(other)),
    };
    agreement_page(
        &state,
        &user,
        query,
        Typed {
            fields,
            errors: refused,
        },
        now,
    )
    .await
}

/// One agreement, as its renewal and end pages show it.
struct AgreementFacts {
    id: i64,
    person: String,
    person_href: String,
    unit: String,
    unit_href: String,
    start: String,
    end: String,
    renewals: i32,
}

fn facts(h: &HostedAgreement) -> AgreementFacts {
    AgreementFacts {
        id: h.agreement.id,
        person: h.holder.full_name(),
        person_href: person_href(h.holder.id),
        unit: format!("{} — {}", h.unit.label, h.space.name),
        unit_href: unit_href(h.unit.id),
        start: fr::date(h.agreement.start_date),
        end: fr::date(h.agreement.planned_end),
        renewals: h.agreement.renewals,
    }
}

#[derive(Template)]
#[template(path = "web/hosting_renew.html")]
struct RenewPage {
    layout: Layout,
    csrf: String,
    a: AgreementFacts,
    running: bool,
    proposed: String,
    form: Typed,
}

async fn renew_page(state: &AppState, user: &Signed, id: i64, form: Typed) -> PageResult {
    let now = state.clock.now();
    let hosted = hosting::hosted_agreement(&state.core, user.actor(), id, now).await?;
    let status = form.status();
    Ok(html(
        status,
        &RenewPage {
            layout: user.layout("Renouveler une convention", "/hebergement"),
            csrf: user.csrf.clone(),
            running: hosted.agreement.actual_end.is_none(),
            proposed: hosted
                .renewal_end
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            a: facts(&hosted),
            form,
        },
    ))
}

pub async fn renew_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    renew_page(&state, &user, id, Typed::default()).await
}

pub async fn renew_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone();
        return renew_page(&state, &user, id, Typed { fields, errors }).await;
    }
    let input = RenewInput {
        planned_end: fields.get("planned_end").unwrap_or_default(),
    };
    let errors = match hosting::renew_agreement(&state.core, user.actor(), id, input, now).await {
        Ok(renewed) => {
            return Ok(see_other(
                &unit_href(renewed.agreement.unit_id),
                Some("convention-renouvelee"),
            ));
        }
        Err(refusal) => Errors::of_refusal(refusal, "planned_end")?,
    };
    renew_page(&state, &user, id, Typed { fields, errors }).await
}

#[derive(Template)]
#[template(path = "web/hosting_end.html")]
struct EndPage {
    layout: Layout,
    csrf: String,
    a: AgreementFacts,
    running: bool,
    today: String,
    reasons: Vec<(&'static str, &'static str)>,
    form: Typed,
}

async fn end_page(state: &AppState, user: &Signed, id: i64, form: Typed) -> PageResult {
    let now = state.clock.now();
    let hosted = hosting::hosted_agreement(&state.core, user.actor(), id, now).await?;
    let status = form.status();
    Ok(html(
        status,
        &EndPage {
            layout: user.layout("Terminer une convention", "/hebergement"),
            csrf: user.csrf.clone(),
            running: hosted.agreement.actual_end.is_none(),
            today: fr::local_day(now).format("%Y-%m-%d").to_string(),
            reasons: EndReason::ALL
                .iter()
                .map(|r| (r.as_str(), r.label()))
                .collect(),
            a: facts(&hosted),
            form,
        },
    ))
}

pub async fn end_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    end_page(&state, &user, id, Typed::default()).await
}

pub async fn end_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone().sorted_by(&["reason", "actual_end"]);
        return end_page(&state, &user, id, Typed { fields, errors }).await;
    }
    let input = EndInput {
        reason: fields.get("reason").unwrap_or_default(),
        actual_end: Some(fields.get("actual_end").unwrap_or_default()),
    };
    let errors = match hosting::end_agreement(&state.core, user.actor(), id, input, now).await {
        Ok(ended) => {
            return Ok(see_other(
                &unit_href(ended.agreement.unit_id),
                Some("convention-terminee"),
            ));
        }
        Err(refusal) => {
            Errors::of_refusal(refusal, "actual_end")?.sorted_by(&["reason", "actual_end"])
        }
    };
    end_page(&state, &user, id, Typed { fields, errors }).await
}
