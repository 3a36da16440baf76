//! The live casbin policy (`p` rules: what each role may do). Role links (`g` rules: who holds
//! which role in which label) stay in `account_roles`, with who granted them and when.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CasbinRules::Table)
                .col(big_pk_auto(CasbinRules::Id))
                .col(string(CasbinRules::Ptype))
                .col(string(CasbinRules::V0))
                .col(string(CasbinRules::V1))
                .col(string(CasbinRules::V2))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_casbin_rules")
                .table(CasbinRules::Table)
                .col(CasbinRules::Ptype)
                .col(CasbinRules::V0)
                .col(CasbinRules::V1)
                .col(CasbinRules::V2)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CasbinRules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CasbinRules {
    Table,
    Id,
    Ptype,
    V0,
    V1,
    V2,
}
