//! Stored words back into the domain's enums, once, at the boundary: a value this
//! binary cannot read is one clear error, the same everywhere.

use crate::{PersistenceError, Result};
use parcours_domain::string_enum::UnknownValue;
use std::str::FromStr;

pub(crate) fn word<T: FromStr<Err = UnknownValue>>(
    table: &'static str,
    column: &'static str,
    value: &str,
) -> Result<T> {
    value
        .parse()
        .map_err(|error: UnknownValue| PersistenceError::Corrupt {
            table,
            column,
            detail: error.to_string(),
        })
}

pub(crate) fn optional<T: FromStr<Err = UnknownValue>>(
    table: &'static str,
    column: &'static str,
    value: Option<&str>,
) -> Result<Option<T>> {
    value.map(|v| word(table, column, v)).transpose()
}

/// A comma-separated list of words.
pub(crate) fn list<T: FromStr<Err = UnknownValue>>(
    table: &'static str,
    column: &'static str,
    value: &str,
) -> Result<Vec<T>> {
    split(value).map(|v| word(table, column, v)).collect()
}

/// The items of a comma-separated column.
pub(crate) fn split(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|w| !w.is_empty())
}

/// A list of words as stored: comma-separated.
pub(crate) fn join<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `('a', 'b')`: a list of the domain's words for hand-written SQL. Only for the
/// domain's constant words (no quote in them), never for input.
pub(crate) fn sql_list<T: Copy + Into<&'static str>>(values: &[T]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| {
            let word: &'static str = (*v).into();
            debug_assert!(!word.contains('\''));
            format!("'{word}'")
        })
        .collect();
    format!("({})", quoted.join(", "))
}
