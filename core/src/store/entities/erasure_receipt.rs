//! Table `erasure_receipts`: proof that an erasure happened, holding no personal data.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "erasure_receipts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub erased_at: DateTimeUtc,
    pub via: String,
    /// JSON list of data group names.
    #[sea_orm(column_type = "Text")]
    pub data_groups: String,
    /// JSON list of processor names.
    #[sea_orm(column_type = "Text")]
    pub processors_told: String,
    pub index_purged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
