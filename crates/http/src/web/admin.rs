//! « Administration », for platform admins: organisations (and, through « Équipe »,
//! their accounts), territories, and the QPV list uploaded as the ANCT publishes it.

use super::FlashQuery;
use super::page::{Choice, Errors, Layout, PageResult, html, see_other};
use super::session::{PageId, Signed, SignedForm, SignedUpload, UploadGate};
use crate::extract::Now;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use parcours_core::Error;
use parcours_core::admin::{self, OrganisationForm, TerritoryForm};
use parcours_domain::labels::Label;
use parcours_domain::organisations::OrganisationKind;

const SECTION: &str = "/admin";

#[derive(Template)]
#[template(path = "web/admin_index.html")]
struct IndexPage {
    layout: Layout,
}

pub async fn index(user: Signed) -> PageResult {
    parcours_core::admin::require_admin(user.actor())?;
    Ok(html(
        StatusCode::OK,
        &IndexPage {
            layout: user.layout("Administration", SECTION),
        },
    ))
}

struct OrganisationRow {
    id: i64,
    name: String,
    kind: String,
    territory: String,
    notification_email: String,
}

#[derive(Template)]
#[template(path = "web/admin_organisations.html")]
struct OrganisationsPage {
    layout: Layout,
    rows: Vec<OrganisationRow>,
}

pub async fn organisations(
    State(state): State<AppState>,
    user: Signed,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let rows = admin::organisations(&state.core, user.actor())
        .await?
        .into_iter()
        .map(|o| OrganisationRow {
            id: o.id,
            name: o.name,
            kind: o.kind.label().to_owned(),
            territory: o.territory.name,
            notification_email: o.notification_email.unwrap_or_default(),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &OrganisationsPage {
            layout: user
                .layout("Structures", SECTION)
                .with_flash(flash.message()),
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "web/admin_organisation.html")]
struct OrganisationPage {
    layout: Layout,
    csrf: String,
    /// None for a new one.
    id: Option<i64>,
    action: String,
    form: OrganisationForm,
    kinds: Vec<Choice>,
    territories: Vec<Choice>,
    errors: Errors,
}

const ORGANISATION_FIELDS: &[&str] = &[
    "name",
    "organisation_kind",
    "territory",
    "notification_email",
];

async fn organisation_page(
    state: &AppState,
    user: &Signed,
    id: Option<i64>,
    form: OrganisationForm,
    errors: Errors,
) -> PageResult {
    let territories = admin::territories(&state.core, user.actor())
        .await?
        .into_iter()
        .map(|(t, _)| Choice {
            selected: form.territory == t.id.to_string(),
            value: t.id.to_string(),
            label: format!("{} ({})", t.name, t.code),
        })
        .collect();
    let kinds = OrganisationKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.label().to_owned(),
            selected: form.kind == k.as_str(),
        })
        .collect();
    let status = errors.status();
    let title = if id.is_some() {
        "Modifier la structure"
    } else {
        "Nouvelle structure"
    };
    Ok(html(
        status,
        &OrganisationPage {
            layout: user.layout(title, SECTION),
            csrf: user.csrf.clone(),
            action: id.map_or_else(
                || "/admin/organisations/nouvelle".to_owned(),
                |id| format!("/admin/organisations/{id}"),
            ),
            id,
            form,
            kinds,
            territories,
            errors: errors.sorted_by(ORGANISATION_FIELDS),
        },
    ))
}

fn organisation_form(fields: &super::page::Fields) -> OrganisationForm {
    let raw = |name: &str| fields.raw(name).unwrap_or_default().to_owned();
    OrganisationForm {
        name: raw("name"),
        kind: raw("organisation_kind"),
        territory: raw("territory"),
        notification_email: raw("notification_email"),
    }
}

pub async fn organisation_new(State(state): State<AppState>, user: Signed) -> PageResult {
    organisation_page(
        &state,
        &user,
        None,
        OrganisationForm::default(),
        Errors::default(),
    )
    .await
}

pub async fn organisation_create(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let form = organisation_form(&fields);
    if !fields.errors.is_empty() {
        return organisation_page(&state, &user, None, form, fields.errors).await;
    }
    match admin::create_organisation(&state.core, user.actor(), &form, now).await {
        Ok(_) => Ok(see_other("/admin/organisations", Some("structure-creee"))),
        Err(Error::Invalid(errors)) => {
            organisation_page(&state, &user, None, form, Errors::from_validation(errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn organisation_edit(
    State(state): State<AppState>,
    PageId(id): PageId,
    user: Signed,
) -> PageResult {
    admin::require_admin(user.actor())?;
    let organisation = parcours_core::organisations::get(&state.core, user.actor(), id).await?;
    let form = OrganisationForm {
        name: organisation.name,
        kind: organisation.kind.as_str().to_owned(),
        territory: organisation.territory.id.to_string(),
        notification_email: organisation.notification_email.unwrap_or_default(),
    };
    organisation_page(&state, &user, Some(id), form, Errors::default()).await
}

pub async fn organisation_update(
    State(state): State<AppState>,
    Now(now): Now,
    PageId(id): PageId,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let form = organisation_form(&fields);
    if !fields.errors.is_empty() {
        return organisation_page(&state, &user, Some(id), form, fields.errors).await;
    }
    match admin::update_organisation(&state.core, user.actor(), id, &form, now).await {
        Ok(()) => Ok(see_other(
            "/admin/organisations",
            Some("structure-modifiee"),
        )),
        Err(Error::Invalid(errors)) => {
            organisation_page(
                &state,
                &user,
                Some(id),
                form,
                Errors::from_validation(errors),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

struct TerritoryRow {
    code: String,
    name: String,
    communes: u64,
}

#[derive(Template)]
#[template(path = "web/admin_territories.html")]
struct TerritoriesPage {
    layout: Layout,
    csrf: String,
    rows: Vec<TerritoryRow>,
    form: TerritoryForm,
    errors: Errors,
}

async fn territories_page(
    state: &AppState,
    user: &Signed,
    form: TerritoryForm,
    errors: Errors,
    flash: Option<String>,
) -> PageResult {
    let rows = admin::territories(&state.core, user.actor())
        .await?
        .into_iter()
        .map(|(t, communes)| TerritoryRow {
            code: t.code,
            name: t.name,
            communes,
        })
        .collect();
    let status = errors.status();
    Ok(html(
        status,
        &TerritoriesPage {
            layout: user.layout("Territoires", SECTION).with_flash(flash),
            csrf: user.csrf.clone(),
            rows,
            form,
            errors: errors.sorted_by(&["code", "name", "communes"]),
        },
    ))
}

pub async fn territories(
    State(state): State<AppState>,
    user: Signed,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    territories_page(
        &state,
        &user,
        TerritoryForm::default(),
        Errors::default(),
        flash.message(),
    )
    .await
}

pub async fn territory_create(
    State(state): State<AppState>,
    Now(now): Now,
    SignedForm { user, fields }: SignedForm,
) -> PageResult {
    let raw = |name: &str| fields.raw(name).unwrap_or_default().to_owned();
    let form = TerritoryForm {
        code: raw("code"),
        name: raw("name"),
        communes: raw("communes"),
    };
    if !fields.errors.is_empty() {
        return territories_page(&state, &user, form, fields.errors, None).await;
    }
    match admin::save_territory(&state.core, user.actor(), &form, now).await {
        Ok(_) => Ok(see_other(
            "/admin/territoires",
            Some("territoire-enregistre"),
        )),
        Err(Error::Invalid(errors)) => {
            territories_page(&state, &user, form, Errors::from_validation(errors), None).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "web/admin_qpv.html")]
struct QpvPage {
    layout: Layout,
    csrf: String,
    errors: Errors,
    /// Lines not shown, past the first ones.
    more_errors: usize,
    report: Option<admin::ImportReport>,
}

/// The most line errors a page lists.
const SHOWN_ERRORS: usize = 50;

fn qpv_page(user: &Signed, mut errors: Errors, report: Option<admin::ImportReport>) -> PageResult {
    let more_errors = errors.items.len().saturating_sub(SHOWN_ERRORS);
    errors.items.truncate(SHOWN_ERRORS);
    let status = errors.status();
    Ok(html(
        status,
        &QpvPage {
            layout: user.layout("Quartiers prioritaires", SECTION),
            csrf: user.csrf.clone(),
            errors,
            more_errors,
            report,
        },
    ))
}

pub async fn qpv_form(user: Signed) -> PageResult {
    admin::require_admin(user.actor())?;
    qpv_page(&user, Errors::default(), None)
}

/// Who may upload the QPV list: the platform's admins.
pub struct PlatformAdmins;

impl UploadGate for PlatformAdmins {
    fn allows(actor: &parcours_core::Actor) -> parcours_core::Result<()> {
        admin::require_admin(actor)
    }
}

/// The upload: the form's token is checked before the file is kept; a file with any
/// error writes nothing and the page lists the lines at fault.
pub async fn qpv_import(
    State(state): State<AppState>,
    Now(now): Now,
    mut upload: SignedUpload<PlatformAdmins>,
) -> PageResult {
    let mut errors = Errors::default();
    let file = upload.take_file(
        &mut errors,
        "file",
        "choisissez le fichier CSV publié par l'ANCT",
    );
    let user = upload.user;
    let Some(bytes) = file else {
        return qpv_page(&user, errors, None);
    };
    match admin::import_qpv(&state.core, user.actor(), &bytes, now).await {
        Ok(report) => qpv_page(&user, Errors::default(), Some(report)),
        Err(Error::Invalid(errors)) => qpv_page(&user, Errors::from_validation(errors), None),
        Err(other) => Err(other.into()),
    }
}
