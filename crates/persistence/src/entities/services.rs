use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub description: String,
    pub stage: String,
    /// Comma-separated need words.
    pub needs: String,
    /// Comma-separated public words.
    pub publics: String,
    /// Comma-separated free sector names.
    pub sectors: String,
    pub financing_min_eur: Option<i64>,
    pub financing_max_eur: Option<i64>,
    pub places: Option<i32>,
    pub contact: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
