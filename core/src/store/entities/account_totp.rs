//! Table `account_totp`: an account's TOTP secret, sealed with the server key.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_totp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i64,
    /// The secret sealed for this account (see `accounts::two_factor`); never the plain secret.
    pub secret_sealed: String,
    pub created_at: DateTimeUtc,
    /// Unset while the enrolment waits for its first valid code.
    pub confirmed_at: Option<DateTimeUtc>,
    /// The last time step a code was accepted for.
    pub last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
