use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hosting_agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub holder_id: i64,
    pub project_id: Option<i64>,
    /// The host.
    pub organisation_id: i64,
    pub start_date: Date,
    pub planned_end: Date,
    pub actual_end: Option<Date>,
    pub renewals: i32,
    pub monthly_rent_eur: i64,
    pub end_reason: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
