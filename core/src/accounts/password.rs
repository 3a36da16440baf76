//! Password hashing with argon2id (PRV-6), with the crate's defaults (19 MiB, 2 passes, 1 lane:
//! OWASP's recommended minimum). The parameters are stored inside each hash, so raising them
//! later keeps old hashes verifiable.
use std::sync::OnceLock;

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
