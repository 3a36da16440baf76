//! The one error type of the core. The web crate maps each variant to an HTTP status in one place.
use sea_orm::DbErr;

pub type CoreResult<T> = Result<T, CoreError>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The thing asked for does not exist (or the caller may not know it exists).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller is not logged in, or the credentials are wrong.
    #[error("not authenticated")]
    Unauthenticated,
    /// The caller is known but may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The request clashes with the current state (a duplicate, a used token, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input that does not parse or validate; `field` names the input at fault.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts, retry after {retry_after_secs}s")]
    Throttled { retry_after_secs: u64 },
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("mail: {0}")]
    Mail(String),
    /// A bug or an environment fault; the message is for the log, never for the user.
    #[error("internal: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// True when the database refused a write because of a unique constraint. Both backends say
    /// so in their own words; callers turn it into a `Conflict`.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            CoreError::Db(err) => is_unique_violation(err),
            _ => false,
        }
    }
}

pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
