//! Table `labels`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "labels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// JSON array of the hostnames the label answers on.
    pub hostnames: String,
    /// The label file as loaded (JSON), refreshed at every start.
    pub file_config: String,
    /// Settings changed at run time by operators (JSON); they survive restarts and file reloads.
    pub overrides: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
