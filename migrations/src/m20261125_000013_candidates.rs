//! Candidates and their privacy rights (issue 8): the profile's fields, the consent ledger that
//! replaces the bare statement acceptances, e-mail verification links, one-time login codes,
//! the label's own notes on a candidate and erasure receipts.
//!
//! `statement_acceptances` held nothing yet (no sign-up existed); the ledger records the same
//! fact as one purpose among others, so there is one history of consent, not two.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StatementAcceptances::Table).to_owned())
            .await?;
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .rename_column(Candidates::FirstName, Candidates::Name)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Candidates::Table)
                .drop_column(Candidates::LastName)
                .to_owned(),
        )
        .await?;
        let columns = [
            string_null(Candidates::Place),
            string_null(Candidates::Province),
            string_null(Candidates::DesiredWork),
            integer_null(Candidates::HoursPerWeek),
            // JSON lists of strings.
            text(Candidates::Skills).default("[]").to_owned(),
            integer_null(Candidates::YearsExperience),
            string_null(Candidates::Education),
            text(Candidates::Languages).default("[]").to_owned(),
            text(Candidates::DrivingLicences).default("[]").to_owned(),
            date_null(Candidates::AvailableFrom),
            text_null(Candidates::Summary),
            timestamp_with_time_zone_null(Candidates::EmailVerifiedAt),
            // The current state of the purposes the candidate switches; the history is the
            // ledger. Kept here so that every "who may see this candidate" query is one row.
            boolean(Candidates::VisibleToAllLabels)
                .default(false)
                .to_owned(),
            boolean(Candidates::InShowcase).default(false).to_owned(),
            boolean(Candidates::VacancyMails).default(false).to_owned(),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Candidates::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(ConsentEvents::Table)
                .col(big_pk_auto(ConsentEvents::Id))
                .col(big_integer(ConsentEvents::CandidateId))
                .col(big_integer(ConsentEvents::LabelId))
                // "privacy-statement", "other-labels", "showcase", "vacancy-mails", …
                .col(string(ConsentEvents::Purpose))
                .col(big_integer_null(ConsentEvents::StatementVersionId))
                .col(boolean(ConsentEvents::Given))
                // Which form or API call recorded it: "signup-form", "api", "portal", …
                .col(string(ConsentEvents::Form))
                .col(timestamp_with_time_zone(ConsentEvents::RecordedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ConsentEvents::Table, ConsentEvents::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ConsentEvents::Table, ConsentEvents::LabelId)
                        .to(Labels::Table, Labels::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ConsentEvents::Table, ConsentEvents::StatementVersionId)
                        .to(StatementVersions::Table, StatementVersions::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_consent_events_candidate")
                .table(ConsentEvents::Table)
                .col(ConsentEvents::CandidateId)
                .col(ConsentEvents::RecordedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(EmailVerifications::Table)
                .col(big_pk_auto(EmailVerifications::Id))
                .col(big_integer(EmailVerifications::CandidateId))
                .col(string_uniq(EmailVerifications::TokenHash))
                .col(timestamp_with_time_zone(EmailVerifications::CreatedAt))
                .col(timestamp_with_time_zone(EmailVerifications::ExpiresAt))
                .col(timestamp_with_time_zone_null(EmailVerifications::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailVerifications::Table, EmailVerifications::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginCodes::Table)
                .col(big_pk_auto(LoginCodes::Id))
                .col(big_integer(LoginCodes::AccountId))
                // The six digits and the link's token, both hashed.
                .col(string(LoginCodes::CodeHash))
                .col(string_uniq(LoginCodes::TokenHash))
                .col(integer(LoginCodes::Attempts).default(0))
                .col(timestamp_with_time_zone(LoginCodes::CreatedAt))
                .col(timestamp_with_time_zone(LoginCodes::ExpiresAt))
                .col(timestamp_with_time_zone_null(LoginCodes::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(LoginCodes::Table, LoginCodes::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_codes_account")
                .table(LoginCodes::Table)
                .col(LoginCodes::AccountId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CandidateNotes::Table)
                .col(big_pk_auto(CandidateNotes::Id))
                .col(big_integer(CandidateNotes::CandidateId))
                .col(big_integer(CandidateNotes::LabelId))
                .col(big_integer_null(CandidateNotes::AuthorAccountId))
                .col(text(CandidateNotes::Body))
                .col(timestamp_with_time_zone(CandidateNotes::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateNotes::Table, CandidateNotes::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateNotes::Table, CandidateNotes::LabelId)
                        .to(Labels::Table, Labels::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateNotes::Table, CandidateNotes::AuthorAccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;

        // Erasure on request is staff work in a label (recruiters, and operators, who must hold
        // what they hand out): a database seeded with the older default policy gains it.
        for role in ["recruiter", "label-operator"] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "INSERT INTO casbin_rules (ptype, v0, v1, v2) \
                     SELECT 'p', '{role}', 'candidate', 'delete' \
                     WHERE EXISTS (SELECT 1 FROM casbin_rules WHERE v0 = '{role}') \
                     AND NOT EXISTS (SELECT 1 FROM casbin_rules WHERE ptype = 'p' \
                     AND v0 = '{role}' AND v1 = 'candidate' AND v2 = 'delete')"
                ))
                .await?;
        }

        m.create_table(
            Table::create()
                .table(ErasureReceipts::Table)
                // A random id: the receipt must not lead back to the person.
                .col(string(ErasureReceipts::Id).primary_key())
                .col(timestamp_with_time_zone(ErasureReceipts::ErasedAt))
                // "self", "staff", "bounce", "retention"
                .col(string(ErasureReceipts::Via))
                .col(text(ErasureReceipts::DataGroups))
                .col(text(ErasureReceipts::ProcessorsTold).default("[]"))
                .col(timestamp_with_time_zone_null(
                    ErasureReceipts::IndexPurgedAt,
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ErasureReceipts::Table.into_iden(),
            CandidateNotes::Table.into_iden(),
            LoginCodes::Table.into_iden(),
            EmailVerifications::Table.into_iden(),
            ConsentEvents::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Err(DbErr::Migration(
            "the candidate profile columns are not taken back; restore a backup instead".into(),
        ))
    }
}

#[derive(DeriveIden)]
enum StatementAcceptances {
    Table,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
    FirstName,
    LastName,
    Name,
    Place,
    Province,
    DesiredWork,
    HoursPerWeek,
    Skills,
    YearsExperience,
    Education,
    Languages,
    DrivingLicences,
    AvailableFrom,
    Summary,
    EmailVerifiedAt,
    VisibleToAllLabels,
    InShowcase,
    VacancyMails,
}

#[derive(DeriveIden)]
enum Labels {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StatementVersions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConsentEvents {
    Table,
    Id,
    CandidateId,
    LabelId,
    Purpose,
    StatementVersionId,
    Given,
    Form,
    RecordedAt,
}

#[derive(DeriveIden)]
enum EmailVerifications {
    Table,
    Id,
    CandidateId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum LoginCodes {
    Table,
    Id,
    AccountId,
    CodeHash,
    TokenHash,
    Attempts,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum CandidateNotes {
    Table,
    Id,
    CandidateId,
    LabelId,
    AuthorAccountId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ErasureReceipts {
    Table,
    Id,
    ErasedAt,
    Via,
    DataGroups,
    ProcessorsTold,
    IndexPurgedAt,
}
