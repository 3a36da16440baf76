//! The register of data-subject requests (PRV-1): who asked what, through which channel, when
//! it arrived and is due, how the requester's identity was checked, and how it was answered.
//!
//! - Deadlines are stored when a request is registered (they depend on the holiday settings of
//!   that moment), so lists can filter and sort on them in SQL.
//! - The requester's name, contact and the free texts are personal data (data group "privacy
//!   requests"); an erasure clears them and the candidate link but keeps the row as the record
//!   that the request was handled.
//! - The policy gains `privacy.request` read/write for platform admins, label operators and
//!   recruiters. A database that has no policy yet gets it from `policy.csv` on first start;
//!   one that has one gets the new rules here.
//! - The daily reminder is scheduled at most once per day, like the purge.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The rules this step adds to a live policy; `policy.csv` has the same lines.
const RULES: [(&str, &str); 6] = [
    ("platform-admin", "read"),
    ("platform-admin", "write"),
    ("label-operator", "read"),
    ("label-operator", "write"),
    ("recruiter", "read"),
    ("recruiter", "write"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PrivacyRequests::Table)
                .col(big_pk_auto(PrivacyRequests::Id))
                .col(string(PrivacyRequests::Label))
                .col(big_integer_null(PrivacyRequests::CandidateId))
                .col(text_null(PrivacyRequests::RequesterName))
                .col(text_null(PrivacyRequests::RequesterContact))
                .col(string(PrivacyRequests::Kind))
                .col(string(PrivacyRequests::Channel))
                .col(text_null(PrivacyRequests::Description))
                .col(date(PrivacyRequests::ReceivedOn))
                .col(date(PrivacyRequests::DueOn))
                .col(date(PrivacyRequests::LegalLimitOn))
                .col(string(PrivacyRequests::IdentityCheck).default("not_done"))
                .col(text_null(PrivacyRequests::IdentityMethod))
                .col(string(PrivacyRequests::Status).default("received"))
                .col(text_null(PrivacyRequests::Answer))
                .col(timestamp_with_time_zone_null(PrivacyRequests::AnsweredAt))
                .col(big_integer_null(PrivacyRequests::HandledBy))
                .col(timestamp_with_time_zone(PrivacyRequests::CreatedAt))
                .col(timestamp_with_time_zone(PrivacyRequests::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PrivacyRequests::Table, PrivacyRequests::CandidateId)
                        .to(Candidates::Table, Candidates::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_privacy_requests_label_due")
                .table(PrivacyRequests::Table)
                .col(PrivacyRequests::Label)
                .col(PrivacyRequests::DueOn)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_privacy_requests_candidate")
                .table(PrivacyRequests::Table)
                .col(PrivacyRequests::CandidateId)
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for (role, action) in RULES {
            // Only into a policy that exists (an empty table is seeded whole on first start),
            // and only once.
            db.execute_unprepared(&format!(
                "INSERT INTO casbin_rules (ptype, v0, v1, v2) \
                 SELECT 'p', '{role}', 'privacy.request', '{action}' \
                 WHERE EXISTS (SELECT 1 FROM casbin_rules) \
                 AND NOT EXISTS (SELECT 1 FROM casbin_rules WHERE ptype = 'p' AND v0 = '{role}' \
                 AND v1 = 'privacy.request' AND v2 = '{action}')"
            ))
            .await?;
        }
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_jobs_daily_privacy_reminder ON jobs (kind, payload) \
             WHERE kind = 'privacy.requests.reminder'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX ux_jobs_daily_privacy_reminder")
            .await?;
        db.execute_unprepared("DELETE FROM casbin_rules WHERE v1 = 'privacy.request'")
            .await?;
        m.drop_table(Table::drop().table(PrivacyRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PrivacyRequests {
    Table,
    Id,
    Label,
    CandidateId,
    RequesterName,
    RequesterContact,
    Kind,
    Channel,
    Description,
    ReceivedOn,
    DueOn,
    LegalLimitOn,
    IdentityCheck,
    IdentityMethod,
    Status,
    Answer,
    AnsweredAt,
    HandledBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
}
