use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub holder_id: i64,
    pub from_organisation_id: i64,
    pub from_user_id: i64,
    pub to_organisation_id: i64,
    pub service_id: Option<i64>,
    pub need: String,
    pub message: Option<String>,
    pub status: String,
    pub decline_reason: Option<String>,
    pub decline_text: Option<String>,
    pub outcome: Option<String>,
    pub sent_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub last_reminded_at: Option<DateTimeUtc>,
    pub reminders_sent: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
