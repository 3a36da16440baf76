//! Storage: the connection to SQLite or PostgreSQL and the sea-orm entities.
pub mod entities;
pub mod versions;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::{CoreError, CoreResult};

pub use sea_orm::DatabaseConnection as Db;

/// Opens the database at `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite runs in WAL mode with `synchronous = FULL` and foreign keys on: a committed write
/// survives a crash of the process or the machine, readers never block the writer, and the
/// references the schema declares are enforced as they are on PostgreSQL. `secure_delete` zeroes
/// what a delete frees, so an erased candidate's bytes do not survive in free pages.
pub async fn connect(url: &str) -> CoreResult<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        options.max_connections(8).min_connections(1);
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // CAN-3: deleted rows are overwritten with zeros, not left in free pages.
                .pragma("secure_delete", "on")
                .create_if_missing(true)
        });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        options.max_connections(16).min_connections(1);
    } else {
        return Err(CoreError::invalid(
            "database_url",
            "must start with sqlite: or postgres:",
        ));
    }
    let db = Database::connect(options).await?;
    Ok(db)
}

/// A short name of the backend for logs and health output.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    }
}

/// The SQLite URL for a database file inside `data_dir`.
pub fn sqlite_url_for(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once: a
/// transaction that reads first and writes later cannot wait for another writer (its snapshot
/// would be stale) and fails with "database is locked" instead, whatever the busy timeout. A
/// write as the first statement waits its turn under the busy timeout. PostgreSQL needs nothing.
pub async fn begin_write<C>(db: &C) -> CoreResult<sea_orm::DatabaseTransaction>
where
    C: sea_orm::ConnectionTrait
        + sea_orm::TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
{
    use sea_orm::{ConnectionTrait, Statement};
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // Matches no row, but is a write: SQLite takes the write lock for it.
        txn.execute_raw(Statement::from_string(
            DbBackend::Sqlite,
            "UPDATE server_keys SET name = name WHERE 0",
        ))
        .await?;
    }
    Ok(txn)
}
