//! A migrated SQLite database in a temporary directory, for the unit tests of rules that read
//! accounts and roles. The end-to-end suite runs the same rules on PostgreSQL as well.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use etalage_migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tempfile::TempDir;

use crate::accounts;
use crate::authz::Authz;
use crate::domain::Email;
use crate::store;

pub struct TestDb {
    pub db: DatabaseConnection,
    _dir: TempDir,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let db = store::connect(&store::sqlite_url_for(&dir.path().join("test.db")))
            .await
            .unwrap();
        Migrator::up(&db, None).await.unwrap();
        TestDb { db, _dir: dir }
    }

    /// The enforcer as it stands after the accounts were made.
    pub async fn authz(&self) -> Authz {
        Authz::load(self.db.clone()).await.unwrap()
    }
}

/// An account holding `roles` (domain, role), written directly as the seeding commands do.
pub async fn account_with(t: &TestDb, email: &str, roles: &[(&str, &str)]) -> i64 {
    let email = Email::parse(email).unwrap();
    let account = accounts::create(&t.db, &email, "Test person", None)
        .await
        .unwrap();
    for (domain, role) in roles {
        accounts::grant_role(&t.db, account.id, domain, role, None)
            .await
            .unwrap();
    }
    account.id
}
