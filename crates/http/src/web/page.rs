//! What every page shares: the layout (header, navigation, skip link, footer), the
//! form fields as typed, French error messages by field, and the error pages.

use super::assets;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_core::Error;
use parcours_domain::ValidationErrors;
use parcours_domain::access::handles_personal_data;
use parcours_domain::labels::Label;
use parcours_domain::users::Role;

/// A link of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Who is signed in, as the header shows them.
pub struct SignedIn {
    pub name: String,
    pub organisation: String,
    /// The session's form token, for the « Se déconnecter » form.
    pub csrf: String,
    /// What the navigation offers depends on it.
    pub role: Role,
}

/// The frame of every page.
pub struct Layout {
    /// « Personnes » — the `<title>` adds « — Parcours ».
    pub title: String,
    pub user: Option<SignedIn>,
    pub nav: Vec<NavItem>,
    pub css: String,
    pub js: String,
    /// A message carried over a redirect (« Contact enregistré. »).
    pub flash: Option<String>,
    /// The demonstration writes its e-mails to a folder: the footer links to them.
    pub demo_mails: bool,
}

/// A navigation entry: path, label, and whether a role sees it.
type Section = (&'static str, &'static str, fn(Role) -> bool);

/// The main navigation: path, label, and which roles see the entry (the pages
/// themselves check again: the navigation only spares users links they cannot follow).
const SECTIONS: &[Section] = &[
    ("/", "Aujourd'hui", |_| true),
    ("/personnes", "Personnes", handles_personal_data),
    ("/orientations", "Orientations", handles_personal_data),
    ("/actions", "Actions collectives", handles_personal_data),
    ("/hebergement", "Hébergement", handles_personal_data),
    ("/annuaire", "Annuaire", |_| true),
    ("/tableau-de-bord", "Tableau de bord", |r| r != Role::Admin),
    ("/equipe", "Équipe", |r| r == Role::OrgAdmin),
    ("/admin", "Administration", |r| r == Role::Admin),
];

impl Layout {
    /// A page's frame; `section` is the path of the navigation entry it belongs to.
    pub fn new(title: impl Into<String>, user: Option<SignedIn>, section: &str) -> Self {
        let nav = match &user {
            Some(user) => SECTIONS
                .iter()
                .filter(|(_, _, shown)| shown(user.role))
                .map(|(href, label, _)| NavItem {
                    href,
                    label,
                    current: *href == section,
                })
                .collect(),
            None => Vec::new(),
        };
        Self {
            title: title.into(),
            user,
            nav,
            css: assets::url(&assets::CSS),
            js: assets::url(&assets::JS),
            flash: None,
            demo_mails: false,
        }
    }

    /// Links to the demonstration's mailbox when there is one.
    pub fn with_demo_mails(mut self, shown: bool) -> Self {
        self.demo_mails = shown;
        self
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Self {
        self.flash = flash;
        self
    }
}

/// An option of a select, a radio or a checkbox list: the word sent, the label read.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The options of a list of the domain's words, `typed` selected.
pub fn choices<T: Label>(all: &[T], word: fn(T) -> &'static str, typed: &str) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: word(*v).into(),
            label: v.label().into(),
            selected: word(*v) == typed,
        })
        .collect()
}

/// A rendered page: HTML, never cached (personal data must not linger).
pub fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (status, Html(body)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            tracing::error!(error = %error, "page template failed");
            plain_error(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The last resort when even the error page cannot be rendered.
fn plain_error(status: StatusCode) -> Response {
    (
        status,
        Html("<!doctype html><html lang=\"fr\"><title>Erreur — Parcours</title><p>Une erreur est survenue.</p></html>"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
    request_id: Option<String>,
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    /// No session: to the sign-in page, then back to `next`.
    SignIn {
        next: String,
        expired: bool,
    },
    NotFound,
    Forbidden(String),
    /// The form's token is missing or belongs to another session.
    FormRefused,
    /// A form's address opened as a link.
    MethodNotAllowed,
    /// Something the form cannot fix (a conflict), shown on an error page.
    Conflict(String),
    Unavailable,
    Internal(anyhow::Error),
}

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => Self::NotFound,
            Error::Forbidden(refusal) => Self::Forbidden(crate::error::refusal_text(&refusal)),
            Error::Conflict(detail) => Self::Conflict(detail),
            Error::Unauthenticated => Self::SignIn {
                next: "/".into(),
                expired: true,
            },
            Error::Unavailable(error) => {
                tracing::warn!(error = %error, "database unavailable");
                Self::Unavailable
            }
            Error::Internal(error) => Self::Internal(error),
            other => Self::Internal(anyhow::anyhow!("unexpected on a page: {other}")),
        }
    }
}

pub type PageResult = Result<Response, PageError>;

/// Only a path of this site: an absolute URL or `//host` would send the user away.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match self {
            Self::SignIn { next, expired } => {
                let mut to = format!("/connexion?suite={}", encode(safe_next(&next)));
                if expired {
                    to.push_str("&expiree=1");
                }
                return Redirect::to(&to).into_response();
            }
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "Cette page n'existe pas, ou vous n'y avez pas accès. Vérifiez l'adresse, ou revenez à l'accueil.".to_owned(),
            ),
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, "Accès refusé", why),
            Self::FormRefused => (
                StatusCode::FORBIDDEN,
                "Formulaire refusé",
                "Ce formulaire a expiré ou ne vient pas de Parcours : rien n'a été enregistré. Revenez à la page, puis envoyez-le à nouveau.".to_owned(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Page introuvable",
                "Cette adresse est celle d'un formulaire : elle ne s'ouvre pas comme une page. Revenez à la page précédente.".to_owned(),
            ),
            Self::Conflict(detail) => (StatusCode::CONFLICT, "Action impossible", detail),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service momentanément indisponible",
                "Parcours ne peut pas joindre sa base de données. Réessayez dans quelques secondes ; rien n'a été perdu de ce qui était enregistré.".to_owned(),
            ),
            Self::Internal(error) => {
                tracing::error!(error = %error, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur du service",
                    "Une erreur inattendue est survenue. Réessayez ; si elle revient, donnez le numéro ci-dessous à l'équipe qui gère Parcours.".to_owned(),
                )
            }
        };
        let mut response = html(
            status,
            &ErrorPage {
                layout: Layout::new(heading, None, ""),
                heading,
                message,
                request_id: crate::request_id::current(),
            },
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

/// The 404 page, for unknown paths outside the API.
pub fn not_found_page() -> Response {
    PageError::NotFound.into_response()
}

/// A query-string value, percent-encoded.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// After a successful POST: back to a page (303, so a reload does not post again), with
/// the code of a message to show there (see `FlashQuery`).
pub fn see_other(to: &str, flash: Option<&str>) -> Response {
    let location = match flash {
        None => to.to_owned(),
        Some(message) => {
            let separator = if to.contains('?') { '&' } else { '?' };
            format!("{to}{separator}fait={}", encode(message))
        }
    };
    Redirect::to(&location).into_response()
}

/// The labels of the forms' fields, as the summary names them (one name, one label,
/// whichever form it is on).
const FIELD_LABELS: &[(&str, &str)] = &[
    ("email", "Adresse électronique"),
    ("password", "Mot de passe"),
    ("current", "Mot de passe actuel"),
    ("new", "Nouveau mot de passe"),
    ("confirmation", "Confirmation"),
    ("first_name", "Prénom"),
    ("last_name", "Nom"),
    ("birth_date", "Date de naissance"),
    ("gender", "Genre"),
    ("phone", "Téléphone"),
    ("address", "Adresse"),
    ("postal_code", "Code postal"),
    ("commune_insee", "Code INSEE"),
    ("qpv", "Quartier"),
    ("qpv_code", "Quartier"),
    ("qpv_status", "Quartier prioritaire"),
    ("situation", "Situation"),
    ("education_level", "Niveau de formation"),
    ("stage", "Étape"),
    ("kind", "Type de contact"),
    ("occurred_at", "Date du contact"),
    ("duration_minutes", "Durée"),
    ("topics", "Sujets"),
    ("notes", "Notes"),
    ("next_action", "Prochaine action"),
    ("next_action_due", "Date de la prochaine action"),
    ("to", "Nouvelle étape"),
    ("reason", "Motif"),
    ("outcome", "Issue du parcours"),
    ("siret", "SIRET"),
    ("created_on", "Date de création"),
    ("legal_form", "Forme juridique"),
    ("project_id", "Projet"),
    ("text", "Précisions"),
    ("purpose", "Consentement"),
    ("given", "Réponse"),
    ("q", "Nom ou prénom"),
    ("partenaire", "Partenaire"),
    ("need", "Besoin"),
    ("message", "Message"),
    ("accord", "Accord de la personne"),
    ("name", "Nom"),
    ("description", "Description"),
    ("needs", "Besoins couverts"),
    ("publics", "Publics"),
    ("sectors", "Secteurs"),
    ("financing_min_eur", "Financement minimum"),
    ("financing_max_eur", "Financement maximum"),
    ("places", "Places disponibles"),
    ("contact", "Contact"),
    // Actions collectives
    ("event_kind", "Type d'action"),
    ("title", "Intitulé"),
    ("held_on", "Date"),
    ("place", "Lieu"),
    ("partners", "Structures partenaires"),
    ("total", "Personnes présentes"),
    ("women", "Dont femmes"),
    ("under_26", "Dont moins de 26 ans"),
    ("qpv_residents", "Dont habitants d'un quartier prioritaire"),
    ("consent", "Accord de la personne"),
    ("mois", "Mois"),
    ("organisation", "Structure"),
    ("space_name", "Nom de l'espace"),
    ("unit_kind", "Type d'unité"),
    ("unit_label", "Nom de l'unité"),
    ("area_m2", "Surface"),
    ("monthly_rent_eur", "Loyer mensuel"),
    ("holder_id", "Personne hébergée"),
    ("unit_id", "Unité"),
    ("start_date", "Début de la convention"),
    ("planned_end", "Fin prévue"),
    ("actual_end", "Date de fin"),
    // Accounts and administration.
    ("role", "Rôle"),
    ("organisation_kind", "Type de structure"),
    ("territory", "Territoire"),
    ("notification_email", "Adresse des notifications"),
    ("code", "Code"),
    ("communes", "Communes"),
    ("file", "Fichier"),
    // Tableau de bord.
    ("periode", "Période"),
    ("du", "Du"),
    ("au", "Au"),
    ("age_band", "Âge"),
];

/// Fields in error, each with its French message, in the order of the form.
#[derive(Clone, Default)]
pub struct Errors {
    pub items: Vec<(String, String)>,
}

impl Errors {
    pub fn from_validation(errors: ValidationErrors) -> Self {
        Self {
            items: errors.0.into_iter().map(|e| (e.field, e.message)).collect(),
        }
    }

    /// A use case's refusal as the form shows it: its field errors, or a conflict as the
    /// error of `conflict_field`; any other error is not the form's to show.
    pub fn of_refusal(error: Error, conflict_field: &str) -> Result<Self, Error> {
        match error {
            Error::Invalid(errors) => Ok(Self::from_validation(errors)),
            Error::Conflict(message) => {
                let mut errors = Self::default();
                errors.add(conflict_field, message);
                Ok(errors)
            }
            other => Err(other),
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.items.push((field.to_owned(), message.into()));
    }

    /// The same errors as a use case's refusal; none when there are none.
    pub fn to_validation(&self) -> Option<ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (field, message) in &self.items {
            errors.add(field.clone(), message.clone());
        }
        (!errors.is_empty()).then_some(errors)
    }

    /// A page's status: 422 when it shows errors, else 200.
    pub fn status(&self) -> StatusCode {
        if self.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for one field (an array field like `topics[2]` counts as `topics`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(f, _)| f == field || f.strip_prefix(field).is_some_and(|r| r.starts_with('[')))
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// A line of the error summary: the field's label, then the message, so that the
    /// summary reads on its own (« SIRET : obligatoire pour une création d'entreprise »).
    pub fn summary_line(&self, field: &str, message: &str) -> String {
        let base = field.split('[').next().unwrap_or(field);
        match FIELD_LABELS.iter().find(|(name, _)| *name == base) {
            Some((_, label)) => format!("{label} : {message}"),
            None => message.to_owned(),
        }
    }

    /// « Il y a 2 erreurs ».
    pub fn heading(&self) -> String {
        match self.items.len() {
            1 => "Il y a 1 erreur".into(),
            n => format!("Il y a {n} erreurs"),
        }
    }

    /// Orders the errors as the fields appear on the form; unknown fields go last.
    pub fn sorted_by(mut self, order: &[&str]) -> Self {
        let rank = |field: &str| {
            order
                .iter()
                .position(|f| field == *f || field.starts_with(&format!("{f}[")))
                .unwrap_or(order.len())
        };
        self.items.sort_by_key(|(field, _)| rank(field));
        self
    }
}

/// The values of a posted form, as typed but in the service's text rule (normal form
/// C, no control characters): a value that breaks the rule is an error on its field.
#[derive(Default)]
pub struct Fields {
    pairs: Vec<(String, String)>,
    pub errors: Errors,
}

impl Fields {
    pub fn new(raw: Vec<(String, String)>) -> Self {
        let mut fields = Self::default();
        for (name, value) in raw {
            match parcours_domain::text::clean(&value) {
                Ok(clean) => fields.pairs.push((name, clean)),
                Err(message) => {
                    if !fields.errors.has(&name) {
                        fields.errors.add(&name, message);
                    }
                    let kept: String = value
                        .chars()
                        .filter(|c| !c.is_control() || *c == '\n')
                        .collect();
                    fields.pairs.push((name, kept));
                }
            }
        }
        fields
    }

    /// The value typed, blank as none.
    pub fn get(&self, name: &str) -> Option<String> {
        self.raw(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The value as typed (for showing it again), empty when absent.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A whole number as typed (spaces between thousands allowed); none when blank. One
    /// that is not a number adds `message` to `errors` under its field, once.
    pub fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        errors: &mut Errors,
        message: &str,
    ) -> Option<T> {
        let raw = self.get(name)?;
        match raw.replace([' ', '\u{202f}', '\u{a0}'], "").parse() {
            Ok(n) => Some(n),
            Err(_) => {
                if !errors.has(name) {
                    errors.add(name, message);
                }
                None
            }
        }
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}
