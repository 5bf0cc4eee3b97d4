//! Request extractors whose failures are French problems: a JSON body (the field that
//! fails is named), a path id (anything but a number is not found), the version an
//! `If-Match` header names, and the signed-in user.

use crate::error::ApiError;
use crate::json;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use parcours_core::Expected;
use serde::de::DeserializeOwned;

/// JSON body. Malformed JSON is a 400, a wrong content type a 415, an oversized body a
/// 413, and a missing, unknown or mistyped field a 422 that names it.
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest {
                        kind: "unreadable-body",
                        detail: format!("corps illisible ({})", rejection.status()),
                    }
                }
            })?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|error| ApiError::BadRequest {
                kind: "malformed-json",
                detail: format!(
                    "JSON mal formé (ligne {}, colonne {})",
                    error.line(),
                    error.column()
                ),
            })?;
        if !value.is_object() {
            return Err(ApiError::validation("(corps)", "objet JSON attendu"));
        }
        Ok(Self(json::read(value)?))
    }
}

/// Query string parameters. A malformed query string is a 400; a mistyped, overlong or
/// refused value a 422 that names the parameter, in French.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadRequest {
                kind: "malformed-query",
                detail: "paramètres de l'URL illisibles".to_owned(),
            })?;
        Ok(Self(json::read_query(pairs)?))
    }
}

/// A record's id in the path: anything that is not one is simply not found.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        path_id(&raw).map(Self).ok_or(ApiError::NotFound)
    }
}

/// A record's id in a path: a number, or nothing at all (any other text names no
/// record, so it is not found rather than a bad request).
pub fn path_id(raw: &str) -> Option<i64> {
    raw.parse().ok()
}

/// An ETag for version `version` of record `id` of a kind (`h` holders, `p` projects).
pub fn etag(kind: &str, id: i64, version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{kind}{id}-v{version}\""))
        .unwrap_or(HeaderValue::from_static("\"\""))
}

/// The version an `If-Match` header names for record `id` of a kind.
pub fn if_match(headers: &HeaderMap, kind: &str, id: i64) -> Expected {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Expected::Missing;
    };
    if value.as_bytes().trim_ascii() == b"*" {
        return Expected::Any;
    }
    let prefix = format!("\"{kind}{id}-v");
    value
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix(&prefix))
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse().ok())
        .map_or(Expected::Unknown, Expected::Version)
}

/// Now, by the state's clock.
pub struct Now(pub chrono::DateTime<chrono::Utc>);

impl FromRequestParts<AppState> for Now {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(state.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_a_version_of_this_record_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(if_match(&headers, "h", 4), Expected::Missing);
        headers.insert(header::IF_MATCH, etag("h", 4, 7));
        assert_eq!(if_match(&headers, "h", 4), Expected::Version(7));
        assert_eq!(if_match(&headers, "h", 5), Expected::Unknown);
        assert_eq!(if_match(&headers, "p", 4), Expected::Unknown);
        // RFC 9110: `*` matches whatever version there is.
        headers.insert(header::IF_MATCH, HeaderValue::from_static("*"));
        assert_eq!(if_match(&headers, "h", 4), Expected::Any);
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"x\""));
        assert_eq!(if_match(&headers, "h", 4), Expected::Unknown);
    }
}
