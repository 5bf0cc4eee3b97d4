//! The JSON API under `/api/v1`: thin handlers that extract, call one use case of
//! `parcours-core` and respond. Every route is declared through `routes!` so that it is
//! in the OpenAPI document.

pub mod consents;
pub mod contacts;
pub mod events;
pub mod holders;
pub mod hosting;
pub mod organisations;
pub mod privacy;
pub mod projects;
pub mod qpv;
pub mod referrals;
pub mod reports;
pub mod services;
pub mod sessions;
pub mod timeline;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(sessions::router())
        .merge(organisations::router())
        .merge(holders::router())
        .merge(projects::router())
        .merge(contacts::router())
        .merge(consents::router())
        .merge(timeline::router())
        .merge(qpv::router())
        .merge(referrals::router())
        .merge(services::router())
        .merge(events::router())
        .merge(hosting::router())
        .merge(reports::router())
        .merge(privacy::router())
}

/// A page of a list as JSON: `$page { items: Vec<$item>, next_cursor }`, made from a
/// use case's page of anything that becomes an `$item`.
macro_rules! page_view {
    ($(#[$meta:meta])* $page:ident of $item:ty) => {
        $(#[$meta])*
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$item>,
            /// Pass it as `cursor` for the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<parcours_core::Page<T>> for $page {
            fn from(page: parcours_core::Page<T>) -> Self {
                Self {
                    items: page.items.into_iter().map(Into::into).collect(),
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}
pub(crate) use page_view;

/// Query parameters of a page: the previous page's cursor and a size.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// From a previous page's `next_cursor` (opaque: any other value is refused).
    #[param(pattern = "^[A-Za-z0-9_-]*$", max_length = 400)]
    cursor: Option<String>,
    /// 1–200, 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

impl From<PageParams> for parcours_core::PageRequest {
    fn from(p: PageParams) -> Self {
        Self {
            cursor: p.cursor,
            limit: p.limit,
        }
    }
}
