//! Plugins: the processors register (PRV-2), installed plugin versions with their precompiled
//! artefacts, each label's enabled plugins with settings, encrypted secrets and allowed hosts,
//! and the disclosures made through plugins.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Processors::Table)
                .col(big_pk_auto(Processors::Id))
                .col(string_uniq(Processors::Name))
                .col(text(Processors::Purpose))
                // Comma-separated data categories the processor receives.
                .col(text(Processors::DataCategories))
                .col(string(Processors::AgreementReference))
                .col(timestamp_with_time_zone(Processors::CreatedAt))
                .col(timestamp_with_time_zone(Processors::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Plugins::Table)
                .col(big_pk_auto(Plugins::Id))
                .col(string(Plugins::Name))
                .col(string(Plugins::Version))
                .col(string(Plugins::Kind))
                .col(blob(Plugins::Wasm))
                .col(string(Plugins::WasmSha256))
                .col(blob(Plugins::Compiled))
                .col(string(Plugins::CompiledSha256))
                .col(string(Plugins::EngineHash))
                .col(big_integer_null(Plugins::InstalledBy))
                .col(timestamp_with_time_zone(Plugins::InstalledAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_plugins_name_version")
                .table(Plugins::Table)
                .col(Plugins::Name)
                .col(Plugins::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LabelPlugins::Table)
                .col(big_pk_auto(LabelPlugins::Id))
                .col(string(LabelPlugins::Label))
                .col(string(LabelPlugins::PluginName))
                .col(string(LabelPlugins::Version))
                .col(text(LabelPlugins::Settings).default("{}"))
                // Sealed with the server's secrets key; never shown back.
                .col(text_null(LabelPlugins::SealedSecrets))
                .col(text(LabelPlugins::AllowedHosts).default("[]"))
                .col(big_integer_null(LabelPlugins::ProcessorId))
                .col(timestamp_with_time_zone(LabelPlugins::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(LabelPlugins::Table, LabelPlugins::ProcessorId)
                        .to(Processors::Table, Processors::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_label_plugins_label_plugin")
                .table(LabelPlugins::Table)
                .col(LabelPlugins::Label)
                .col(LabelPlugins::PluginName)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Disclosures::Table)
                .col(big_pk_auto(Disclosures::Id))
                .col(timestamp_with_time_zone(Disclosures::At))
                .col(string(Disclosures::Label))
                .col(string(Disclosures::PluginName))
                .col(string(Disclosures::PluginVersion))
                .col(big_integer_null(Disclosures::ProcessorId))
                // What was handed over, e.g. "pseudonymous candidate features".
                .col(text(Disclosures::DataCategories))
                .col(string(Disclosures::Event))
                // The people it concerns, as ids (JSON array), so each can see it (PRV-5).
                .col(text(Disclosures::Subjects).default("[]"))
                .col(string(Disclosures::Outcome))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_disclosures_label_at")
                .table(Disclosures::Table)
                .col(Disclosures::Label)
                .col(Disclosures::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Disclosures::Table.into_iden(),
            LabelPlugins::Table.into_iden(),
            Plugins::Table.into_iden(),
            Processors::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Processors {
    Table,
    Id,
    Name,
    Purpose,
    DataCategories,
    AgreementReference,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Plugins {
    Table,
    Id,
    Name,
    Version,
    Kind,
    Wasm,
    WasmSha256,
    Compiled,
    CompiledSha256,
    EngineHash,
    InstalledBy,
    InstalledAt,
}

#[derive(DeriveIden)]
enum LabelPlugins {
    Table,
    Id,
    Label,
    PluginName,
    Version,
    Settings,
    SealedSecrets,
    AllowedHosts,
    ProcessorId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Disclosures {
    Table,
    Id,
    At,
    Label,
    PluginName,
    PluginVersion,
    ProcessorId,
    DataCategories,
    Event,
    Subjects,
    Outcome,
}
