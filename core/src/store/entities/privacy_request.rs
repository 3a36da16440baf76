//! Table `privacy_requests` (data group "privacy requests", PRV-1).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "privacy_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The slug of the label the request arrived through.
    pub label: String,
    pub candidate_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub requester_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub requester_contact: Option<String>,
    pub kind: String,
    pub channel: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub received_on: Date,
    pub due_on: Date,
    pub legal_limit_on: Date,
    pub identity_check: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub identity_method: Option<String>,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub handled_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
