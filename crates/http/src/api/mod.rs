//! The JSON API under `/api/v1`. Every route is declared through `routes!` so that it
//! is in the OpenAPI document.

mod access;
pub mod contacts;
pub mod events;
pub mod holders;
pub mod hosting;
pub mod organisations;
pub mod projects;
pub mod qpv;
pub mod referrals;
pub mod reports;
pub mod services;
pub mod session;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(session::router())
        .merge(organisations::router())
        .merge(holders::router())
        .merge(projects::router())
        .merge(contacts::router())
        .merge(qpv::router())
        .merge(referrals::router())
        .merge(services::router())
        .merge(events::router())
        .merge(hosting::router())
        .merge(reports::router())
}
