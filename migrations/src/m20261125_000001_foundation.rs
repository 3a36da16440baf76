//! The foundation schema: labels, accounts and their roles, sessions, login throttling, password
//! resets, the first-admin setup token, server keys, the shared candidate pool with its label
//! links, privacy statement versions and acceptances, the append-only audit log and the job queue.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Labels::Table)
                .col(big_pk_auto(Labels::Id))
                .col(string_uniq(Labels::Slug))
                .col(string(Labels::Name))
                .col(text(Labels::Hostnames))
                .col(text(Labels::FileConfig))
                .col(text(Labels::Overrides).default("{}"))
                .col(timestamp_with_time_zone(Labels::CreatedAt))
                .col(timestamp_with_time_zone(Labels::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Accounts::Table)
                .col(big_pk_auto(Accounts::Id))
                .col(string_uniq(Accounts::Email))
                .col(string(Accounts::DisplayName))
                .col(string_null(Accounts::PasswordHash))
                .col(timestamp_with_time_zone(Accounts::CreatedAt))
                .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                .col(timestamp_with_time_zone_null(Accounts::LastLoginAt))
                .col(timestamp_with_time_zone_null(Accounts::DisabledAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AccountRoles::Table)
                .col(big_pk_auto(AccountRoles::Id))
                .col(big_integer(AccountRoles::AccountId))
                // "platform" or a label slug: the casbin domain the role holds in.
                .col(string(AccountRoles::Domain))
                .col(string(AccountRoles::Role))
                .col(big_integer_null(AccountRoles::GrantedBy))
                .col(timestamp_with_time_zone(AccountRoles::GrantedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(AccountRoles::Table, AccountRoles::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_account_roles_account_domain_role")
                .table(AccountRoles::Table)
                .col(AccountRoles::AccountId)
                .col(AccountRoles::Domain)
                .col(AccountRoles::Role)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(big_pk_auto(Sessions::Id))
                .col(string_uniq(Sessions::TokenHash))
                .col(big_integer(Sessions::AccountId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(big_pk_auto(LoginAttempts::Id))
                // "account" (key: the e-mail address tried) or "ip" (key: the client address).
                .col(string(LoginAttempts::Scope))
                .col(string(LoginAttempts::Key))
                .col(big_integer(LoginAttempts::AtMs))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_attempts_scope_key_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Scope)
                .col(LoginAttempts::Key)
                .col(LoginAttempts::AtMs)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(big_pk_auto(PasswordResets::Id))
                .col(string_uniq(PasswordResets::TokenHash))
                .col(big_integer(PasswordResets::AccountId))
                .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordResets::Table, PasswordResets::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SetupTokens::Table)
                .col(big_pk_auto(SetupTokens::Id))
                .col(string_uniq(SetupTokens::TokenHash))
                .col(timestamp_with_time_zone(SetupTokens::CreatedAt))
                .col(timestamp_with_time_zone(SetupTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(SetupTokens::UsedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ServerKeys::Table)
                .col(string(ServerKeys::Name).primary_key())
                .col(string(ServerKeys::Secret))
                .col(timestamp_with_time_zone(ServerKeys::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Candidates::Table)
                .col(big_pk_auto(Candidates::Id))
                .col(string_uniq(Candidates::Email))
                .col(string_null(Candidates::FirstName))
                .col(string_null(Candidates::LastName))
                .col(string_null(Candidates::Phone))
                .col(string(Candidates::Availability).default("available"))
                .col(big_integer_null(Candidates::AccountId))
                .col(timestamp_with_time_zone(Candidates::CreatedAt))
                .col(timestamp_with_time_zone(Candidates::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Candidates::Table, Candidates::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CandidateLabels::Table)
                .col(big_pk_auto(CandidateLabels::Id))
                .col(big_integer(CandidateLabels::CandidateId))
                .col(big_integer(CandidateLabels::LabelId))
                // How the person came in through this label: "signup", "application", …
                .col(string(CandidateLabels::Source))
                .col(timestamp_with_time_zone(CandidateLabels::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateLabels::Table, CandidateLabels::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(CandidateLabels::Table, CandidateLabels::LabelId)
                        .to(Labels::Table, Labels::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_candidate_labels_candidate_label")
                .table(CandidateLabels::Table)
                .col(CandidateLabels::CandidateId)
                .col(CandidateLabels::LabelId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StatementVersions::Table)
                .col(big_pk_auto(StatementVersions::Id))
                .col(big_integer(StatementVersions::LabelId))
                .col(string(StatementVersions::Version))
                .col(date(StatementVersions::PublishedOn))
                .col(text(StatementVersions::Body))
                .col(string(StatementVersions::Sha256))
                .col(timestamp_with_time_zone(StatementVersions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(StatementVersions::Table, StatementVersions::LabelId)
                        .to(Labels::Table, Labels::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_statement_versions_label_version")
                .table(StatementVersions::Table)
                .col(StatementVersions::LabelId)
                .col(StatementVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StatementAcceptances::Table)
                .col(big_pk_auto(StatementAcceptances::Id))
                .col(big_integer(StatementAcceptances::StatementVersionId))
                .col(big_integer(StatementAcceptances::CandidateId))
                .col(big_integer(StatementAcceptances::LabelId))
                // Where it was accepted: "signup", "application", "new-version", …
                .col(string(StatementAcceptances::Channel))
                .col(timestamp_with_time_zone(StatementAcceptances::AcceptedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            StatementAcceptances::Table,
                            StatementAcceptances::StatementVersionId,
                        )
                        .to(StatementVersions::Table, StatementVersions::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            StatementAcceptances::Table,
                            StatementAcceptances::CandidateId,
                        )
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(StatementAcceptances::Table, StatementAcceptances::LabelId)
                        .to(Labels::Table, Labels::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(big_pk_auto(AuditEvents::Id))
                .col(timestamp_with_time_zone(AuditEvents::At))
                // Ids, not names or addresses: the log must outlive an erasure without keeping
                // the erased person's data.
                .col(big_integer_null(AuditEvents::ActorAccountId))
                .col(string_null(AuditEvents::Label))
                .col(string(AuditEvents::Action))
                .col(string(AuditEvents::Subject))
                .col(text(AuditEvents::Details).default("{}"))
                .col(string_null(AuditEvents::RequestId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_events_label_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::Label)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(big_pk_auto(Jobs::Id))
                .col(string(Jobs::Kind))
                .col(text_null(Jobs::Payload))
                // "queued" until done or given up; a lease (locked_until) marks one in progress.
                .col(string(Jobs::Status))
                .col(integer(Jobs::Attempts).default(0))
                .col(integer(Jobs::MaxAttempts))
                // Scheduling times are epoch milliseconds so that the leasing query compares
                // integers identically on SQLite and PostgreSQL.
                .col(big_integer(Jobs::RunAtMs))
                .col(big_integer_null(Jobs::LockedUntilMs))
                .col(string_null(Jobs::LockedBy))
                .col(text_null(Jobs::LastError))
                .col(big_integer(Jobs::CreatedAtMs))
                .col(big_integer_null(Jobs::FinishedAtMs))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_jobs_status_run_at")
                .table(Jobs::Table)
                .col(Jobs::Status)
                .col(Jobs::RunAtMs)
                .to_owned(),
        )
        .await?;

        append_only_audit(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE")
                .await?;
        }
        for table in [
            Jobs::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            StatementAcceptances::Table.into_iden(),
            StatementVersions::Table.into_iden(),
            CandidateLabels::Table.into_iden(),
            Candidates::Table.into_iden(),
            ServerKeys::Table.into_iden(),
            SetupTokens::Table.into_iden(),
            PasswordResets::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            Sessions::Table.into_iden(),
            AccountRoles::Table.into_iden(),
            Accounts::Table.into_iden(),
            Labels::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// The audit log is append-only in the database itself, not just by convention in the code, so
/// that no bug and no hand-written SQL can quietly rewrite history.
async fn append_only_audit(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.execute_unprepared(
                "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
                 BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
                 BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
            )
            .await?;
        }
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                 FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
            )
            .await?;
        }
        other => {
            return Err(DbErr::Migration(format!(
                "unsupported database backend {other:?}"
            )));
        }
    }
    Ok(())
}

#[derive(DeriveIden)]
enum Labels {
    Table,
    Id,
    Slug,
    Name,
    Hostnames,
    FileConfig,
    Overrides,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
    DisabledAt,
}

#[derive(DeriveIden)]
enum AccountRoles {
    Table,
    Id,
    AccountId,
    Domain,
    Role,
    GrantedBy,
    GrantedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Scope,
    Key,
    AtMs,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum SetupTokens {
    Table,
    Id,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ServerKeys {
    Table,
    Name,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
    Email,
    FirstName,
    LastName,
    Phone,
    Availability,
    AccountId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CandidateLabels {
    Table,
    Id,
    CandidateId,
    LabelId,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StatementVersions {
    Table,
    Id,
    LabelId,
    Version,
    PublishedOn,
    Body,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StatementAcceptances {
    Table,
    Id,
    StatementVersionId,
    CandidateId,
    LabelId,
    Channel,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorAccountId,
    Label,
    Action,
    Subject,
    Details,
    RequestId,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    Status,
    Attempts,
    MaxAttempts,
    RunAtMs,
    LockedUntilMs,
    LockedBy,
    LastError,
    CreatedAtMs,
    FinishedAtMs,
}
