//! Keyset pages: a list answers a page and an opaque cursor for the next one, whose cost
//! does not grow with the depth of the page.

use base64::Engine;
use parcours_domain::ValidationErrors;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Page size: 1 to `MAX_LIMIT`, 50 by default.
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// Which page, as asked: the previous page's cursor and a size, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

impl PageRequest {
    /// The decoded position and the size; errors are recorded under `cursor` and `limit`.
    pub(crate) fn parse<K: DeserializeOwned>(
        &self,
        errors: &mut ValidationErrors,
    ) -> (Option<K>, u64) {
        (
            decode_cursor(errors, self.cursor.as_deref()),
            parse_limit(errors, self.limit.as_deref()),
        )
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// To pass as `cursor` for the next page; none on the last one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from rows and whether more follow, the cursor made of the last row's key.
    pub(crate) fn of<K: Serialize>(items: Vec<T>, more: bool, key: impl Fn(&T) -> K) -> Self {
        let next_cursor = if more {
            items.last().map(|last| encode_cursor(&key(last)))
        } else {
            None
        };
        Self { items, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

fn parse_limit(errors: &mut ValidationErrors, raw: Option<&str>) -> u64 {
    match raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::parse::<u64>)
    {
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
    let raw = raw.filter(|r| !r.is_empty())?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
