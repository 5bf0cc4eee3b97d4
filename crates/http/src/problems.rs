//! The standard error responses, declared once for the OpenAPI document: a route lists
//! the ones it may answer, e.g. `responses((status = 200, body = X), NotFound, Invalid)`.

use std::collections::BTreeMap;
use utoipa::IntoResponses;
use utoipa::openapi::RefOr;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::Ref;

fn problem(status: &str, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content(crate::error::PROBLEM_JSON, content)
        .build();
    BTreeMap::from([(status.to_owned(), RefOr::T(response))])
}

macro_rules! problems {
    ($($(#[$meta:meta])* $name:ident => $status:literal, $description:literal;)+) => {$(
        $(#[$meta])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problem($status, $description)
            }
        }
    )+};
}

problems! {
    /// 401.
    Unauthenticated => "401", "Aucune session : connectez-vous";
    /// 403.
    Forbidden => "403", "Refusé : rôle sans accès, autre partie d'une orientation, fiche en lecture seule ou ressource d'une autre structure";
    /// 404.
    NotFound => "404", "Introuvable, ou d'une autre structure (son existence n'est pas révélée)";
    /// 409.
    Conflict => "409", "Contredit l'état actuel (orientation déjà en cours, unité occupée, changement concurrent, fiche anonymisée)";
    /// 412.
    Stale => "412", "La ressource a changé depuis la version indiquée par If-Match";
    /// 422.
    Invalid => "422", "Champs invalides, tous listés avec leur message";
    /// 428.
    VersionRequired => "428", "En-tête If-Match requis";
}
