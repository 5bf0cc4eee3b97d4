//! Keyset pages: a page starts where the previous one ended, at the (sort key, id) of
//! its last row, so its cost does not grow with the depth of the page.

use sea_orm::{ColumnTrait, Condition, Value};

/// Rows after `(key, id)` in ascending (key, id) order:
/// `key >= k AND (key > k OR id > i)`. The first term bounds the index range, so a deep
/// page starts where the previous one ended instead of filtering its way there (a plain
/// `key > k OR (key = k AND id > i)` is a filter on PostgreSQL).
pub(crate) fn after<C: ColumnTrait>(key: C, id: C, at: (impl Into<Value>, i64)) -> Condition {
    let k: Value = at.0.into();
    Condition::all()
        .add(key.gte(k.clone()))
        .add(Condition::any().add(key.gt(k)).add(id.gt(at.1)))
}

/// Rows before `(key, id)` in descending (key, id) order:
/// `key <= k AND (key < k OR id < i)`.
pub(crate) fn before<C: ColumnTrait>(key: C, id: C, at: (impl Into<Value>, i64)) -> Condition {
    let k: Value = at.0.into();
    Condition::all()
        .add(key.lte(k.clone()))
        .add(Condition::any().add(key.lt(k)).add(id.lt(at.1)))
}

/// `limit + 1` rows as fetched, into the page and whether more follow.
pub(crate) fn page<T>(mut rows: Vec<T>, limit: u64) -> (Vec<T>, bool) {
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    (rows, more)
}
