//! Request extractors whose failures are French problems naming the field.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use base64::Engine;
use chrono::NaiveDate;
use parcours_domain::ValidationErrors;
use parcours_domain::holders::parse_date;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON body. Malformed JSON is a 400, a wrong content type a 415, an oversized body a
/// 413, and a missing, unknown or mistyped field a 422 that names it.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::JsonSyntaxError(error) => ApiError::BadRequest {
            kind: "malformed-json",
            detail: format!("JSON mal formé : {}", inner_message(&error.body_text())),
        },
        JsonRejection::JsonDataError(error) => data_error(&error.body_text()),
        JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        other => ApiError::BadRequest {
            kind: "unreadable-body",
            detail: format!("corps illisible ({})", other.status()),
        },
    }
}

/// axum's text is "Failed to deserialize the JSON body into the target type: PATH: MESSAGE".
fn inner_message(body_text: &str) -> &str {
    body_text
        .split_once("target type: ")
        .or_else(|| body_text.split_once("JSON body: "))
        .map_or(body_text, |(_, rest)| rest)
}

fn data_error(body_text: &str) -> ApiError {
    let inner = inner_message(body_text);
    // serde reports a missing or unknown field at the enclosing path; name the field itself.
    if let Some(field) = backticked(inner, "missing field `") {
        return ApiError::validation(&join_path(inner, field), "champ obligatoire");
    }
    if let Some(field) = backticked(inner, "unknown field `") {
        // Here serde's path already ends with the unknown field itself.
        let path = match inner.split_once(": ") {
            Some((path, _)) if path != "." && !path.contains(' ') => path.to_owned(),
            _ => field.to_owned(),
        };
        return ApiError::validation(&path, "champ inconnu");
    }
    let (path, message) = match inner.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path, message),
        _ => (".", inner),
    };
    let message = message.split(" at line ").next().unwrap_or(message);
    let message = if message.starts_with("invalid type") {
        format!("type invalide ({message})")
    } else {
        message.to_owned()
    };
    ApiError::validation(path, message)
}

fn backticked<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let start = text.find(prefix)? + prefix.len();
    let len = text[start..].find('`')?;
    Some(&text[start..start + len])
}

fn join_path(inner: &str, field: &str) -> String {
    match inner.split_once(": ") {
        Some((path, _)) if path != "." && !path.contains(' ') => format!("{path}.{field}"),
        _ => field.to_owned(),
    }
}

/// Page size: `limit` query parameter, 1 to `MAX_LIMIT`, 50 by default.
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

pub fn parse_limit(errors: &mut ValidationErrors, raw: Option<&str>) -> u64 {
    match raw.map(str::parse::<u64>) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        Some(_) => {
            errors.add("limit", format!("entier de 1 à {MAX_LIMIT} attendu"));
            DEFAULT_LIMIT
        }
    }
}

/// Keyset cursors are opaque to clients: the last row's sort key, as base64url JSON.
pub fn encode_cursor<T: Serialize>(key: &T) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor<T: DeserializeOwned>(
    errors: &mut ValidationErrors,
    raw: Option<&str>,
) -> Option<T> {
    let raw = raw?;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok());
    if decoded.is_none() {
        errors.add(
            "cursor",
            "curseur invalide : reprenez la liste depuis le début",
        );
    }
    decoded
}

/// A period `[from, to)` from optional `from` and `to` parameters (`YYYY-MM-DD`), each
/// defaulting to its bound of `default`; `to` must follow `from`. Errors are recorded
/// under the parameters' names, and the defaults stand in for what is invalid.
pub fn parse_period(
    errors: &mut ValidationErrors,
    from: Option<&str>,
    to: Option<&str>,
    default: (NaiveDate, NaiveDate),
) -> (NaiveDate, NaiveDate) {
    let from = from.map_or(Some(default.0), |v| errors.check("from", parse_date(v)));
    let to = to.map_or(Some(default.1), |v| errors.check("to", parse_date(v)));
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        errors.add("to", "doit suivre from");
    }
    (from.unwrap_or(default.0), to.unwrap_or(default.1))
}

/// Parses an optional query parameter with `FromStr`, recording a French error under its name.
pub fn parse_param<T>(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let raw = raw.filter(|v| !v.is_empty())?;
    errors.check(field, raw.parse::<T>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: ApiError) -> Vec<(String, String)> {
        match error {
            ApiError::Validation(errors) => {
                errors.0.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_the_missing_or_unknown_field() {
        let prefix = "Failed to deserialize the JSON body into the target type: ";
        assert_eq!(
            fields(data_error(&format!(
                "{prefix}missing field `password` at line 1 column 20"
            ))),
            [("password".to_owned(), "champ obligatoire".to_owned())]
        );
        assert_eq!(
            fields(data_error(&format!(
                "{prefix}project.colour: unknown field `colour`, expected one of `a`"
            ))),
            [("project.colour".to_owned(), "champ inconnu".to_owned())]
        );
        let typed = fields(data_error(&format!(
            "{prefix}email: invalid type: integer `3`, expected a string at line 1 column 11"
        )));
        assert_eq!(typed[0].0, "email");
        assert!(typed[0].1.starts_with("type invalide"));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let mut errors = ValidationErrors::new();
        let cursor = encode_cursor(&("Adie", 4));
        assert_eq!(
            decode_cursor::<(String, i64)>(&mut errors, Some(&cursor)),
            Some(("Adie".into(), 4))
        );
        assert!(errors.is_empty());
        assert_eq!(
            decode_cursor::<(String, i64)>(&mut errors, Some("%%%")),
            None
        );
        assert_eq!(errors.0[0].field, "cursor");
    }

    #[test]
    fn limits_are_bounded() {
        let mut errors = ValidationErrors::new();
        assert_eq!(parse_limit(&mut errors, None), DEFAULT_LIMIT);
        assert_eq!(parse_limit(&mut errors, Some("10")), 10);
        parse_limit(&mut errors, Some("0"));
        parse_limit(&mut errors, Some("201"));
        parse_limit(&mut errors, Some("dix"));
        assert_eq!(errors.0.len(), 3);
    }
}

#[cfg(test)]
mod unknown_field_tests {
    use super::*;

    #[test]
    fn a_top_level_unknown_field_is_named_once() {
        let prefix = "Failed to deserialize the JSON body into the target type: ";
        match data_error(&format!(
            "{prefix}remember: unknown field `remember`, expected `email`"
        )) {
            ApiError::Validation(errors) => assert_eq!(errors.0[0].field, "remember"),
            other => panic!("{other:?}"),
        }
    }
}
