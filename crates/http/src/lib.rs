//! Parcours HTTP: the JSON API under `/api/v1`, its OpenAPI document, sessions and
//! authentication, errors as problem+json, and the headers every response carries.

pub mod api;
pub mod auth;
pub mod client;
mod contract;
mod docs;
pub mod error;
pub mod export;
pub mod extract;
mod health;
mod json;
mod problems;
pub mod request_id;
mod security;
pub mod state;
pub mod web;

pub use parcours_core::Clock;
pub use state::{AppState, HttpSettings};

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use error::ApiError;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// Routes anyone may call without a session, by method and path. Every other route
/// answers 401 without one; a test walks the router to hold this.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/api/openapi.json"),
    ("get", "/api/docs"),
    ("get", "/assets/parcours.css"),
    ("post", "/api/v1/session"),
];

/// Routes outside the OpenAPI document (probes, the document itself, its page).
pub const NON_API_ROUTES: &[&str] = &[
    "/healthz",
    "/readyz",
    "/api/openapi.json",
    "/api/docs",
    "/assets/parcours.css",
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parcours",
        description = "Suivi des porteurs de projet des quartiers prioritaires, de la sensibilisation à l'hébergement, entre les structures partenaires d'un territoire."
    ),
    modifiers(&SessionCookie),
    // The words query parameters take, described once.
    components(schemas(
        error::Problem,
        parcours_domain::referrals::ReferralBox,
        parcours_domain::referrals::ReferralStatus,
        parcours_domain::reports::AgeBand,
        parcours_domain::holders::Gender,
        parcours_domain::holders::Situation,
        parcours_domain::holders::QpvCode,
        parcours_domain::pathway::Stage,
        parcours_domain::organisations::OrganisationKind,
        parcours_domain::services::Need,
    )),
    security(("session" = [])),
    tags(
        (name = "session", description = "Connexion, déconnexion, utilisateur connecté"),
        (name = "organisations", description = "Structures partenaires"),
        (name = "holders", description = "Porteurs de projet : fiche, parcours, historique"),
        (name = "projects", description = "Projets des porteurs"),
        (name = "contacts", description = "Contacts et actions de suivi"),
        (name = "consents", description = "Consentements"),
        (name = "qpv", description = "Référentiel des quartiers prioritaires"),
        (name = "referrals", description = "Orientations entre partenaires"),
        (name = "services", description = "Annuaire de l'offre des partenaires"),
        (name = "events", description = "Actions de sensibilisation et participation"),
        (name = "hosting", description = "Hébergement : lieux, unités, conventions, occupation"),
        (name = "privacy", description = "Durée de conservation : dossiers bientôt anonymisés, « garder » un dossier"),
        (name = "reports", description = "Tableaux de bord et indicateurs des financeurs. Les effectifs de 1 à `masked_below` − 1 sont masqués : `null` en JSON, « < N » en CSV ; 0 est affiché."),
    )
)]
struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "parcours_session",
                "Cookie posé par POST /api/v1/session",
            ))),
        );
    }
}

fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api::router())
        .split_for_parts();
    (router, completed(openapi))
}

/// The document with the answers every operation gives by its shape (see `contract`).
fn completed(openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut value) = serde_json::to_value(&openapi) else {
        return openapi;
    };
    contract::complete(&mut value);
    serde_json::from_value(value).unwrap_or(openapi)
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// The whole service: API, probes, documentation, and the layers around them.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api_router();
    let openapi_json = serde_json::to_value(&openapi).unwrap_or_default();
    let docs_page = docs::render_page(&openapi_json, PUBLIC_ROUTES).unwrap_or_else(|error| {
        tracing::error!(error = %error, "docs page could not be rendered");
        String::from("<!doctype html><title>Parcours</title><p>Documentation indisponible.</p>")
    });
    let secure = state.settings.secure;
    let trusted_proxies = std::sync::Arc::new(state.settings.trusted_proxies.clone());
    api.merge(web::router())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/api/openapi.json",
            get(move || async move { Json(openapi_json) }),
        )
        .route(
            "/api/docs",
            get(move || async move { docs::html(&docs_page) }),
        )
        .route("/assets/parcours.css", get(docs::stylesheet))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.settings.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.settings.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(security::refuse_cross_site))
        .layer(middleware::from_fn_with_state(secure, security::headers))
        .layer(middleware::from_fn_with_state(
            trusted_proxies,
            request_id::middleware,
        ))
        .with_state(state)
}

/// An unknown path: a problem under `/api`, the 404 page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound.into_response()
    } else {
        web::not_found_page()
    }
}

/// A method the path does not take: a problem under `/api`, a page elsewhere (a form's
/// address opened as a link).
async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::MethodNotAllowed.into_response()
    } else {
        web::PageError::MethodNotAllowed.into_response()
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
