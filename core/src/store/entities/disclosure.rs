//! Table `disclosures`: personal data handed to a plugin or processor (PRV-2, PRV-5).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disclosures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub label: String,
    pub plugin_name: String,
    pub plugin_version: String,
    pub processor_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub data_categories: String,
    pub event: String,
    #[sea_orm(column_type = "Text")]
    pub subjects: String,
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
