//! Processor destinations and authenticated plugin artefacts (issue 7).
//!
//! - The processors register owns where a processor may be reached: `processors.endpoints`
//!   (JSON list of base URLs, set by platform admins). Label operators no longer type hosts,
//!   so `label_plugins.allowed_hosts` goes.
//! - A compiled artefact is authenticated with a key the server holds, not by a hash stored
//!   beside it: `plugins.compiled_sha256` becomes `plugins.compiled_mac`. The SHA-256 values
//!   already there are not MACs, so every existing artefact fails the check once and is
//!   compiled again from its `.wasm` (and stored with its MAC) on first load.
//!
//! Sealed plugin secrets are re-sealed with their (label, plugin) as associated data by the
//! server at start-up: that needs the secrets key, which a migration does not have.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Processors::Table)
                .add_column(text(Processors::Endpoints).default("[]"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Plugins::Table)
                .rename_column(Plugins::CompiledSha256, Plugins::CompiledMac)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(LabelPlugins::Table)
                .drop_column(LabelPlugins::AllowedHosts)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(LabelPlugins::Table)
                .add_column(text(LabelPlugins::AllowedHosts).default("[]"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Plugins::Table)
                .rename_column(Plugins::CompiledMac, Plugins::CompiledSha256)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Processors::Table)
                .drop_column(Processors::Endpoints)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Processors {
    Table,
    Endpoints,
}

#[derive(DeriveIden)]
enum Plugins {
    Table,
    CompiledSha256,
    CompiledMac,
}

#[derive(DeriveIden)]
enum LabelPlugins {
    Table,
    AllowedHosts,
}
