//! Hand-written SQL for both engines: text with `?` placeholders and the values they
//! stand for, numbered `$1, $2…` for PostgreSQL when run. For the queries sea-orm's
//! builder does not express well (reports, a few joins).

use crate::Result;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

/// A query being written.
#[derive(Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) values: Vec<Value>,
}

impl Sql {
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// `(?, ?, …)` for a list of ids; `(NULL)` — which matches nothing — when empty.
    pub(crate) fn ids(&mut self, ids: &[i64]) -> &mut Self {
        self.text.push('(');
        if ids.is_empty() {
            self.text.push_str("NULL");
        }
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(*id);
        }
        self.text.push(')');
        self
    }

    /// The statement, with placeholders numbered for PostgreSQL.
    pub(crate) fn statement(&self, backend: DbBackend) -> Statement {
        let text = if backend == DbBackend::Postgres {
            let mut out = String::with_capacity(self.text.len() + 16);
            let mut n = 0;
            for c in self.text.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        } else {
            self.text.clone()
        };
        Statement::from_sql_and_values(backend, text, self.values.clone())
    }

    pub(crate) async fn all(&self, conn: &impl ConnectionTrait) -> Result<Vec<QueryResult>> {
        Ok(conn
            .query_all_raw(self.statement(conn.get_database_backend()))
            .await?)
    }

    /// `(label, n)` rows.
    pub(crate) async fn counts(&self, conn: &impl ConnectionTrait) -> Result<Vec<(String, i64)>> {
        self.all(conn)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("", "label")?, row.try_get("", "n")?)))
            .collect()
    }

    /// The named columns of a one-row aggregate, 0 where the aggregate is empty (a
    /// `SUM` over no row is NULL).
    pub(crate) async fn sums<const N: usize>(
        &self,
        conn: &impl ConnectionTrait,
        columns: [&str; N],
    ) -> Result<[i64; N]> {
        let rows = self.all(conn).await?;
        let mut sums = [0; N];
        if let Some(row) = rows.first() {
            for (sum, column) in sums.iter_mut().zip(columns) {
                *sum = sum_of(row, column)?;
            }
        }
        Ok(sums)
    }
}

/// An aggregate column of a row, 0 when NULL.
pub(crate) fn sum_of(row: &QueryResult, column: &str) -> Result<i64> {
    Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
}
