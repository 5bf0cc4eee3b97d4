//! The web pages advisers use: server-rendered HTML beside the API, on the same use
//! cases. Every page works without JavaScript (links and forms, POST then 303); a
//! small script served by the binary only enhances them.

mod access_log;
mod accounts;
mod admin;
mod assets;
mod attendance;
mod charts;
mod dashboard;
mod demo;
mod directory;
mod erase;
mod event_forms;
mod events;
mod export;
mod fr;
mod headcount;
mod hosting;
mod import;
pub(crate) mod import_jobs;
mod login;
mod merge;
mod page;
mod people;
mod person;
mod refer;
mod referrals;
mod register;
mod session;
mod team;
mod today;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;

pub use page::{PageError, not_found_page};

/// Page routes by method and path; a test walks them. Those in [`PUBLIC_PAGES`] need no
/// session; every other one sends a browser without a session to the sign-in page.
pub const PAGE_ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/connexion"),
    ("post", "/connexion"),
    ("post", "/deconnexion"),
    ("get", "/mot-de-passe"),
    ("post", "/mot-de-passe"),
    ("get", "/personnes"),
    ("get", "/personnes/nouvelle"),
    ("get", "/personnes/importer"),
    ("post", "/personnes/importer"),
    ("get", "/personnes/importer/{token}"),
    ("post", "/personnes/importer/{token}"),
    ("get", "/personnes/importer/{token}/rapport.csv"),
    ("get", "/personnes/doublons"),
    ("post", "/personnes/nouvelle"),
    ("get", "/personnes/{id}"),
    ("get", "/personnes/{id}/modifier"),
    ("post", "/personnes/{id}/modifier"),
    ("post", "/personnes/{id}/contacts"),
    ("post", "/personnes/{id}/consentements"),
    ("post", "/personnes/{id}/etape"),
    ("post", "/personnes/{id}/cloture"),
    ("post", "/personnes/{id}/reouverture"),
    ("post", "/personnes/{id}/garder"),
    ("get", "/personnes/{id}/effacer"),
    ("get", "/personnes/{id}/acces"),
    ("get", "/personnes/{id}/donnees"),
    ("post", "/personnes/{id}/effacer"),
    ("get", "/personnes/{id}/fusionner"),
    ("post", "/personnes/{id}/fusionner"),
    ("get", "/personnes/{id}/orienter"),
    ("post", "/personnes/{id}/orienter"),
    ("post", "/personnes/{id}/orienter/accord"),
    ("get", "/orientations"),
    ("get", "/orientations/{id}"),
    ("post", "/orientations/{id}/accepter"),
    ("post", "/orientations/{id}/terminer"),
    ("post", "/orientations/{id}/retirer"),
    ("get", "/orientations/{id}/refuser"),
    ("post", "/orientations/{id}/refuser"),
    ("get", "/annuaire"),
    ("get", "/annuaire/services/nouveau"),
    ("post", "/annuaire/services/nouveau"),
    ("get", "/annuaire/services/{id}/modifier"),
    ("post", "/annuaire/services/{id}/modifier"),
    ("get", "/actions"),
    ("get", "/actions/nouvelle"),
    ("post", "/actions/nouvelle"),
    ("get", "/actions/{id}"),
    ("get", "/actions/{id}/modifier"),
    ("post", "/actions/{id}/modifier"),
    ("get", "/actions/{id}/comptage"),
    ("post", "/actions/{id}/comptage"),
    ("get", "/actions/{id}/presences"),
    ("post", "/actions/{id}/presences"),
    ("get", "/actions/{id}/presences/nouvelle"),
    ("post", "/actions/{id}/presences/nouvelle"),
    ("get", "/hebergement"),
    ("get", "/hebergement/espaces/nouveau"),
    ("post", "/hebergement/espaces/nouveau"),
    ("get", "/hebergement/espaces/{id}/unites/nouvelle"),
    ("post", "/hebergement/espaces/{id}/unites/nouvelle"),
    ("get", "/hebergement/unites/{id}"),
    ("get", "/hebergement/conventions/nouvelle"),
    ("post", "/hebergement/conventions/nouvelle"),
    ("get", "/hebergement/conventions/{id}/renouveler"),
    ("post", "/hebergement/conventions/{id}/renouveler"),
    ("get", "/hebergement/conventions/{id}/terminer"),
    ("post", "/hebergement/conventions/{id}/terminer"),
    ("get", "/tableau-de-bord"),
    ("get", "/static/{name}"),
    ("get", "/demo/courriels"),
    // Accounts run by organisations: links sent by e-mail, the team, administration.
    ("get", "/mot-de-passe-oublie"),
    ("post", "/mot-de-passe-oublie"),
    ("get", "/reinitialisation/{token}"),
    ("post", "/reinitialisation/{token}"),
    ("get", "/invitation/{token}"),
    ("post", "/invitation/{token}"),
    ("get", "/equipe"),
    ("get", "/equipe/inviter"),
    ("post", "/equipe/inviter"),
    ("post", "/equipe/comptes/{id}/desactiver"),
    ("post", "/equipe/comptes/{id}/reactiver"),
    ("post", "/equipe/comptes/{id}/relancer"),
    ("get", "/admin"),
    ("get", "/admin/organisations"),
    ("get", "/admin/organisations/nouvelle"),
    ("post", "/admin/organisations/nouvelle"),
    ("get", "/admin/organisations/{id}"),
    ("post", "/admin/organisations/{id}"),
    ("get", "/admin/territoires"),
    ("post", "/admin/territoires"),
    ("get", "/admin/qpv"),
    ("post", "/admin/qpv"),
];

/// Pages anyone may open.
pub const PUBLIC_PAGES: &[(&str, &str)] = &[
    ("get", "/connexion"),
    ("post", "/connexion"),
    ("get", "/static/{name}"),
    ("get", "/demo/courriels"),
    ("get", "/mot-de-passe-oublie"),
    ("post", "/mot-de-passe-oublie"),
    ("get", "/reinitialisation/{token}"),
    ("post", "/reinitialisation/{token}"),
    ("get", "/invitation/{token}"),
    ("post", "/invitation/{token}"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(today::page))
        .route("/connexion", get(login::form).post(login::submit))
        .route("/deconnexion", post(login::logout))
        .route(
            "/mot-de-passe",
            get(login::password_form).post(login::password_submit),
        )
        .route("/personnes", get(people::page))
        .route(
            "/personnes/nouvelle",
            get(register::form).post(register::submit),
        )
        .route(
            "/personnes/importer",
            get(import::form).post(import::check).layer(
                // A caseload of tens of thousands of lines, as a workbook or as CSV.
                axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024),
            ),
        )
        .route(
            "/personnes/importer/{token}",
            get(import::show).post(import::run),
        )
        .route(
            "/personnes/importer/{token}/rapport.csv",
            get(import::report),
        )
        .route("/personnes/{id}", get(person::page))
        .route(
            "/personnes/{id}/modifier",
            get(register::edit_form).post(register::edit_submit),
        )
        .route("/personnes/{id}/contacts", post(person::log_contact))
        .route(
            "/personnes/{id}/consentements",
            post(person::record_consent),
        )
        .route("/personnes/{id}/etape", post(person::move_stage))
        .route("/personnes/{id}/cloture", post(person::close))
        .route("/personnes/{id}/reouverture", post(person::reopen))
        .route("/personnes/{id}/garder", post(person::keep))
        .route("/personnes/{id}/acces", get(access_log::page))
        .route("/personnes/{id}/donnees", get(export::page))
        .route(
            "/personnes/{id}/effacer",
            get(erase::form).post(erase::erase),
        )
        .route("/personnes/doublons", get(merge::list))
        .route(
            "/personnes/{id}/fusionner",
            get(merge::form).post(merge::merge),
        )
        .route(
            "/personnes/{id}/orienter",
            get(refer::form).post(refer::submit),
        )
        .route("/personnes/{id}/orienter/accord", post(refer::agree))
        .route("/orientations", get(referrals::list))
        .route("/orientations/{id}", get(referrals::detail))
        .route("/orientations/{id}/accepter", post(referrals::accept))
        .route("/orientations/{id}/terminer", post(referrals::complete))
        .route("/orientations/{id}/retirer", post(referrals::withdraw))
        .route(
            "/orientations/{id}/refuser",
            get(referrals::decline_form).post(referrals::decline),
        )
        .route("/annuaire", get(directory::page))
        .route(
            "/annuaire/services/nouveau",
            get(directory::new_form).post(directory::create),
        )
        .route(
            "/annuaire/services/{id}/modifier",
            get(directory::edit_form).post(directory::update),
        )
        .route("/actions", get(events::list))
        .route(
            "/actions/nouvelle",
            get(event_forms::new_form).post(event_forms::create),
        )
        .route("/actions/{id}", get(events::detail))
        .route(
            "/actions/{id}/modifier",
            get(event_forms::edit_form).post(event_forms::edit),
        )
        .route(
            "/actions/{id}/comptage",
            get(headcount::form).post(headcount::submit),
        )
        .route(
            "/actions/{id}/presences",
            get(attendance::sheet).post(attendance::add),
        )
        .route(
            "/actions/{id}/presences/nouvelle",
            get(attendance::newcomer_form).post(attendance::register),
        )
        .route("/hebergement", get(hosting::overview))
        .route(
            "/hebergement/espaces/nouveau",
            get(hosting::space_form).post(hosting::space_submit),
        )
        .route(
            "/hebergement/espaces/{id}/unites/nouvelle",
            get(hosting::unit_form).post(hosting::unit_submit),
        )
        .route("/hebergement/unites/{id}", get(hosting::unit_page))
        .route(
            "/hebergement/conventions/nouvelle",
            get(hosting::agreement_form).post(hosting::agreement_submit),
        )
        .route(
            "/hebergement/conventions/{id}/renouveler",
            get(hosting::renew_form).post(hosting::renew_submit),
        )
        .route(
            "/hebergement/conventions/{id}/terminer",
            get(hosting::end_form).post(hosting::end_submit),
        )
        .route("/tableau-de-bord", get(dashboard::page))
        .route("/static/{name}", get(assets::serve))
        .route("/demo/courriels", get(demo::mailbox))
        // Accounts run by organisations.
        .route(
            "/mot-de-passe-oublie",
            get(accounts::forgot_form).post(accounts::forgot_submit),
        )
        .route(
            "/reinitialisation/{token}",
            get(accounts::reset_form).post(accounts::reset_submit),
        )
        .route(
            "/invitation/{token}",
            get(accounts::invitation_form).post(accounts::invitation_submit),
        )
        .route("/equipe", get(team::page))
        .route(
            "/equipe/inviter",
            get(team::invite_form).post(team::invite_submit),
        )
        .route("/equipe/comptes/{id}/desactiver", post(team::disable))
        .route("/equipe/comptes/{id}/reactiver", post(team::enable))
        .route("/equipe/comptes/{id}/relancer", post(team::resend))
        .route("/admin", get(admin::index))
        .route("/admin/organisations", get(admin::organisations))
        .route(
            "/admin/organisations/nouvelle",
            get(admin::organisation_new).post(admin::organisation_create),
        )
        .route(
            "/admin/organisations/{id}",
            get(admin::organisation_edit).post(admin::organisation_update),
        )
        .route(
            "/admin/territoires",
            get(admin::territories).post(admin::territory_create),
        )
        .route(
            "/admin/qpv",
            get(admin::qpv_form).post(admin::qpv_import).layer(
                // The national list is a few hundred kilobytes; room to spare.
                axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024),
            ),
        )
        // A page that fails answers a page, not the API's JSON problem.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_page))
        .layer(CompressionLayer::new())
}

/// The error page for a handler that panicked (logged by the page error, without the
/// panic's text, which may quote data).
fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    PageError::Internal(anyhow::anyhow!("page handler panicked")).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_that_panics_answers_an_html_error_page() {
        let response = super::panic_page(Box::new("boom"));
        assert_eq!(response.status(), 500);
        let kind = response.headers()["content-type"].to_str().unwrap();
        assert!(kind.starts_with("text/html"), "{kind}");
    }
}

/// The message a redirect carries to the page it lands on (`?fait=…`).
#[derive(serde::Deserialize, Default)]
pub struct FlashQuery {
    fait: Option<String>,
}

impl FlashQuery {
    /// The flash of a code read from a query string parsed by hand.
    pub fn from_code(fait: Option<String>) -> Self {
        Self { fait }
    }

    /// The message of a known code: the link carries a code, never the text, so that
    /// nobody can make Parcours show words of their own.
    pub fn message(&self) -> Option<String> {
        let text = match self.fait.as_deref()? {
            "contact" => "Contact enregistré.",
            "consentement" => "Consentement enregistré.",
            "modification" => "Fiche modifiée.",
            "inscription" => "Personne inscrite. Pensez à recueillir ses consentements.",
            "etape" => "Étape changée.",
            "cloture" => "Parcours clôturé.",
            "reouverture" => "Parcours rouvert.",
            "efface" => {
                "Données effacées : la fiche est anonymisée ; les structures qui avaient une orientation en cours sont prévenues."
            }
            "fusion" => {
                "Fiches fusionnées : tout ce que tenait l'autre fiche est maintenant ici. Complétez l'identité et les coordonnées si l'autre fiche avait une information qui manque."
            }
            "garde" => {
                "Dossier gardé : la raison est datée et compte comme une activité ; il ne sera pas anonymisé avant la fin d'une nouvelle durée de conservation."
            }
            "mot-de-passe" => "Mot de passe changé. Vos autres sessions sont fermées.",
            "orientation-acceptee" => "Orientation acceptée : la fiche est maintenant consultable.",
            "orientation-terminee" => {
                "Orientation terminée : la structure qui l'a envoyée est prévenue."
            }
            "orientation-retiree" => {
                "Orientation retirée : la structure destinataire est prévenue."
            }
            "service-publie" => "Service publié dans l'annuaire.",
            "service-modifie" => "Service modifié.",
            "orientation-envoyee" => {
                "Orientation envoyée : la structure est prévenue par courriel et vous le serez de sa réponse."
            }
            "orientation-refusee" => {
                "Orientation refusée : la structure qui l'a envoyée est prévenue."
            }
            "action-creee" => "Action collective enregistrée.",
            "action-modifiee" => "Action collective modifiée.",
            "comptage" => "Comptage enregistré.",
            "presence" => "Présence enregistrée.",
            "presence-deja" => "Cette personne figurait déjà sur la feuille de présence.",
            "presence-inscription" => {
                "Personne inscrite et ajoutée à la feuille de présence ; son accord pour être suivie est enregistré."
            }
            "espace-cree" => "Espace enregistré. Ajoutez-lui ses unités.",
            "unite-creee" => "Unité ajoutée.",
            "convention-creee" => "Convention d'hébergement enregistrée.",
            "convention-renouvelee" => "Convention renouvelée.",
            "convention-terminee" => "Convention terminée : l'unité est libre à sa date de fin.",
            // Accounts run by organisations.
            "compte-active" => "Votre compte est activé : bienvenue dans Parcours.",
            "mot-de-passe-reinitialise" => {
                "Nouveau mot de passe enregistré. Vos autres sessions sont fermées."
            }
            "invitation-envoyee" => "Invitation envoyée : le lien est valable 72 heures.",
            "invitation-renvoyee" => {
                "Nouvelle invitation envoyée ; le lien précédent ne fonctionne plus."
            }
            "compte-desactive" => "Compte désactivé : ses sessions sont fermées.",
            "compte-reactive" => "Compte réactivé.",
            "structure-creee" => "Structure créée.",
            "structure-modifiee" => "Structure modifiée.",
            "territoire-enregistre" => "Territoire enregistré.",
            _ => return None,
        };
        Some(text.to_owned())
    }
}

/// The page of a person's file.
pub fn person_href(id: i64) -> String {
    format!("/personnes/{id}")
}
