use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub holder_id: i64,
    pub idea: String,
    pub sector: Option<String>,
    pub planned_legal_form: Option<String>,
    pub micro_entreprise: bool,
    pub collective: bool,
    pub financing_need_eur: Option<i64>,
    pub siret: Option<String>,
    pub created_on: Option<Date>,
    pub legal_form: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
