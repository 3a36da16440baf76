//! Table `statement_versions`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub label_id: i64,
    pub version: String,
    pub published_on: Date,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub sha256: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
