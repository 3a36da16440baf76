//! Table `label_plugins`: a plugin enabled for a label, with its settings and sealed secrets.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "label_plugins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub label: String,
    pub plugin_name: String,
    pub version: String,
    #[sea_orm(column_type = "Text")]
    pub settings: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub sealed_secrets: Option<String>,
    pub processor_id: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
