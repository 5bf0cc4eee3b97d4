use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub holder_id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub kind: String,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub siret: Option<String>,
    pub occurred_at: DateTimeUtc,
    /// For a move or a closing: when the stay it ends began (the previous event).
    pub stay_started_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
