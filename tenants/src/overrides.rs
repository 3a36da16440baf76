//! Run-time label settings (TEN-3): what an operator may change in the console without a
//! deploy. Each field is validated like its counterpart in the file.
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
