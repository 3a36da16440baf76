//! Two-factor login (issue 7, "Accounts"): an account's TOTP secret (sealed with the server
//! key), its single-use recovery codes (hashes only), and the short-lived pending logins that
//! sit between a correct password and the second factor (token hashes only).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AccountTotp::Table)
                // One secret per account: enrolling again replaces an unconfirmed one.
                .col(big_integer(AccountTotp::AccountId).primary_key())
                .col(text(AccountTotp::SecretSealed))
                .col(timestamp_with_time_zone(AccountTotp::CreatedAt))
                .col(timestamp_with_time_zone_null(AccountTotp::ConfirmedAt))
                // The last time step a code was accepted for; no code of it or before is
                // accepted again (RFC 6238, section 5.2).
                .col(big_integer_null(AccountTotp::LastStep))
                .foreign_key(
                    ForeignKey::create()
                        .from(AccountTotp::Table, AccountTotp::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecoveryCodes::Table)
                .col(big_pk_auto(RecoveryCodes::Id))
                .col(big_integer(RecoveryCodes::AccountId))
                .col(string(RecoveryCodes::CodeHash))
                .col(timestamp_with_time_zone(RecoveryCodes::CreatedAt))
                .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RecoveryCodes::Table, RecoveryCodes::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_recovery_codes_account_hash")
                .table(RecoveryCodes::Table)
                .col(RecoveryCodes::AccountId)
                .col(RecoveryCodes::CodeHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PendingLogins::Table)
                .col(big_pk_auto(PendingLogins::Id))
                .col(string_uniq(PendingLogins::TokenHash))
                .col(big_integer(PendingLogins::AccountId))
                .col(timestamp_with_time_zone(PendingLogins::CreatedAt))
                .col(timestamp_with_time_zone(PendingLogins::ExpiresAt))
                .col(timestamp_with_time_zone_null(PendingLogins::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PendingLogins::Table, PendingLogins::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PendingLogins::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(RecoveryCodes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(AccountTotp::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AccountTotp {
    Table,
    AccountId,
    SecretSealed,
    CreatedAt,
    ConfirmedAt,
    LastStep,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    AccountId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PendingLogins {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
