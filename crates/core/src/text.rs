//! Reading what people type: each helper records a French error under the field's name
//! and gives the value when it is valid, so a form reports every bad field at once.

use parcours_domain::ValidationErrors;
use parcours_domain::holders::check_text;
use std::fmt::Display;

/// An optional value: blank is none; otherwise it must parse, as given (a parser that
/// allows spaces around says so).
pub(crate) fn optional<T, E: Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    let value = value.filter(|v| !v.trim().is_empty())?;
    errors.check(field, parse(value))
}

/// A required value: blank is "obligatoire".
pub(crate) fn required<T, E: Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    required_or(errors, field, value, "obligatoire", parse)
}

/// A required value; `missing` says why it is needed.
pub(crate) fn required_or<T, E: Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    missing: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match value.filter(|v| !v.trim().is_empty()) {
        None => {
            errors.add(field, missing);
            None
        }
        Some(value) => errors.check(field, parse(value)),
    }
}

/// One of a closed list of words, optional: blank is none; otherwise exactly one of
/// the words, as the OpenAPI document's enum says.
pub(crate) fn word<T>(errors: &mut ValidationErrors, field: &str, value: Option<&str>) -> Option<T>
where
    T: std::str::FromStr,
    T::Err: Display,
{
    let value = value.filter(|v| !v.trim().is_empty())?;
    errors.check(field, value.parse::<T>())
}

/// Optional free text, trimmed, at most `max` characters.
pub(crate) fn text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    errors
        .check(field, check_text(value.unwrap_or_default(), max))
        .flatten()
}

/// Optional free text on its own (a reason, a motive): the field's error, or the text.
pub(crate) fn one_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> crate::Result<Option<String>> {
    check_text(value.unwrap_or_default(), max).map_err(|e| crate::Error::invalid(field, e))
}

/// Required free text, at most `max` characters; `missing` says what is expected.
pub(crate) fn required_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
    missing: &str,
) -> Option<String> {
    match errors.check(field, check_text(value.unwrap_or_default(), max)) {
        Some(Some(text)) => Some(text),
        Some(None) => {
            errors.add(field, missing);
            None
        }
        None => None,
    }
}

/// An optional record id typed into a filter (`?territory=3`).
pub(crate) fn id(errors: &mut ValidationErrors, field: &str, value: Option<&str>) -> Option<i64> {
    optional(errors, field, value, |v| {
        v.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or("identifiant invalide : nombre entier positif attendu")
    })
}

/// A list of words, each checked under `field[i]`, duplicates dropped.
pub(crate) fn words<T>(errors: &mut ValidationErrors, field: &str, values: &[String]) -> Vec<T>
where
    T: std::str::FromStr + PartialEq,
    T::Err: Display,
{
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if let Some(v) = errors.check(&format!("{field}[{i}]"), value.parse::<T>())
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// A date that is not in the future.
pub(crate) fn past_date(
    value: &str,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, String> {
    parcours_domain::holders::parse_date(value).and_then(|d| {
        if d > today {
            Err("date dans le futur".to_owned())
        } else {
            Ok(d)
        }
    })
}
