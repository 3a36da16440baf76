//! A throwaway PostgreSQL database per test: created with a unique name, dropped afterwards.
//!
//! The server is `ETALAGE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! Under `CI=true` an unreachable server fails the test; elsewhere the test is skipped with a
//! message saying so.
use sea_orm::{ConnectionTrait, Database};

pub struct PgDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

fn admin_url() -> String {
    std::env::var("ETALAGE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

impl PgDatabase {
    pub async fn create() -> Option<PgDatabase> {
        let admin_url = admin_url();
        let admin = match Database::connect(&admin_url).await {
            Ok(db) => db,
            Err(err) => {
                if in_ci() {
                    panic!(
                        "PostgreSQL tests are mandatory in CI, but {admin_url} is not reachable: {err}"
                    );
                }
                eprintln!(
                    "SKIPPED (PostgreSQL not reachable at {admin_url}: {err}); set ETALAGE_TEST_POSTGRES_URL to run it"
                );
                return None;
            }
        };
        let name = format!("etalage_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("can create a test database");
        let _ = admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(&admin_url);
        let query = admin_url
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        let url = format!("{base}/{name}{query}");
        Some(PgDatabase {
            url,
            admin_url,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a thread with its own runtime can block on it.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}
