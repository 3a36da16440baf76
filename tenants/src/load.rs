//! Reading and validating label files.
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use etalage_core::domain::{Email, LabelSlug, StatementVersion};
use toml::Spanned;

use crate::registry::{Label, LabelRegistry, Statement};
use crate::schema::{LabelFile, SUPPORTED_LOCALES};
use crate::{Colour, LabelError, LabelErrors};

/// WCAG 2.1 AA for normal text.
const MIN_CONTRAST: f64 = 4.5;

/// Loads every `*.toml` in `dir` as a label; reports all problems of all files together.
pub fn load_dir(dir: &Path) -> Result<LabelRegistry, LabelErrors> {
    let mut errors = Vec::new();
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => {
            return Err(LabelErrors(vec![LabelError {
                file: dir.to_path_buf(),
                line: None,
                message: format!("cannot read the labels folder: {e}"),
            }]));
        }
    };
    entries.sort();
    if entries.is_empty() {
        return Err(LabelErrors(vec![LabelError {
            file: dir.to_path_buf(),
            line: None,
            message: "no label files (*.toml) found".into(),
        }]));
    }
    let mut labels = Vec::new();
    for path in &entries {
        match load_file(path, dir) {
            Ok(label) => labels.push(label),
            Err(mut errs) => errors.append(&mut errs.0),
        }
    }
    // A hostname belongs to exactly one label, or requests would go to whichever came first.
    let mut owners: HashMap<String, String> = HashMap::new();
    for label in &labels {
        for host in &label.hostnames {
            if let Some(other) = owners.insert(host.clone(), label.slug.clone()) {
                errors.push(LabelError {
                    file: dir.join(format!("{}.toml", label.slug)),
                    line: None,
                    message: format!("hostname {host:?} is also claimed by label {other:?}"),
                });
            }
        }
    }
    // TEN-2: one controller of the shared database, or "which label sees everyone" is ambiguous.
    let operators: Vec<&str> = labels
        .iter()
        .filter(|l| l.platform_operator)
        .map(|l| l.slug.as_str())
        .collect();
    if operators.len() > 1 {
        errors.push(LabelError {
            file: dir.join(format!("{}.toml", operators[1])),
            line: None,
            message: format!(
                "platform_operator is set on more than one label ({}); at most one label is the platform operator",
                operators.join(", ")
            ),
        });
    }
    if !errors.is_empty() {
        return Err(LabelErrors(errors));
    }
    Ok(LabelRegistry::new(labels))
}

/// Loads and validates one label file; statement files are resolved against `labels_dir`.
pub fn load_file(path: &Path, labels_dir: &Path) -> Result<Label, LabelErrors> {
    let file = path.to_path_buf();
    let err_at = |line: Option<usize>, message: String| LabelError {
        file: file.clone(),
        line,
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| LabelErrors(vec![err_at(None, format!("cannot read: {e}"))]))?;
    let line_of =
        |span: Range<usize>| Some(text[..span.start.min(text.len())].matches('\n').count() + 1);

    let parsed: LabelFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().and_then(&line_of);
        LabelErrors(vec![err_at(line, e.message().to_string())])
    })?;

    let mut errors = Vec::new();
    let mut check = |span: Range<usize>, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push(err_at(line_of(span), message));
        }
    };

    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let slug = LabelSlug::parse(stem);
    if let Err(e) = &slug {
        check(
            0..0,
            Err(format!("the file name must be the label's slug: {e}")),
        );
    }

    let name = parsed.name.get_ref().trim().to_string();
    check(parsed.name.span(), non_empty("name", &name, 80));
    let tagline = parsed
        .tagline
        .as_ref()
        .map(|t| t.get_ref().trim().to_string());
    if let Some(t) = &parsed.tagline {
        check(t.span(), non_empty("tagline", t.get_ref().trim(), 160));
    }

    let mut hostnames = Vec::new();
    if parsed.hostnames.get_ref().is_empty() {
        check(
            parsed.hostnames.span(),
            Err("hostnames: at least one hostname is needed".into()),
        );
    }
    for host in parsed.hostnames.get_ref() {
        match valid_hostname(host.get_ref()) {
            Ok(h) if hostnames.contains(&h) => {
                check(host.span(), Err(format!("hostname {h:?} is listed twice")))
            }
            Ok(h) => hostnames.push(h),
            Err(m) => check(host.span(), Err(m)),
        }
    }

    let public_url =
        parsed
            .public_url
            .as_ref()
            .and_then(|raw| match valid_public_url(raw.get_ref()) {
                Ok(url) => Some(url),
                Err(m) => {
                    check(raw.span(), Err(m));
                    None
                }
            });

    let mut locales = Vec::new();
    for locale in parsed.locales.get_ref() {
        let l = locale.get_ref().as_str();
        if SUPPORTED_LOCALES.contains(&l) {
            locales.push(l.to_string());
        } else {
            check(
                locale.span(),
                Err(format!(
                    "locale {l:?} is not supported (supported: {})",
                    SUPPORTED_LOCALES.join(", ")
                )),
            );
        }
    }
    let default_locale = parsed.default_locale.get_ref().clone();
    if !locales.contains(&default_locale) {
        check(
            parsed.default_locale.span(),
            Err(format!(
                "default_locale {default_locale:?} must be one of locales"
            )),
        );
    }

    let contact_email = match Email::parse(parsed.contact_email.get_ref()) {
        Ok(e) => Some(e),
        Err(e) => {
            check(
                parsed.contact_email.span(),
                Err(format!("contact_email: {e}")),
            );
            None
        }
    };

    let colour = |field: &'static str,
                  value: &Spanned<String>,
                  check: &mut dyn FnMut(Range<usize>, Result<(), String>)| {
        match Colour::parse(value.get_ref()) {
            Ok(c) => Some(c),
            Err(m) => {
                check(value.span(), Err(format!("branding.{field}: {m}")));
                None
            }
        }
    };
    let b = &parsed.branding;
    let primary = colour("primary_color", &b.primary_color, &mut check);
    let accent = colour("accent_color", &b.accent_color, &mut check);
    let on_primary = colour("text_on_primary", &b.text_on_primary, &mut check);
    if let (Some(p), Some(t)) = (primary, on_primary) {
        let ratio = p.contrast(t);
        if ratio < MIN_CONTRAST {
            check(
                b.text_on_primary.span(),
                Err(format!(
                    "branding.text_on_primary: contrast with primary_color is {ratio:.2}:1, below the {MIN_CONTRAST}:1 that WCAG AA asks for"
                )),
            );
        }
    }

    let privacy = &parsed.privacy;
    check(
        privacy.controller.span(),
        non_empty(
            "privacy.controller",
            privacy.controller.get_ref().trim(),
            120,
        ),
    );
    let coc = privacy.chamber_of_commerce.get_ref();
    if !(coc.len() == 8 && coc.chars().all(|c| c.is_ascii_digit())) {
        check(
            privacy.chamber_of_commerce.span(),
            Err(format!(
                "privacy.chamber_of_commerce: {coc:?} is not an 8-digit KvK number"
            )),
        );
    }
    let mut statements: BTreeMap<StatementVersion, Statement> = BTreeMap::new();
    if privacy.statements.get_ref().is_empty() {
        check(
            privacy.statements.span(),
            Err("privacy.statements: at least one statement version is needed".into()),
        );
    }
    for reference in privacy.statements.get_ref() {
        let version = match StatementVersion::parse(reference.version.get_ref()) {
            Ok(v) => v,
            Err(e) => {
                check(
                    reference.version.span(),
                    Err(format!("privacy.statements.version: {e}")),
                );
                continue;
            }
        };
        if statements.contains_key(&version) {
            check(
                reference.version.span(),
                Err(format!("statement version {version} is listed twice")),
            );
            continue;
        }
        let published = match NaiveDate::parse_from_str(reference.published.get_ref(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                check(
                    reference.published.span(),
                    Err(format!(
                        "privacy.statements.published: {:?} is not a date like 2021-11-01",
                        reference.published.get_ref()
                    )),
                );
                continue;
            }
        };
        let relative = reference.file.get_ref();
        if Path::new(relative).is_absolute() || relative.split(['/', '\\']).any(|part| part == "..")
        {
            check(
                reference.file.span(),
                Err(format!(
                    "statement file {relative:?} must be a path inside the labels folder"
                )),
            );
            continue;
        }
        let body = match std::fs::read_to_string(labels_dir.join(relative)) {
            Ok(body) if !body.trim().is_empty() => body,
            Ok(_) => {
                check(
                    reference.file.span(),
                    Err(format!("statement file {relative:?} is empty")),
                );
                continue;
            }
            Err(e) => {
                check(
                    reference.file.span(),
                    Err(format!("statement file {relative:?} cannot be read: {e}")),
                );
                continue;
            }
        };
        statements.insert(
            version,
            Statement {
                version,
                published,
                body,
            },
        );
    }
    let current_version = match StatementVersion::parse(privacy.current_version.get_ref()) {
        Ok(v) if statements.contains_key(&v) => Some(v),
        Ok(v) => {
            check(
                privacy.current_version.span(),
                Err(format!(
                    "privacy.current_version {v} is not among the statements"
                )),
            );
            None
        }
        Err(e) => {
            check(
                privacy.current_version.span(),
                Err(format!("privacy.current_version: {e}")),
            );
            None
        }
    };

    if !errors.is_empty() {
        return Err(LabelErrors(errors));
    }
    let (
        Ok(slug),
        Some(contact_email),
        Some(primary),
        Some(accent),
        Some(on_primary),
        Some(current_version),
    ) = (
        slug,
        contact_email,
        primary,
        accent,
        on_primary,
        current_version,
    )
    else {
        return Err(LabelErrors(vec![err_at(None, "invalid label file".into())]));
    };
    let file_config = serde_json::to_value(&parsed).unwrap_or(serde_json::Value::Null);
    Ok(Label {
        slug: slug.to_string(),
        name,
        tagline,
        hostnames,
        public_url,
        default_locale,
        locales,
        contact_email: contact_email.to_string(),
        platform_operator: parsed.platform_operator,
        primary_color: primary,
        accent_color: accent,
        text_on_primary: on_primary,
        controller: privacy.controller.get_ref().trim().to_string(),
        chamber_of_commerce: coc.clone(),
        current_version,
        statements: statements.into_values().collect(),
        file_config,
    })
}

fn non_empty(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        Err(format!("{field} is required"))
    } else if value.chars().count() > max {
        Err(format!("{field} must be at most {max} characters"))
    } else {
        Ok(())
    }
}

/// A hostname as the `Host` header carries it (without port), lower-case.
fn valid_hostname(raw: &str) -> Result<String, String> {
    let host = raw.trim().trim_end_matches('.').to_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && !part.starts_with('-')
                && !part.ends_with('-')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(host)
    } else {
        Err(format!(
            "{raw:?} is not a hostname (no scheme, port or path)"
        ))
    }
}

/// `public_url`: an absolute http(s) address with a host, and nothing a link could not be
/// appended to (no user, query or fragment). Returned without a trailing `/`.
fn valid_public_url(raw: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("public_url {raw:?} {why}"));
    let url = match url::Url::parse(raw.trim()) {
        Ok(url) => url,
        Err(e) => return bad(&format!("is not an absolute URL: {e}")),
    };
    if !matches!(url.scheme(), "https" | "http") {
        return bad("must start with https:// (or http://)");
    }
    // The URL parser repairs `https:///path` into host `path`; an address typed without a host
    // is a mistake to report, not to guess at.
    let written_host = raw.trim().split_once("://").map(|(_, rest)| rest);
    if url.host_str().is_none_or(str::is_empty)
        || written_host.is_none_or(|rest| rest.is_empty() || rest.starts_with('/'))
    {
        return bad("has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must not hold a user name or password");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("must not have a query (?) or fragment (#)");
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::{load_file, valid_public_url};

    /// WerkWeb's file with `public_url = {value}` on line 5, after its hostnames.
    fn werkweb_with_public_url(value: &str) -> Result<crate::Label, crate::LabelErrors> {
        let labels = crate::default_labels_dir();
        let text = std::fs::read_to_string(labels.join("werkweb.toml")).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let hostnames = lines
            .iter()
            .position(|l| l.starts_with("hostnames"))
            .unwrap();
        assert_eq!(hostnames, 3, "line 4 of the file");
        let line = format!("public_url = {value}");
        lines.insert(hostnames + 1, &line);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("werkweb.toml");
        std::fs::write(&path, lines.join("\n")).unwrap();
        load_file(&path, &labels)
    }

    #[test]
    fn ten_1_a_bad_public_url_is_reported_with_its_line() {
        let errors = werkweb_with_public_url("\"werkweb.net/?x=1\"").unwrap_err();
        let shown = errors.to_string();
        assert!(shown.contains("werkweb.toml:5: public_url"), "{shown}");
        let label = werkweb_with_public_url("\"https://werkweb.net/\"").unwrap();
        assert_eq!(label.public_url.as_deref(), Some("https://werkweb.net"));
    }

    #[test]
    fn ten_1_public_url_is_an_absolute_address_to_append_paths_to() {
        assert_eq!(
            valid_public_url("https://werkweb.net/").unwrap(),
            "https://werkweb.net"
        );
        assert_eq!(
            valid_public_url("http://127.0.0.1:8080/l/werkweb").unwrap(),
            "http://127.0.0.1:8080/l/werkweb"
        );
        for bad in [
            "werkweb.net",
            "/l/werkweb",
            "ftp://werkweb.net",
            "javascript:alert(1)",
            "https://werkweb.net/?a=b",
            "https://werkweb.net/#top",
            "https://user:pw@werkweb.net",
            "https:///path",
            "",
        ] {
            assert!(valid_public_url(bad).is_err(), "{bad:?} is refused");
        }
    }
}
