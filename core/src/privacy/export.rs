//! The self-service export (PRV-1, PRV-5): one zip with a JSON document of everything held
//! about the candidate, the original documents byte for byte, and a short human-readable
//! summary in the candidate's language.
use std::io::Write;

use sea_orm::ConnectionTrait;
use serde::Serialize;
use zip::write::SimpleFileOptions;

use super::overview::{self, MyDisclosure, StaffAccess};
use crate::candidates::consent::{self, ConsentEntry};
use crate::candidates::{CandidateView, view_of};
use crate::store::entities::candidate;
use crate::{CoreError, CoreResult, time};

/// An audit entry about the candidate, as exported.
#[derive(Clone, Debug, Serialize)]
pub struct AuditLine {
    pub at: chrono::DateTime<chrono::Utc>,
    pub label: Option<String>,
    pub action: String,
    pub actor_account_id: Option<i64>,
}

/// Everything held about one candidate.
#[derive(Clone, Debug, Serialize)]
pub struct ExportDocument {
    pub format: &'static str,
    pub exported_at: chrono::DateTime<chrono::Utc>,
    pub profile: CandidateView,
    pub consents: Vec<ConsentEntry>,
    pub disclosures: Vec<MyDisclosure>,
    pub staff_accesses: Vec<StaffAccess>,
    pub audit: Vec<AuditLine>,
    pub privacy_requests: Vec<super::requests::PrivacyRequest>,
    /// The documents' metadata; the files themselves are in the zip's `documents/`.
    pub documents: Vec<crate::documents::Document>,
}

pub async fn document(
    conn: &impl ConnectionTrait,
    row: candidate::Model,
    documents: Vec<crate::documents::Document>,
) -> CoreResult<ExportDocument> {
    let id = row.id;
    let account = row.account_id;
    Ok(ExportDocument {
        format: "etalage-export/1",
        exported_at: time::now(),
        profile: view_of(conn, row).await?,
        consents: consent::history(conn, id).await?,
        disclosures: overview::disclosures_of(conn, id).await?,
        staff_accesses: overview::staff_accesses(conn, id, account).await?,
        audit: overview::about(conn, id)
            .await?
            .into_iter()
            .map(|e| AuditLine {
                at: e.at,
                label: e.label,
                action: e.action,
                actor_account_id: e.actor_account_id,
            })
            .collect(),
        privacy_requests: super::requests::for_export(conn, id).await?,
        documents,
    })
}

/// A file to put in the zip beside the JSON (the original documents).
pub struct ExportFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl ExportFile {
    /// A document under `documents/`, named `{id}-{name}` with the name reduced to safe
    /// characters: the name is the uploader's, and a zip entry named `../x` would write outside
    /// the folder it is unpacked in.
    pub fn document(id: &str, name: &str, bytes: Vec<u8>) -> Self {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let safe = safe.trim_start_matches('.');
        ExportFile {
            path: format!("{id}-{safe}"),
            bytes,
        }
    }
}

/// The zip: `data.json`, `summary.html` and `files`.
pub fn zip(doc: &ExportDocument, files: &[ExportFile], locale: &str) -> CoreResult<Vec<u8>> {
    let fail = |e: zip::result::ZipError| CoreError::Internal(format!("export zip: {e}"));
    let io = |e: std::io::Error| CoreError::Internal(format!("export zip: {e}"));
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let json = serde_json::to_vec_pretty(doc)
        .map_err(|e| CoreError::Internal(format!("export json: {e}")))?;
    writer.start_file("data.json", options).map_err(fail)?;
    writer.write_all(&json).map_err(io)?;
    writer.start_file("summary.html", options).map_err(fail)?;
    writer
        .write_all(summary(doc, locale).as_bytes())
        .map_err(io)?;
    for file in files {
        writer
            .start_file(format!("documents/{}", file.path), options)
            .map_err(fail)?;
        writer.write_all(&file.bytes).map_err(io)?;
    }
    let cursor = writer.finish().map_err(fail)?;
    Ok(cursor.into_inner())
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A short page a person can read without tools.
fn summary(doc: &ExportDocument, locale: &str) -> String {
    let en = locale == "en";
    let t = |nl: &'static str, en_text: &'static str| if en { en_text } else { nl };
    let p = &doc.profile;
    let mut out = String::new();
    out.push_str("<!doctype html><meta charset=\"utf-8\"><title>");
    out.push_str(t("Jouw gegevens", "Your data"));
    out.push_str("</title><h1>");
    out.push_str(t("Jouw gegevens", "Your data"));
    out.push_str("</h1><p>");
    out.push_str(t(
        "Dit is alles wat wij over je bewaren. De volledige gegevens staan in data.json; je documenten in de map documents.",
        "This is everything we hold about you. The complete data is in data.json; your documents are in the documents folder.",
    ));
    out.push_str("</p><h2>");
    out.push_str(t("Profiel", "Profile"));
    out.push_str("</h2><dl>");
    let mut field = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v)));
        }
    };
    field(t("Naam", "Name"), p.name.clone());
    field(t("E-mail", "E-mail"), Some(p.email.clone()));
    field(t("Telefoon", "Phone"), p.phone.clone());
    field(t("Woonplaats", "Place"), p.place.clone());
    field(t("Provincie", "Province"), p.province.clone());
    field(t("Gewenst werk", "Desired work"), p.desired_work.clone());
    field(t("Vaardigheden", "Skills"), Some(p.skills.join(", ")));
    field(t("Samenvatting", "Summary"), p.summary.clone());
    field(
        t("Beschikbaarheid", "Availability"),
        Some(p.availability.clone()),
    );
    field(t("Labels", "Labels"), Some(p.labels.join(", ")));
    out.push_str("</dl><h2>");
    out.push_str(t("Toestemmingen", "Consents"));
    out.push_str("</h2><ul>");
    for c in &doc.consents {
        out.push_str(&format!(
            "<li>{} — {} {} {} ({})</li>",
            c.recorded_at.format("%Y-%m-%d %H:%M"),
            esc(&c.label),
            esc(&c.purpose),
            c.statement_version.as_deref().map(esc).unwrap_or_default(),
            if c.given {
                t("gegeven", "given")
            } else {
                t("ingetrokken", "withdrawn")
            }
        ));
    }
    out.push_str("</ul><h2>");
    out.push_str(t("Verstrekkingen", "Disclosures"));
    out.push_str(&format!("</h2><p>{}</p>", doc.disclosures.len()));
    out.push_str("<h2>");
    out.push_str(t("Inzage door medewerkers", "Staff access"));
    out.push_str(&format!("</h2><p>{}</p>", doc.staff_accesses.len()));
    out.push_str("<p>");
    out.push_str(t(
        "Een klacht over hoe wij met je gegevens omgaan? Je kunt die indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
        "A complaint about how we handle your data? You can file it with the Dutch data protection authority, the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
    ));
    out.push_str("</p>");
    out
}
