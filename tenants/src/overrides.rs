//! Run-time label settings (TEN-3): what an operator may change in the console without a
//! deploy. Each field is validated like its counterpart in the file.
use etalage_core::audit::Actor;
use etalage_core::labels;
use etalage_core::store::Db;
use etalage_core::{CoreError, CoreResult};
use serde::{Deserialize, Serialize};

use crate::{Colour, Label};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LabelOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_on_primary: Option<String>,
}

impl LabelOverrides {
    /// `self` with each field `patch` sets replaced; fields `patch` leaves out keep their value.
    pub fn merged(self, patch: LabelOverrides) -> Self {
        LabelOverrides {
            name: patch.name.or(self.name),
            tagline: patch.tagline.or(self.tagline),
            primary_color: patch.primary_color.or(self.primary_color),
            accent_color: patch.accent_color.or(self.accent_color),
            text_on_primary: patch.text_on_primary.or(self.text_on_primary),
        }
    }

    /// Normalises and checks the overrides against `base` (the label as its file defines it);
    /// errors name the field. Empty strings mean "back to the file's value".
    pub fn validate(mut self, base: &Label) -> Result<Self, (&'static str, String)> {
        let blank_to_none =
            |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        self.name = blank_to_none(self.name);
        self.tagline = blank_to_none(self.tagline);
        self.primary_color = blank_to_none(self.primary_color);
        self.accent_color = blank_to_none(self.accent_color);
        self.text_on_primary = blank_to_none(self.text_on_primary);
        if self.name.as_ref().is_some_and(|n| n.chars().count() > 80) {
            return Err(("name", "must be at most 80 characters".into()));
        }
        if self
            .tagline
            .as_ref()
            .is_some_and(|t| t.chars().count() > 160)
        {
            return Err(("tagline", "must be at most 160 characters".into()));
        }
        for (field, value) in [
            ("primary_color", &mut self.primary_color),
            ("accent_color", &mut self.accent_color),
            ("text_on_primary", &mut self.text_on_primary),
        ] {
            if let Some(v) = value {
                *v = Colour::parse(v).map_err(|m| (field, m))?.to_string();
            }
        }
        let applied = apply_overrides(base, &self);
        let ratio = applied.primary_color.contrast(applied.text_on_primary);
        if ratio < 4.5 {
            return Err((
                "text_on_primary",
                format!("contrast with the primary colour is {ratio:.2}:1; WCAG AA needs 4.5:1"),
            ));
        }
        Ok(self)
    }
}

/// Changes a label's run-time settings (TEN-3), as the console form and the API both do: the
/// fields `patch` sets replace the stored ones (`""` returns a field to the file's value), the
/// rest are kept; the result is validated against `base` (the label as its file defines it),
/// stored and audited. Returns the overrides now in force, for the caller to apply.
pub async fn update_settings(
    db: &Db,
    base: &Label,
    patch: LabelOverrides,
    actor: Actor,
    request_id: Option<String>,
) -> CoreResult<LabelOverrides> {
    let value = labels::update_overrides(
        db,
        &base.slug,
        |stored| {
            // Invalid stored overrides are a fault to report, not a reason to drop the other
            // fields.
            let current: LabelOverrides = serde_json::from_value(stored).map_err(|e| {
                CoreError::Internal(format!(
                    "stored overrides of {} are invalid: {e}",
                    base.slug
                ))
            })?;
            let overrides = current
                .merged(patch)
                .validate(base)
                .map_err(|(field, message)| CoreError::Invalid { field, message })?;
            serde_json::to_value(&overrides).map_err(|e| CoreError::Internal(e.to_string()))
        },
        actor,
        request_id,
    )
    .await?;
    serde_json::from_value(value).map_err(|e| CoreError::Internal(e.to_string()))
}

/// `base` with `overrides` applied; invalid stored values are ignored rather than shown.
pub fn apply_overrides(base: &Label, overrides: &LabelOverrides) -> Label {
    let mut label = base.clone();
    if let Some(name) = &overrides.name {
        label.name = name.clone();
    }
    if let Some(tagline) = &overrides.tagline {
        label.tagline = Some(tagline.clone());
    }
    let colour = |v: &Option<String>, fallback: Colour| {
        v.as_deref()
            .and_then(|s| Colour::parse(s).ok())
            .unwrap_or(fallback)
    };
    label.primary_color = colour(&overrides.primary_color, base.primary_color);
    label.accent_color = colour(&overrides.accent_color, base.accent_color);
    label.text_on_primary = colour(&overrides.text_on_primary, base.text_on_primary);
    label
}

#[cfg(test)]
mod tests {
    use super::LabelOverrides;

    #[test]
    fn a_patch_replaces_what_it_sets_and_keeps_the_rest() {
        let current = LabelOverrides {
            name: Some("Oud".into()),
            tagline: Some("Blijft".into()),
            ..Default::default()
        };
        let patch = LabelOverrides {
            name: Some("Nieuw".into()),
            primary_color: Some(String::new()),
            ..Default::default()
        };
        let merged = current.merged(patch);
        assert_eq!(merged.name.as_deref(), Some("Nieuw"));
        assert_eq!(merged.tagline.as_deref(), Some("Blijft"));
        assert_eq!(
            merged.primary_color.as_deref(),
            Some(""),
            "blank means back to the file"
        );
        assert_eq!(merged.accent_color, None);
    }
}
