//! The labels a server answers for, and which one a request is for.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use etalage_core::domain::StatementVersion;
use etalage_core::labels::{self, LabelRecord, StatementRecord, SyncOutcome};
use etalage_core::store::Db;
use etalage_core::{CoreError, CoreResult};
use serde::Serialize;

use crate::Colour;
use crate::overrides::{LabelOverrides, apply_overrides};

/// A label, validated, with its run-time overrides applied.
#[derive(Clone, Debug, Serialize)]
pub struct Label {
    pub slug: String,
    pub name: String,
    pub tagline: Option<String>,
    pub hostnames: Vec<String>,
    /// `public_url` of the file, normalised without a trailing `/`; see [`crate::LabelLinks`].
    pub public_url: Option<String>,
    pub default_locale: String,
    pub locales: Vec<String>,
    pub contact_email: String,
    /// See `LabelFile::platform_operator`.
    pub platform_operator: bool,
    #[serde(serialize_with = "colour_str")]
    pub primary_color: Colour,
    #[serde(serialize_with = "colour_str")]
    pub accent_color: Colour,
    #[serde(serialize_with = "colour_str")]
    pub text_on_primary: Colour,
    pub controller: String,
    pub chamber_of_commerce: String,
    #[serde(serialize_with = "display_str")]
    pub current_version: StatementVersion,
    /// Oldest first.
    #[serde(skip)]
    pub statements: Vec<Statement>,
    #[serde(skip)]
    pub file_config: serde_json::Value,
}

fn colour_str<S: serde::Serializer>(c: &Colour, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.to_string())
}

fn display_str<S: serde::Serializer>(v: &StatementVersion, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// One privacy statement version of a label (PRV-4).
#[derive(Clone, Debug)]
pub struct Statement {
    pub version: StatementVersion,
    pub published: NaiveDate,
    /// Markdown.
    pub body: String,
}

impl Label {
    pub fn statement(&self, version: StatementVersion) -> Option<&Statement> {
        self.statements.iter().find(|s| s.version == version)
    }

    pub fn current_statement(&self) -> Option<&Statement> {
        self.statement(self.current_version)
    }
}

/// All labels, indexed by slug and by hostname. Immutable: a change builds a new registry that
/// replaces the old one in one step, so a request sees one consistent set.
#[derive(Clone, Debug, Default)]
pub struct LabelRegistry {
    by_slug: BTreeMap<String, Arc<Label>>,
    by_host: HashMap<String, String>,
}

impl LabelRegistry {
    pub fn new(labels: Vec<Label>) -> Self {
        let mut registry = LabelRegistry::default();
        for label in labels {
            for host in &label.hostnames {
                registry.by_host.insert(host.clone(), label.slug.clone());
            }
            registry.by_slug.insert(label.slug.clone(), Arc::new(label));
        }
        registry
    }

    pub fn get(&self, slug: &str) -> Option<Arc<Label>> {
        self.by_slug.get(slug).cloned()
    }

    /// The label for a `Host` header value (`werkweb.net`, `WerkWeb.net:8080`, `[::1]:80`).
    pub fn resolve_host(&self, host: &str) -> Option<Arc<Label>> {
        let host = host.trim();
        let without_port = if let Some(rest) = host.strip_prefix('[') {
            // IPv6 literal: [::1]:8080
            rest.split(']').next().unwrap_or_default()
        } else {
            match host.rsplit_once(':') {
                Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
                _ => host,
            }
        };
        let key = without_port.trim_end_matches('.').to_ascii_lowercase();
        self.by_host.get(&key).and_then(|slug| self.get(slug))
    }

    pub fn labels(&self) -> impl Iterator<Item = &Arc<Label>> {
        self.by_slug.values()
    }

    pub fn len(&self) -> usize {
        self.by_slug.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_slug.is_empty()
    }

    /// A copy with one label replaced (after an operator changed its settings).
    pub fn with_label(&self, label: Label) -> Self {
        let mut next = self.clone();
        next.by_slug.insert(label.slug.clone(), Arc::new(label));
        next
    }
}

/// Writes the labels of the files to the database and applies each label's stored overrides.
/// Returns the registry the server should answer with.
pub async fn sync_to_db(db: &Db, from_files: &LabelRegistry) -> CoreResult<LabelRegistry> {
    for label in from_files.labels() {
        let record = LabelRecord {
            slug: label.slug.clone(),
            name: label.name.clone(),
            hostnames: label.hostnames.clone(),
            file_config: label.file_config.clone(),
            statements: label
                .statements
                .iter()
                .map(|s| StatementRecord {
                    version: s.version.to_string(),
                    published_on: s.published,
                    body: s.body.clone(),
                })
                .collect(),
        };
        let (_, outcome) = labels::sync(db, &record).await?;
        if outcome != SyncOutcome::Unchanged {
            tracing::info!(label = %label.slug, ?outcome, "label file loaded");
        }
    }
    live_from_db(db, from_files).await
}

/// The labels of the files with each one's overrides as stored now: what a server answers with
/// after another server changed a label's settings.
pub async fn live_from_db(db: &Db, from_files: &LabelRegistry) -> CoreResult<LabelRegistry> {
    let stored: std::collections::HashMap<String, serde_json::Value> =
        labels::all_overrides(db).await?.into_iter().collect();
    let mut labels = Vec::with_capacity(from_files.len());
    for label in from_files.labels() {
        let overrides: LabelOverrides = match stored.get(&label.slug) {
            Some(value) => serde_json::from_value(value.clone()).map_err(|e| {
                CoreError::Internal(format!(
                    "stored overrides of {} are invalid: {e}",
                    label.slug
                ))
            })?,
            None => LabelOverrides::default(),
        };
        labels.push(apply_overrides(label, &overrides));
    }
    Ok(LabelRegistry::new(labels))
}

/// A label for unit tests, with `hosts` and no `public_url`.
#[cfg(test)]
pub(crate) fn test_label(slug: &str, hosts: &[&str]) -> Label {
    let white = Colour::parse("#ffffff").unwrap();
    let dark = Colour::parse("#123456").unwrap();
    Label {
        slug: slug.into(),
        name: slug.into(),
        tagline: None,
        hostnames: hosts.iter().map(|h| h.to_string()).collect(),
        public_url: None,
        default_locale: "nl".into(),
        locales: vec!["nl".into()],
        contact_email: "a@b.nl".into(),
        platform_operator: false,
        primary_color: dark,
        accent_color: dark,
        text_on_primary: white,
        controller: "X".into(),
        chamber_of_commerce: "12345678".into(),
        current_version: StatementVersion::parse("1.3").unwrap(),
        statements: vec![],
        file_config: serde_json::Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(slug: &str, hosts: &[&str]) -> Label {
        test_label(slug, hosts)
    }

    #[test]
    fn ten_1_resolves_host_with_port_case_and_trailing_dot() {
        let reg = LabelRegistry::new(vec![
            label("werkweb", &["werkweb.net", "werkweb.localhost"]),
            label("winwinwerkt", &["localhost", "127.0.0.1"]),
        ]);
        assert_eq!(reg.resolve_host("WerkWeb.NET").unwrap().slug, "werkweb");
        assert_eq!(
            reg.resolve_host("werkweb.localhost:8080").unwrap().slug,
            "werkweb"
        );
        assert_eq!(reg.resolve_host("werkweb.net.").unwrap().slug, "werkweb");
        assert_eq!(
            reg.resolve_host("127.0.0.1:8080").unwrap().slug,
            "winwinwerkt"
        );
        assert!(reg.resolve_host("evil.example").is_none());
        assert!(reg.resolve_host("werkweb.net.evil.example").is_none());
        assert!(reg.resolve_host("[::1]:8080").is_none());
    }
}
