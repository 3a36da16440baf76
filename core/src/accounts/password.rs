//! Password hashing with argon2id (PRV-6), with the crate's defaults (19 MiB, 2 passes, 1 lane:
//! OWASP's recommended minimum). The parameters are stored inside each hash, so raising them
//! later keeps old hashes verifiable.
//!
//! Each hash or verification costs tens of milliseconds of CPU. Run on the async workers, a burst
//! of logins would stall every request of every label; so the async entry points ([`hash_async`],
//! [`verify_async`]) run the work on the blocking pool, at most [`set_concurrency`] at a time
//! (one per core by default): further logins wait their turn instead of taking the server.
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};

use crate::domain::Password;
use crate::{CoreError, CoreResult};

pub fn hash(password: &Password) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("hashing failed: {e}")))
}

/// True when `attempt` matches `stored`. A malformed stored hash never matches.
pub fn verify(stored: &str, attempt: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(attempt.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification without an account, so that a login for an unknown
/// address takes as long as one with a wrong password and does not reveal which accounts exist.
pub fn verify_against_nothing(attempt: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| {
        Password::parse("a dummy password nobody has")
            .ok()
            .and_then(|p| hash(&p).ok())
            .unwrap_or_default()
    });
    let _ = verify(stored, attempt);
}

static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();

fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Sets how many hashes or verifications may run at once in this process (0: one per core);
/// only the first call counts (the server calls it once at start, from its configuration).
pub fn set_concurrency(permits: usize) {
    let permits = match permits {
        0 => default_concurrency(),
        n => n,
    };
    let _ = PERMITS.set(Arc::new(Semaphore::new(permits)));
}

fn permits() -> Arc<Semaphore> {
    Arc::clone(PERMITS.get_or_init(|| Arc::new(Semaphore::new(default_concurrency()))))
}

/// Runs `work` on the blocking pool once a permit is free.
async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> CoreResult<T> {
    let _permit = permits()
        .acquire_owned()
        .await
        .map_err(|_| CoreError::Internal("password work pool closed".into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CoreError::Internal(format!("password work failed: {e}")))
}

/// [`hash`], off the async workers.
pub async fn hash_async(password: &Password) -> CoreResult<String> {
    let password = password.clone();
    on_blocking_pool(move || hash(&password)).await?
}

/// [`verify`] against `stored`, or [`verify_against_nothing`] when there is no hash, off the
/// async workers. Either way it takes the time of one verification.
pub async fn verify_async(stored: Option<String>, attempt: &str) -> CoreResult<bool> {
    let attempt = attempt.to_string();
    on_blocking_pool(move || match stored {
        Some(stored) => verify(&stored, &attempt),
        None => {
            verify_against_nothing(&attempt);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prv_6_passwords_are_stored_as_argon2id_hashes() {
        let password = Password::parse("correct horse battery").unwrap();
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("correct horse"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored, "correct horse batterY"));
        assert!(!verify("not a hash", "correct horse battery"));
    }
}
