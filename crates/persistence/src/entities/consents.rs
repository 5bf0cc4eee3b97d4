use sea_orm::entity::prelude::*;

/// One statement of a holder's consent for one purpose: given or withdrawn. The latest
/// row per purpose is the current state; earlier rows are its history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub holder_id: i64,
    pub purpose: String,
    pub given: bool,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
