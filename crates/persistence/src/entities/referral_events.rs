use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub referral_id: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// None for the scheduler.
    pub user_id: Option<i64>,
    pub reason: Option<String>,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
