//! Change versions (issue 7): one counter per kind of shared state that every server process
//! keeps in memory (`authz`: role links, role policies and label narrowings; `labels`: label
//! settings). Every change bumps its counter in the same transaction, so a server reloads only
//! when something changed, and a change made on one server reaches the others.
//!
//! Roles are now handed out by permission: whoever grants a role must hold every permission it
//! carries. Label operators appoint recruiters and coaches, so a live policy that still gives
//! operators their rules gains the three the default policy now gives them (a fresh database
//! is seeded from `policy.csv`, which has them).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ChangeVersions::Table)
                .col(string(ChangeVersions::Topic).primary_key())
                .col(big_integer(ChangeVersions::Version).default(0))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(ChangeVersions::Table)
                .columns([ChangeVersions::Topic, ChangeVersions::Version])
                .values_panic(["authz".into(), 0i64.into()])
                .values_panic(["labels".into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        for (resource, action) in [
            ("candidate", "update"),
            ("candidate.documents", "read"),
            ("showcase", "write"),
        ] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "INSERT INTO casbin_rules (ptype, v0, v1, v2) \
                     SELECT 'p', 'label-operator', '{resource}', '{action}' \
                     WHERE EXISTS (SELECT 1 FROM casbin_rules WHERE v0 = 'label-operator') \
                     AND NOT EXISTS (SELECT 1 FROM casbin_rules WHERE ptype = 'p' \
                     AND v0 = 'label-operator' AND v1 = '{resource}' AND v2 = '{action}')"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChangeVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChangeVersions {
    Table,
    Topic,
    Version,
}
