//! Account self-service and housekeeping: sessions remember the client they were started from
//! (so the owner can tell them apart), unlock links let an address's owner log in past the
//! per-address throttle, and the daily purge is scheduled at most once per day.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(string_null(Sessions::Client))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginUnlocks::Table)
                .col(big_pk_auto(LoginUnlocks::Id))
                .col(string_uniq(LoginUnlocks::TokenHash))
                .col(big_integer(LoginUnlocks::AccountId))
                .col(timestamp_with_time_zone(LoginUnlocks::CreatedAt))
                .col(timestamp_with_time_zone(LoginUnlocks::ExpiresAt))
                .col(timestamp_with_time_zone_null(LoginUnlocks::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(LoginUnlocks::Table, LoginUnlocks::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One row per (kind, day) for the daily jobs: several server processes each schedule
        // the next run, and the database keeps exactly one. Both backends accept a partial
        // unique index in this spelling.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_jobs_daily ON jobs (kind, payload) \
                 WHERE kind = 'accounts.purge'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX ux_jobs_daily")
            .await?;
        m.drop_table(Table::drop().table(LoginUnlocks::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .drop_column(Sessions::Client)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Client,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LoginUnlocks {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
