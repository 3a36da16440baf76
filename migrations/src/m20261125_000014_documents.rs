//! Candidate documents (issue 8): the documents' rows (the files themselves are sealed in the
//! object store) and one wrapped data key per candidate. Both go with their candidate row, so
//! even an erasure that forgot them would shred the key.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CandidateKeys::Table)
                .col(big_integer(CandidateKeys::CandidateId).primary_key())
                .col(text(CandidateKeys::WrappedKey))
                .col(timestamp_with_time_zone(CandidateKeys::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateKeys::Table, CandidateKeys::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(string_len(Documents::Id, 36).primary_key())
                .col(big_integer(Documents::CandidateId))
                .col(string(Documents::Kind))
                .col(string(Documents::Format))
                .col(big_integer(Documents::Size))
                .col(text(Documents::NameSealed))
                .col(text_null(Documents::TextSealed))
                .col(timestamp_with_time_zone(Documents::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Documents::Table, Documents::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_documents_candidate")
                .table(Documents::Table)
                .col(Documents::CandidateId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Documents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CandidateKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CandidateKeys {
    Table,
    CandidateId,
    WrappedKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    CandidateId,
    Kind,
    Format,
    Size,
    NameSealed,
    TextSealed,
    CreatedAt,
}
