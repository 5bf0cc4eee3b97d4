use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub holder_id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub duration_minutes: Option<i32>,
    /// Comma-separated topic words.
    pub topics: String,
    pub notes: Option<String>,
    pub next_action: Option<String>,
    pub next_action_due: Option<Date>,
    pub next_action_done_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
