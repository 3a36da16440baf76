//! What a candidate tells us about themselves (CAN-1), parsed at the edge: after
//! [`ProfileInput::parse`] only values within the limits exist. Special data (BSN, IBAN) is
//! refused in every free-text field: the statement promises it never lands on our disk.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::redact;
use crate::{CoreError, CoreResult};

/// The twelve provinces, as the search facets and the showcase name them.
pub const PROVINCES: &[&str] = &[
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
];

/// Dutch driving licence categories (rijbewijscategorieën).
pub const DRIVING_LICENCES: &[&str] = &[
    "AM", "A1", "A2", "A", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE", "T",
];

/// The optional part of a profile, as typed. `None` leaves a field as it is on update; on
/// sign-up it means "not given".
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub place: Option<String>,
    pub province: Option<String>,
    pub desired_work: Option<String>,
    pub hours_per_week: Option<i32>,
    pub skills: Option<Vec<String>>,
    pub years_experience: Option<i32>,
    pub education: Option<String>,
    pub languages: Option<Vec<String>>,
    pub driving_licences: Option<Vec<String>>,
    pub available_from: Option<NaiveDate>,
    pub summary: Option<String>,
}

/// A [`ProfileInput`] that passed every check. Empty strings mean "clear this field".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub place: Option<Option<String>>,
    pub province: Option<Option<String>>,
    pub desired_work: Option<Option<String>>,
    pub hours_per_week: Option<i32>,
    pub skills: Option<Vec<String>>,
    pub years_experience: Option<i32>,
    pub education: Option<Option<String>>,
    pub languages: Option<Vec<String>>,
    pub driving_licences: Option<Vec<String>>,
    pub available_from: Option<NaiveDate>,
    pub summary: Option<Option<String>>,
}

impl ProfileInput {
    pub fn parse(self) -> CoreResult<ProfileChange> {
        Ok(ProfileChange {
            name: match self.name {
                Some(n) => Some(required_text("name", &n, 120)?),
                None => None,
            },
            phone: self.phone.map(|p| phone(&p)).transpose()?,
            place: self
                .place
                .map(|p| optional_text("place", &p, 80))
                .transpose()?,
            province: self.province.map(|p| province(&p)).transpose()?,
            desired_work: self
                .desired_work
                .map(|p| optional_text("desired_work", &p, 120))
                .transpose()?,
            hours_per_week: self
                .hours_per_week
                .map(|h| in_range("hours_per_week", h, 1, 60))
                .transpose()?,
            skills: self.skills.map(|s| list("skills", s, 50, 60)).transpose()?,
            years_experience: self
                .years_experience
                .map(|y| in_range("years_experience", y, 0, 60))
                .transpose()?,
            education: self
                .education
                .map(|e| optional_text("education", &e, 120))
                .transpose()?,
            languages: self
                .languages
                .map(|l| list("languages", l, 20, 40))
                .transpose()?,
            driving_licences: self.driving_licences.map(licences).transpose()?,
            available_from: self.available_from,
            summary: self
                .summary
                .map(|s| optional_text("summary", &s, 2000))
                .transpose()?,
        })
    }
}

/// Refuses text that carries a BSN, an IBAN or a document number: special data never lands on
/// our disk (the statement's §1.11), whatever field it is typed into.
pub fn refuse_special_data(field: &'static str, text: &str) -> CoreResult<()> {
    if redact::mask_personal_data(text) != text {
        return Err(CoreError::invalid(
            field,
            "looks like it holds a citizen service number (BSN), a bank account number or an ID document number; leave those out, we do not store them",
        ));
    }
    Ok(())
}

fn required_text(field: &'static str, raw: &str, max: usize) -> CoreResult<String> {
    match optional_text(field, raw, max)? {
        Some(text) => Ok(text),
        None => Err(CoreError::invalid(field, "is required")),
    }
}

fn optional_text(field: &'static str, raw: &str, max: usize) -> CoreResult<Option<String>> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(CoreError::invalid(field, "holds control characters"));
    }
    refuse_special_data(field, text)?;
    Ok(Some(text.to_string()))
}

fn phone(raw: &str) -> CoreResult<Option<String>> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if !allowed || !(8..=15).contains(&digits) {
        return Err(CoreError::invalid(
            "phone",
            "must be a phone number: 8 to 15 digits, with + - ( ) and spaces allowed",
        ));
    }
    Ok(Some(text.to_string()))
}

fn province(raw: &str) -> CoreResult<Option<String>> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    PROVINCES
        .iter()
        .find(|p| p.eq_ignore_ascii_case(text))
        .map(|p| Some((*p).to_string()))
        .ok_or_else(|| {
            CoreError::invalid(
                "province",
                format!("must be one of: {}", PROVINCES.join(", ")),
            )
        })
}

fn in_range(field: &'static str, value: i32, min: i32, max: i32) -> CoreResult<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(CoreError::invalid(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

fn list(
    field: &'static str,
    items: Vec<String>,
    max_items: usize,
    max_len: usize,
) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if let Some(text) = optional_text(field, &item, max_len)?
            && !out.iter().any(|o| o.eq_ignore_ascii_case(&text))
        {
            out.push(text);
        }
    }
    if out.len() > max_items {
        return Err(CoreError::invalid(
            field,
            format!("at most {max_items} entries"),
        ));
    }
    Ok(out)
}

fn licences(items: Vec<String>) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let code = item.trim().to_ascii_uppercase();
        if code.is_empty() {
            continue;
        }
        let Some(known) = DRIVING_LICENCES.iter().find(|l| **l == code) else {
            return Err(CoreError::invalid(
                "driving_licences",
                format!(
                    "{code:?} is not a category; use {}",
                    DRIVING_LICENCES.join(", ")
                ),
            ));
        };
        if !out.iter().any(|o| o == known) {
            out.push((*known).to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn can_1_a_profile_within_the_limits_parses() {
        let change = ProfileInput {
            name: Some("  Anna de Vries ".into()),
            province: Some("noord-holland".into()),
            skills: Some(vec!["Rust".into(), "rust".into(), " ".into(), "SQL".into()]),
            driving_licences: Some(vec!["b".into(), "BE".into()]),
            hours_per_week: Some(32),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(change.name.as_deref(), Some("Anna de Vries"));
        assert_eq!(change.province, Some(Some("Noord-Holland".into())));
        assert_eq!(change.skills, Some(vec!["Rust".into(), "SQL".into()]));
        assert_eq!(change.driving_licences, Some(vec!["B".into(), "BE".into()]));
    }

    #[test]
    fn can_1_out_of_range_values_name_their_field() {
        let field_of = |input: ProfileInput| match input.parse() {
            Err(CoreError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        };
        assert_eq!(
            field_of(ProfileInput {
                hours_per_week: Some(0),
                ..Default::default()
            }),
            "hours_per_week"
        );
        assert_eq!(
            field_of(ProfileInput {
                province: Some("Bavaria".into()),
                ..Default::default()
            }),
            "province"
        );
        assert_eq!(
            field_of(ProfileInput {
                phone: Some("call me".into()),
                ..Default::default()
            }),
            "phone"
        );
        assert_eq!(
            field_of(ProfileInput {
                driving_licences: Some(vec!["Z".into()]),
                ..Default::default()
            }),
            "driving_licences"
        );
    }

    #[test]
    fn prv_6_special_data_in_free_text_is_refused() {
        // 111222333 passes the eleven-test; NL91ABNA0417164300 is a valid IBAN.
        for summary in ["Mijn BSN is 111222333", "IBAN NL91ABNA0417164300 graag"] {
            let result = ProfileInput {
                summary: Some(summary.into()),
                ..Default::default()
            }
            .parse();
            assert!(
                matches!(
                    result,
                    Err(CoreError::Invalid {
                        field: "summary",
                        ..
                    })
                ),
                "{summary}: {result:?}"
            );
        }
    }
}
