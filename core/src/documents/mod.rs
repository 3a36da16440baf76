//! A candidate's documents: CVs and photos (CAN-1, PRV-6). Everything about them is here:
//! - type by content ([`sniff`]), parsing only in a helper process ([`sandbox`], [`extract`]);
//! - encryption at rest: a data key per candidate ([`keys`]), wrapped by the server key; every
//!   file, file name and extracted text sealed with it, bound to its document id;
//! - storage behind `object_store` ([`DocumentStore`]): only ciphertext, under random keys;
//! - erasure by crypto-shredding ([`keys::destroy_key`], [`erase_all_documents`]).
pub mod extract;
pub mod keys;
pub mod sandbox;
pub mod sniff;
mod storage;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::audit::{self, Actor, AuditEntry};
use crate::candidates::scope::CandidateScope;
use crate::crypto::SecretsKey;
use crate::store::entities::{candidate, document};
use crate::{CoreError, CoreResult, time};

pub use keys::{DataKey, destroy_key};
pub use sandbox::{Extractor, SandboxLimits};
pub use sniff::Format;
pub use storage::{DocumentStore, S3Settings};

/// What a document is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Cv,
    Photo,
}

impl DocumentKind {
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        match text.trim() {
            "cv" => Ok(DocumentKind::Cv),
            "photo" => Ok(DocumentKind::Photo),
            _ => Err(DocumentError::Core(CoreError::invalid(
                "kind",
                "must be cv or photo",
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Cv => "cv",
            DocumentKind::Photo => "photo",
        }
    }

    /// The largest file accepted (CAN-1): a CV 10 MiB, a photo 8 MiB.
    pub fn max_bytes(self) -> usize {
        match self {
            DocumentKind::Cv => 10 * 1024 * 1024,
            DocumentKind::Photo => 8 * 1024 * 1024,
        }
    }

    fn allowed_text(self) -> &'static str {
        match self {
            DocumentKind::Cv => "a CV must be PDF, DOCX, ODT or plain text",
            DocumentKind::Photo => "a photo must be JPEG, PNG or WebP",
        }
    }
}

/// Why a document was not taken. Each names the problem for the uploader.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// 413.
    #[error("{0}")]
    TooLarge(String),
    /// 415: the content is of a type this kind does not take.
    #[error("{0}")]
    TypeNotAllowed(String),
    /// 422: corrupt, hostile, or beyond the limits of the helper.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<sea_orm::DbErr> for DocumentError {
    fn from(err: sea_orm::DbErr) -> Self {
        DocumentError::Core(err.into())
    }
}

/// What the server needs to take, keep and hand out documents.
#[derive(Clone, Debug)]
pub struct Documents {
    pub store: DocumentStore,
    pub extractor: Extractor,
    pub key: SecretsKey,
}

/// A document as listed: no contents.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    pub id: String,
    pub kind: DocumentKind,
    pub format: Format,
    pub name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The candidate whose account is `account_id`, if the account has a candidate record.
pub async fn candidate_of_account(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<i64> {
    candidate::Entity::find()
        .filter(candidate::Column::AccountId.eq(account_id))
        .one(conn)
        .await?
        .map(|c| c.id)
        .ok_or(CoreError::NotFound("candidate profile"))
}

/// Checks, reads and stores one upload (CAN-1): the size for its kind, the type by content,
/// the parsing in the helper (CV text; a photo re-encoded without metadata), then the file
/// sealed into the store and its row. Any refusal leaves nothing behind: no row, no object.
pub async fn upload(
    db: &sea_orm::DatabaseConnection,
    docs: &Documents,
    candidate_id: i64,
    kind: DocumentKind,
    file_name: &str,
    bytes: &[u8],
) -> Result<Document, DocumentError> {
    if bytes.len() > kind.max_bytes() {
        return Err(DocumentError::TooLarge(format!(
            "a {} may be at most {} MiB",
            kind.as_str(),
            kind.max_bytes() / (1024 * 1024)
        )));
    }
    if bytes.is_empty() {
        return Err(DocumentError::Refused("the file is empty".into()));
    }
    // Cheap and in-process (magic numbers only): most wrong types never start a helper.
    sniff::check_allowed(kind, sniff::sniff(bytes))?;
    let extracted = docs.extractor.run(kind, bytes).await?;
    let (kept, text) = match kind {
        DocumentKind::Cv => (
            bytes.to_vec(),
            Some(String::from_utf8_lossy(&extracted.payload).into_owned()),
        ),
        DocumentKind::Photo => (extracted.payload, None),
    };
    let name = clean_name(file_name, extracted.format);
    let id = uuid::Uuid::new_v4().to_string();
    let txn = crate::store::begin_write(db).await?;
    let key = keys::data_key(&txn, &docs.key, candidate_id, true)
        .await?
        .ok_or_else(|| CoreError::Internal("no data key after creating one".into()))?;
    let row = document::ActiveModel {
        id: Set(id.clone()),
        candidate_id: Set(candidate_id),
        kind: Set(kind.as_str().into()),
        format: Set(extracted.format.as_str().into()),
        size: Set(i64::try_from(kept.len()).unwrap_or(i64::MAX)),
        name_sealed: Set(key.seal_text(&name, &context("name", &id))?),
        text_sealed: Set(match &text {
            Some(t) => Some(key.seal_text(t, &context("text", &id))?),
            None => None,
        }),
        created_at: Set(time::now()),
    }
    .insert(&txn)
    .await?;
    let sealed = key.seal(&kept, &context("file", &id))?;
    // The object first, the commit last: a failure in between removes the object again, and a
    // crash leaves at most an object no row points at, sealed with a key only this candidate has.
    if let Err(err) = docs.store.put(&id, sealed).await {
        return Err(err.into());
    }
    if let Err(err) = txn.commit().await {
        docs.store.delete(&id).await;
        return Err(err.into());
    }
    Ok(view(row, name))
}

/// The associated data a part of a document is sealed with: which part, of which document. A
/// sealed file copied onto another document's row does not open there.
fn context(part: &str, id: &str) -> Vec<u8> {
    format!("document-{part}\0{id}").into_bytes()
}

/// The uploaded name without any path, with the extension of what is kept.
fn clean_name(file_name: &str, format: Format) -> String {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect::<String>();
    let stem = base
        .rsplit_once('.')
        .map(|(s, _)| s.to_string())
        .unwrap_or(base);
    let stem = if stem.trim().is_empty() {
        "document".to_string()
    } else {
        stem.trim().to_string()
    };
    format!("{stem}.{}", format.extension())
}

fn view(row: document::Model, name: String) -> Document {
    let format = Format::parse(&row.format).unwrap_or(Format::Txt);
    Document {
        kind: if row.kind == "photo" {
            DocumentKind::Photo
        } else {
            DocumentKind::Cv
        },
        content_type: format.content_type(),
        format,
        name,
        id: row.id,
        size: row.size,
        created_at: row.created_at,
    }
}

/// A candidate's documents, newest first, with their names opened.
pub async fn list(
    conn: &impl ConnectionTrait,
    secrets: &SecretsKey,
    candidate_id: i64,
) -> CoreResult<Vec<Document>> {
    let rows = document::Entity::find()
        .filter(document::Column::CandidateId.eq(candidate_id))
        .order_by_desc(document::Column::CreatedAt)
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let key = keys::data_key(conn, secrets, candidate_id, false)
        .await?
        .ok_or_else(|| CoreError::Internal("documents without a data key".into()))?;
    rows.into_iter()
        .map(|row| {
            let name = key.open_text(&row.name_sealed, &context("name", &row.id))?;
            Ok(view(row, name))
        })
        .collect()
}

async fn row_of(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    id: &str,
) -> CoreResult<document::Model> {
    document::Entity::find_by_id(id.to_string())
        .filter(document::Column::CandidateId.eq(candidate_id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound("document"))
}

/// One document of the candidate and its contents, opened.
pub async fn open(
    conn: &impl ConnectionTrait,
    docs: &Documents,
    candidate_id: i64,
    id: &str,
) -> CoreResult<(Document, Vec<u8>)> {
    let row = row_of(conn, candidate_id, id).await?;
    let key = keys::data_key(conn, &docs.key, candidate_id, false)
        .await?
        .ok_or(CoreError::NotFound("document"))?;
    let sealed = docs.store.get(&row.id).await?;
    let bytes = key.open(&sealed, &context("file", &row.id))?;
    let name = key.open_text(&row.name_sealed, &context("name", &row.id))?;
    Ok((view(row, name), bytes))
}

/// The extracted text of a CV (for the search index); `None` for photos.
pub async fn cv_text(
    conn: &impl ConnectionTrait,
    secrets: &SecretsKey,
    candidate_id: i64,
    id: &str,
) -> CoreResult<Option<String>> {
    let row = row_of(conn, candidate_id, id).await?;
    let Some(sealed) = &row.text_sealed else {
        return Ok(None);
    };
    let key = keys::data_key(conn, secrets, candidate_id, false)
        .await?
        .ok_or(CoreError::NotFound("document"))?;
    key.open_text(sealed, &context("text", &row.id)).map(Some)
}

/// Removes one document: the row, then the object.
pub async fn delete(
    conn: &impl ConnectionTrait,
    store: &DocumentStore,
    candidate_id: i64,
    id: &str,
) -> CoreResult<()> {
    let row = row_of(conn, candidate_id, id).await?;
    document::Entity::delete_by_id(row.id.clone())
        .exec(conn)
        .await?;
    store.delete(&row.id).await;
    Ok(())
}

/// Every document of the candidate, their rows and the candidate's data key (CAN-3), for the
/// erasure service; pass its transaction as `conn`.
///
/// Rows and key are deleted on `conn`, the objects right after, before the caller commits.
/// Whatever happens next, nothing readable is left: if the transaction commits, the key is gone
/// and any object a failed delete left behind is ciphertext nobody can open; if it rolls back,
/// rows and key stay with their objects gone (the documents are lost, the retried erasure
/// removes the rows). An object store that fails a delete is logged, not fatal, for that reason.
pub async fn erase_all_documents(
    conn: &impl ConnectionTrait,
    store: &DocumentStore,
    candidate_id: i64,
) -> CoreResult<usize> {
    let ids: Vec<String> = document::Entity::find()
        .filter(document::Column::CandidateId.eq(candidate_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    document::Entity::delete_many()
        .filter(document::Column::CandidateId.eq(candidate_id))
        .exec(conn)
        .await?;
    destroy_key(conn, candidate_id).await?;
    for id in &ids {
        store.delete(id).await;
    }
    Ok(ids.len())
}

/// Staff reading a candidate's documents (PRV-6): only a candidate the label may see (TEN-2,
/// [`CandidateScope`]), and every read is written to the audit log, ids only.
pub struct StaffRead<'a> {
    pub actor: i64,
    pub scope: &'a CandidateScope,
    pub request_id: Option<String>,
}

impl StaffRead<'_> {
    async fn check(&self, conn: &impl ConnectionTrait, candidate_id: i64) -> CoreResult<()> {
        self.scope
            .find(conn, candidate_id)
            .await?
            .map(|_| ())
            .ok_or(CoreError::NotFound("candidate"))
    }

    async fn record(
        &self,
        conn: &impl ConnectionTrait,
        candidate_id: i64,
        document: Option<&str>,
    ) -> CoreResult<()> {
        let details = match document {
            Some(id) => serde_json::json!({ "document": id }),
            None => serde_json::json!({}),
        };
        audit::record(
            conn,
            AuditEntry::new(
                Actor::Account(self.actor),
                "candidate.documents.read",
                format!("candidate:{candidate_id}"),
            )
            .label(self.scope.slug())
            .details(details)
            .request_id(self.request_id.clone()),
        )
        .await
    }

    pub async fn list(
        &self,
        conn: &impl ConnectionTrait,
        secrets: &SecretsKey,
        candidate_id: i64,
    ) -> CoreResult<Vec<Document>> {
        self.check(conn, candidate_id).await?;
        let documents = list(conn, secrets, candidate_id).await?;
        self.record(conn, candidate_id, None).await?;
        Ok(documents)
    }

    pub async fn open(
        &self,
        conn: &impl ConnectionTrait,
        docs: &Documents,
        candidate_id: i64,
        id: &str,
    ) -> CoreResult<(Document, Vec<u8>)> {
        self.check(conn, candidate_id).await?;
        let opened = open(conn, docs, candidate_id, id).await?;
        self.record(conn, candidate_id, Some(id)).await?;
        Ok(opened)
    }
}
