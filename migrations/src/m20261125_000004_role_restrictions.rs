//! Per-label narrowing of role policies: an operator may switch off, in their own label, a
//! permission the platform policy gives a role below theirs (never add one).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RoleRestrictions::Table)
                .col(big_pk_auto(RoleRestrictions::Id))
                .col(string(RoleRestrictions::Label))
                .col(string(RoleRestrictions::Role))
                .col(string(RoleRestrictions::Resource))
                .col(string(RoleRestrictions::Action))
                .col(big_integer_null(RoleRestrictions::SetBy))
                .col(timestamp_with_time_zone(RoleRestrictions::SetAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_role_restrictions")
                .table(RoleRestrictions::Table)
                .col(RoleRestrictions::Label)
                .col(RoleRestrictions::Role)
                .col(RoleRestrictions::Resource)
                .col(RoleRestrictions::Action)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RoleRestrictions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RoleRestrictions {
    Table,
    Id,
    Label,
    Role,
    Resource,
    Action,
    SetBy,
    SetAt,
}
