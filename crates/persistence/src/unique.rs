//! Fetching the row a unique key finds.
//!
//! Not sea-orm's `.one()`: it adds `LIMIT ?`, and SQLite (3.51, with STAT4 as it is
//! bundled) treats a bound LIMIT as an input of the query plan, so the statement is
//! compiled again at every execution — dearer than the lookup itself, on the path of
//! every request (the session, the file read). A unique key needs no limit.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Select, SelectTwo};

pub(crate) trait Unique {
    type Row;
    async fn unique(self, conn: &impl ConnectionTrait) -> Result<Option<Self::Row>, DbErr>;
}

impl<E: EntityTrait> Unique for Select<E> {
    type Row = E::Model;
    async fn unique(self, conn: &impl ConnectionTrait) -> Result<Option<E::Model>, DbErr> {
        Ok(self.all(conn).await?.into_iter().next())
    }
}

impl<E: EntityTrait, F: EntityTrait> Unique for SelectTwo<E, F> {
    type Row = (E::Model, Option<F::Model>);
    async fn unique(self, conn: &impl ConnectionTrait) -> Result<Option<Self::Row>, DbErr> {
        Ok(self.all(conn).await?.into_iter().next())
    }
}
