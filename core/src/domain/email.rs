use std::fmt;

use crate::CoreError;

/// An e-mail address, trimmed and lower-cased so that one person is one address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let value = raw.trim().to_lowercase();
        let invalid = |m: &str| CoreError::invalid("email", m.to_string());
        if value.is_empty() {
            return Err(invalid("is required"));
        }
        if value.len() > 254 {
            return Err(invalid("is longer than 254 characters"));
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(invalid("needs an @"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("has no valid part before the @"));
        }
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|part| {
                !part.is_empty()
                    && part.len() <= 63
                    && !part.starts_with('-')
                    && !part.ends_with('-')
                    && part.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err(invalid("has no valid domain after the @"));
        }
        if value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '"'))
        {
            return Err(invalid("contains characters an address cannot have"));
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("  Jan.Jansen@Example.NL ").unwrap().as_str(),
            "jan.jansen@example.nl"
        );
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "jan",
            "@example.nl",
            "jan@",
            "jan@localhost",
            "jan@exa mple.nl",
            "a<b@example.nl",
            "jan@-x.nl",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
