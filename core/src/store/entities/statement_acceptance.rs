//! Table `statement_acceptances`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_acceptances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub statement_version_id: i64,
    pub candidate_id: i64,
    pub label_id: i64,
    pub channel: String,
    pub accepted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
