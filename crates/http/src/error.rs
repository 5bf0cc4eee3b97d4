//! API errors as `application/problem+json` (RFC 9457): a stable `type`, a French
//! `title`, and for 422 the list of invalid fields. A use case's refusal becomes one
//! here, in one place.

use crate::request_id;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parcours_core::{Error, Refusal};
use parcours_domain::{FieldError, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("requête invalide")]
    BadRequest { kind: &'static str, detail: String },
    #[error("authentification requise")]
    Unauthenticated,
    #[error("identifiants invalides")]
    InvalidCredentials,
    #[error("trop de tentatives")]
    TooManyAttempts { retry_after_seconds: u64 },
    #[error("accès refusé")]
    Forbidden(Refusal),
    #[error("introuvable")]
    NotFound,
    /// A file merged into another: not found, with the file that holds its data now
    /// (for the organisation's own users only).
    #[error("fiche fusionnée")]
    MergedInto(i64),
    #[error("méthode non autorisée")]
    MethodNotAllowed,
    #[error("conflit")]
    Conflict(String),
    #[error("en-tête If-Match requis")]
    PreconditionRequired,
    #[error("version périmée")]
    PreconditionFailed,
    #[error("corps trop volumineux")]
    PayloadTooLarge,
    #[error("requête d'un autre site")]
    CrossSite,
    #[error("type de contenu non pris en charge")]
    UnsupportedMediaType,
    #[error("données invalides")]
    Validation(ValidationErrors),
    #[error("service indisponible")]
    Unavailable,
    /// This instance is shutting down: the load balancer should send requests elsewhere.
    #[error("arrêt en cours")]
    Draining,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// When to try again after a 503: a database restart or failover takes seconds.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 5;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:parcours:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short French sentence for the user.
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For 422: every invalid field with its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub errors: Vec<FieldError>,
    /// For a file merged into another (404), the id of the file kept, shown to the
    /// organisation's own users: its data is there now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<i64>,
    /// Quote it to the operator: it ties this answer to the server's logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(ToSchema)]
#[expect(dead_code, reason = "describes FieldError in the OpenAPI document")]
pub struct FieldErrorSchema {
    field: String,
    message: String,
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid(errors) => Self::Validation(errors),
            Error::NotFound => Self::NotFound,
            Error::Forbidden(refusal) => Self::Forbidden(refusal),
            Error::Conflict(detail) => Self::Conflict(detail),
            Error::VersionRequired => Self::PreconditionRequired,
            Error::Stale => Self::PreconditionFailed,
            Error::Unauthenticated => Self::Unauthenticated,
            Error::InvalidCredentials => Self::InvalidCredentials,
            Error::TooManyAttempts {
                retry_after_seconds,
            } => Self::TooManyAttempts {
                retry_after_seconds,
            },
            Error::Unavailable(error) => {
                // The engine's words, not the request's data: which statement failed is
                // in the span, never its values.
                tracing::warn!(error = %error, "database unavailable");
                Self::Unavailable
            }
            Error::Internal(error) => Self::Internal(error),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(ValidationErrors::single(field, message))
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::BadRequest { kind, .. } => (StatusCode::BAD_REQUEST, kind, "Requête invalide"),
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentification requise : connectez-vous",
            ),
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Adresse e-mail ou mot de passe incorrect. Après plusieurs échecs, la connexion au compte est suspendue quelques minutes.",
            ),
            Self::TooManyAttempts { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-attempts",
                "Trop de tentatives de connexion depuis votre adresse : patientez avant de réessayer",
            ),
            Self::Forbidden(refusal) => {
                (StatusCode::FORBIDDEN, "forbidden", refusal_title(refusal))
            }
            Self::NotFound | Self::MergedInto(_) => {
                (StatusCode::NOT_FOUND, "not-found", "Ressource introuvable")
            }
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Méthode non autorisée sur cette adresse",
            ),
            Self::Conflict(_) => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflit avec l'état actuel",
            ),
            Self::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "Modification refusée : envoyez l'en-tête If-Match avec l'ETag de votre dernière lecture",
            ),
            Self::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "Modification refusée : la fiche a changé depuis votre lecture ; rechargez-la puis recommencez",
            ),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                "cross-site",
                "Requête refusée : elle vient d'un autre site que Parcours",
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Le corps de la requête est trop volumineux",
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Type de contenu non pris en charge : envoyez du JSON (Content-Type: application/json)",
            ),
            Self::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Certains champs sont invalides",
            ),
            Self::Unavailable | Self::Draining => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service momentanément indisponible",
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Erreur interne : l'incident est enregistré",
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, kind, title) = self.parts();
        let (detail, errors) = match self {
            Self::BadRequest { detail, .. } | Self::Conflict(detail) => {
                (Some(detail.clone()), Vec::new())
            }
            Self::Forbidden(Refusal::OtherSide(detail)) => (Some(detail.clone()), Vec::new()),
            Self::Draining => (
                Some(
                    "Arrêt en cours : cette instance ne prend plus de nouvelles requêtes."
                        .to_owned(),
                ),
                Vec::new(),
            ),
            Self::Validation(errors) => (None, errors.0.clone()),
            Self::MergedInto(kept) => (
                Some(format!(
                    "Cette fiche a été fusionnée avec la fiche n° {kept}, qui réunit ses données."
                )),
                Vec::new(),
            ),
            _ => (None, Vec::new()),
        };
        Problem {
            kind: format!("urn:parcours:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            merged_into: match self {
                Self::MergedInto(kept) => Some(*kept),
                _ => None,
            },
            request_id: request_id::current(),
        }
    }
}

/// Why a known thing is refused, in a sentence for a page.
pub fn refusal_text(refusal: &Refusal) -> String {
    match refusal {
        Refusal::OtherSide(detail) => format!("{} : {detail}", refusal_title(refusal)),
        other => format!("{}.", refusal_title(other)),
    }
}

/// Why a known thing is refused, as a title.
fn refusal_title(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::Role => "Accès refusé pour votre rôle",
        Refusal::ReadOnly => {
            "Fiche en lecture seule : seule la structure référente la modifie ; vous pouvez la consulter et y noter vos contacts"
        }
        Refusal::OtherSide(_) => "Action réservée à l'autre partie de l'orientation",
        Refusal::OtherOrganisation => "Accès refusé : réservé à la structure concernée",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "internal error");
        }
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = problem_response(status, &problem);
        let retry_after = match self {
            Self::TooManyAttempts {
                retry_after_seconds,
            } => Some(retry_after_seconds),
            Self::Unavailable => Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}
