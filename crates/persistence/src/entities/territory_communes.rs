use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "territory_communes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub territory_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_insee: String,
    pub commune_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
