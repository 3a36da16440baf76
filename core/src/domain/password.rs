use std::fmt;

use crate::CoreError;

/// A new password that meets the policy: at least 12 characters (NIST SP 800-63B favours length
/// over composition rules), at most 256 so that hashing cannot be used to exhaust the server.
/// The value never prints.
#[derive(Clone)]
pub struct Password(String);

pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 256;

impl Password {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(CoreError::invalid(
                "password",
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(CoreError::invalid(
                "password",
                format!("must be at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        if raw.trim().is_empty() {
            return Err(CoreError::invalid("password", "cannot be only spaces"));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}
