//! Table `candidate_keys`: one data key per candidate, wrapped by the server key with the
//! candidate id as associated data. Deleting the row is crypto-shredding: every sealed document,
//! name and text of the candidate, in the store and in any backup, no longer opens.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: i64,
    pub wrapped_key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
