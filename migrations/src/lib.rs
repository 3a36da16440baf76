//! Etalage's schema, one migration per step (`mYYYYMMDD_NNNNNN_name.rs`). The same migrations run
//! on SQLite and PostgreSQL; anything backend-specific is spelled out per backend in the step.
#![allow(
    clippy::disallowed_methods,
    reason = "migrations are fixed DDL with no input in them: raw SQL is what they are"
)]
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_authz;
mod m20261125_000003_plugins;
mod m20261125_000004_role_restrictions;
mod m20261125_000005_plugin_interface;
mod m20261125_000007_accounts;
mod m20261125_000009_processor_endpoints;
mod m20261125_000010_totp;
mod m20261125_000011_authz_versions;
mod m20261125_000012_privacy_requests;
mod m20261125_000013_candidates;
mod m20261125_000014_documents;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_authz::Migration),
            Box::new(m20261125_000003_plugins::Migration),
            Box::new(m20261125_000004_role_restrictions::Migration),
            Box::new(m20261125_000005_plugin_interface::Migration),
            Box::new(m20261125_000009_processor_endpoints::Migration),
            Box::new(m20261125_000007_accounts::Migration),
            Box::new(m20261125_000010_totp::Migration),
            Box::new(m20261125_000011_authz_versions::Migration),
            Box::new(m20261125_000012_privacy_requests::Migration),
            Box::new(m20261125_000013_candidates::Migration),
            Box::new(m20261125_000014_documents::Migration),
        ]
    }
}
