//! Describing a space and its units: org admins of a host.

use super::*;

#[derive(Template)]
#[template(path = "web/hosting_space.html")]
struct SpacePage {
    layout: Layout,
    csrf: String,
    /// Set when a unit is added to this space; a new space otherwise.
    space: Option<(i64, String)>,
    form: Typed,
    kinds: Vec<(&'static str, &'static str)>,
}

impl SpacePage {
    fn value(&self, name: &str) -> &str {
        self.form.value(name)
    }
}

const SPACE_ORDER: &[&str] = &["organisation", "space_name", "address", "qpv_code"];
const UNIT_ORDER: &[&str] = &["unit_kind", "unit_label", "area_m2", "monthly_rent_eur"];

fn space_page(user: &Signed, space: Option<(i64, String)>, form: Typed) -> PageResult {
    let title = match &space {
        None => "Décrire un espace d'hébergement".to_owned(),
        Some((_, name)) => format!("Ajouter une unité à {name}"),
    };
    let status = form.status();
    Ok(html(
        status,
        &SpacePage {
            layout: user.layout(title, "/hebergement"),
            csrf: user.csrf.clone(),
            space,
            form,
            kinds: UnitKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
        },
    ))
}

pub async fn space_form(user: Signed) -> PageResult {
    space_page(&user, None, Typed::default())
}

pub async fn space_submit(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone().sorted_by(SPACE_ORDER);
        return space_page(&user, None, Typed { fields, errors });
    }
    let input = SpaceInput {
        name: fields.get("space_name").unwrap_or_default(),
        address: fields.get("address"),
        qpv_code: fields.get("qpv_code").map(|c| c.to_uppercase()),
    };
    match hosting::create_space(&state.core, user.actor(), input, now).await {
        Ok(_) => Ok(see_other("/hebergement", Some("espace-cree"))),
        Err(Error::Invalid(errors)) => {
            let errors = renamed(errors, &[("name", "space_name")], SPACE_ORDER);
            space_page(&user, None, Typed { fields, errors })
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn unit_form(
    State(state): State<AppState>,
    user: Signed,
    PageId(id): PageId,
) -> PageResult {
    let space = hosting::host_space(&state.core, user.actor(), id).await?;
    space_page(&user, Some((space.id, space.name)), Typed::default())
}

pub async fn unit_submit(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let space = hosting::host_space(&state.core, user.actor(), id).await?;
    let target = Some((space.id, space.name));
    if !fields.errors.is_empty() {
        let errors = fields.errors.clone().sorted_by(UNIT_ORDER);
        return space_page(&user, target, Typed { fields, errors });
    }
    // Numbers that are none go to the use case out of its range, so that one answer
    // names every field in error; the message says what was wrong with what was typed.
    let mut typed = Errors::default();
    let area = fields.number("area_m2", &mut typed, "un nombre entier de m²");
    let rent = fields.number("monthly_rent_eur", &mut typed, "un nombre entier d'euros");
    if fields.get("monthly_rent_eur").is_none() {
        typed.add(
            "monthly_rent_eur",
            "obligatoire (0 si l'unité est gratuite)",
        );
    }
    let input = UnitInput {
        kind: fields.get("unit_kind").unwrap_or_default(),
        label: fields.get("unit_label").unwrap_or_default(),
        area_m2: if typed.has("area_m2") { Some(0) } else { area },
        monthly_rent_eur: rent.unwrap_or(-1),
    };
    match hosting::create_unit(&state.core, user.actor(), id, input, now).await {
        Ok(unit) => Ok(see_other(&unit_href(unit.id), Some("unite-creee"))),
        Err(Error::Invalid(errors)) => {
            let mut errors = renamed(
                errors,
                &[("kind", "unit_kind"), ("label", "unit_label")],
                UNIT_ORDER,
            );
            for item in &mut errors.items {
                if let Some(message) = typed.get(&item.0) {
                    item.1 = message.to_owned();
                }
            }
            space_page(&user, target, Typed { fields, errors })
        }
        Err(other) => Err(hidden(other)),
    }
}
