use std::fmt;
use std::str::FromStr;

use crate::CoreError;

/// A privacy statement version such as `1.3`: major.minor, ordered numerically (1.10 > 1.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementVersion {
    pub major: u16,
    pub minor: u16,
}

impl StatementVersion {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let bad = || {
            CoreError::invalid(
                "version",
                format!("{raw:?} is not a version like 1.3 (major.minor)"),
            )
        };
        let (major, minor) = raw.trim().split_once('.').ok_or_else(bad)?;
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return Err(bad());
        }
        Ok(StatementVersion {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        })
    }
}

impl FromStr for StatementVersion {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for StatementVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prv_4_versions_order_numerically() {
        let v = |s| StatementVersion::parse(s).unwrap();
        assert!(v("1.10") > v("1.9"));
        assert!(v("2.0") > v("1.3"));
        assert_eq!(v("1.3").to_string(), "1.3");
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in ["", "1", "1.", ".3", "1.3.1", "v1.3", "1.x"] {
            assert!(StatementVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
