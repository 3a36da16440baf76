use std::fmt;

use crate::CoreError;

/// A label's short name, used in paths (`/l/{slug}/`) and as its casbin domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelSlug(String);

/// The domain name reserved for platform-wide roles; no label may take it.
pub const PLATFORM_DOMAIN: &str = "platform";

impl LabelSlug {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let ok = (2..=63).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if !ok {
            return Err(CoreError::invalid(
                "slug",
                format!(
                    "{raw:?} must be 2–63 lower-case letters, digits and single hyphens, not starting or ending with one"
                ),
            ));
        }
        if raw == PLATFORM_DOMAIN {
            return Err(CoreError::invalid(
                "slug",
                "\"platform\" is reserved for platform-wide roles",
            ));
        }
        Ok(LabelSlug(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LabelSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_demo_slugs() {
        for good in [
            "winwinwerkt",
            "65plus-werkt",
            "vacature-service-mkb",
            "werkweb",
        ] {
            assert!(LabelSlug::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn rejects_paths_case_and_reserved_names() {
        for bad in [
            "", "a", "Werkweb", "../x", "a--b", "-ab", "ab-", "platform", "a b",
        ] {
            assert!(LabelSlug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
