//! The label file format. Unknown keys are errors, so a typo never silently does nothing.
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub const SUPPORTED_LOCALES: &[&str] = &["nl", "en"];

/// `tenants/labels/<slug>.toml`; the file's stem is the slug.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LabelFile {
    pub name: Spanned<String>,
    #[serde(default)]
    pub tagline: Option<Spanned<String>>,
    pub hostnames: Spanned<Vec<Spanned<String>>>,
    /// The address every link in this label's mail starts with (`https://werkweb.net`);
    /// unset means `https://<first hostname>`. Never taken from a request.
    #[serde(default)]
    pub public_url: Option<Spanned<String>>,
    pub default_locale: Spanned<String>,
    pub locales: Spanned<Vec<Spanned<String>>>,
    pub contact_email: Spanned<String>,
    /// The label of the platform operator, the controller of the one shared candidate database
    /// (TEN-2): its staff see every candidate. At most one label is.
    #[serde(default)]
    pub platform_operator: bool,
    pub branding: Branding,
    pub privacy: PrivacySection,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    pub primary_color: Spanned<String>,
    pub accent_color: Spanned<String>,
    pub text_on_primary: Spanned<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySection {
    /// The data controller named in the statement.
    pub controller: Spanned<String>,
    pub chamber_of_commerce: Spanned<String>,
    /// The version new candidates accept; must be one of `statements`.
    pub current_version: Spanned<String>,
    pub statements: Spanned<Vec<StatementRef>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatementRef {
    pub version: Spanned<String>,
    /// `YYYY-MM-DD`.
    pub published: Spanned<String>,
    /// Markdown file, relative to the labels folder.
    pub file: Spanned<String>,
}
