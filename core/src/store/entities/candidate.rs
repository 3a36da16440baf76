//! Table `candidates`: one person in the shared pool, whichever labels they came through.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub availability: String,
    pub account_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub place: Option<String>,
    pub province: Option<String>,
    pub desired_work: Option<String>,
    pub hours_per_week: Option<i32>,
    /// JSON list of strings.
    #[sea_orm(column_type = "Text")]
    pub skills: String,
    pub years_experience: Option<i32>,
    pub education: Option<String>,
    /// JSON list of strings.
    #[sea_orm(column_type = "Text")]
    pub languages: String,
    /// JSON list of strings.
    #[sea_orm(column_type = "Text")]
    pub driving_licences: String,
    pub available_from: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub email_verified_at: Option<DateTimeUtc>,
    pub visible_to_all_labels: bool,
    pub in_showcase: bool,
    pub vacancy_mails: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
