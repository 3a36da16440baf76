//! Which version of the `etalage:plugin` interface each installed plugin was built against, so
//! that admins see which plugins use an older interface. Every plugin installed before this
//! step was built for 0.1.0, the only version there was.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Plugins::Table)
                .add_column(string(Plugins::InterfaceVersion).default("0.1.0"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Plugins::Table)
                .drop_column(Plugins::InterfaceVersion)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Plugins {
    Table,
    InterfaceVersion,
}
