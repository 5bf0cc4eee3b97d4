use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "qpv_communes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub qpv_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_insee: String,
    pub commune_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
