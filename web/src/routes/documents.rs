//! A candidate's documents (CAN-1, PRV-6): the documents section of the candidate portal and
//! the API behind it, and staff reading a candidate's documents. Every route calls one core
//! function of `etalage_core::documents`; the checks (size, type by content, parsing in the
//! helper process, sealing) all happen there.
//!
//! The candidate's own routes need `profile` permissions in the request's label (the
//! `candidate` role) and act only on the candidate record of the logged-in account; staff
//! routes need `candidate.documents/read`, see only candidates of the label, and each read is
//! audited.
use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use etalage_core::candidates::scope::CandidateScope;
use etalage_core::documents::{self, Document, DocumentError, DocumentKind, StaffRead};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, AppResult};
use crate::extract::{CsrfToken, PageCtx};
use crate::routes::api::Problem;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(
        list_my_documents,
        upload_my_document,
        download_my_document,
        delete_my_document,
        list_candidate_documents,
        download_candidate_document
    ),
    components(schemas(DocumentDto, UploadForm, FileBytes))
)]
pub struct DocumentsDoc;

/// Room for the multipart framing and the `kind` field around the largest file (a CV).
const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn routes() -> Routes {
    use Scope::RequestLabel;
    let upload_limit = || DefaultBodyLimit::max(DocumentKind::Cv.max_bytes() + MULTIPART_OVERHEAD);
    Routes::new()
        .add(
            Method::GET,
            "/documents",
            perm("profile", "read", RequestLabel),
            get(documents_page),
        )
        .add(
            Method::POST,
            "/documents",
            perm("profile", "update", RequestLabel),
            post(upload_form).layer(upload_limit()),
        )
        .add(
            Method::POST,
            "/documents/{id}/remove",
            perm("profile", "update", RequestLabel),
            post(remove_form),
        )
        .add(
            Method::GET,
            "/api/v1/me/documents",
            perm("profile", "read", RequestLabel),
            get(list_my_documents),
        )
        .add(
            Method::POST,
            "/api/v1/me/documents",
            perm("profile", "update", RequestLabel),
            post(upload_my_document).layer(upload_limit()),
        )
        .add(
            Method::GET,
            "/api/v1/me/documents/{id}",
            perm("profile", "read", RequestLabel),
            get(download_my_document),
        )
        .add(
            Method::DELETE,
            "/api/v1/me/documents/{id}",
            perm("profile", "update", RequestLabel),
            delete(delete_my_document),
        )
        .add(
            Method::GET,
            "/api/v1/candidates/{id}/documents",
            perm("candidate.documents", "read", RequestLabel),
            get(list_candidate_documents),
        )
        .add(
            Method::GET,
            "/api/v1/candidates/{id}/documents/{document}",
            perm("candidate.documents", "read", RequestLabel),
            get(download_candidate_document),
        )
}

/// The candidate record of the logged-in account (404 when the account has none).
async fn my_candidate(state: &AppState, granted: &Granted) -> AppResult<i64> {
    Ok(documents::candidate_of_account(&state.db, granted.account()?.id).await?)
}

/// An upload as it arrived: the kind, the file's name and its bytes.
struct Upload {
    kind: String,
    name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut form: Multipart) -> AppResult<Upload> {
    let mut upload = Upload {
        kind: String::new(),
        name: String::new(),
        bytes: Vec::new(),
    };
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(e.body_text())
        }
    };
    let mut has_file = false;
    while let Some(field) = form.next_field().await.map_err(failed)? {
        match field.name() {
            Some("kind") => upload.kind = field.text().await.map_err(failed)?,
            Some("file") => {
                upload.name = field.file_name().unwrap_or_default().to_string();
                upload.bytes = field.bytes().await.map_err(failed)?.to_vec();
                has_file = true;
            }
            _ => {}
        }
    }
    if !has_file {
        return Err(AppError::Core(etalage_core::CoreError::invalid(
            "file",
            "is missing",
        )));
    }
    Ok(upload)
}

/// The one place both surfaces store an upload.
async fn store_upload(state: &AppState, candidate_id: i64, upload: Upload) -> AppResult<Document> {
    let kind = DocumentKind::parse(&upload.kind)?;
    Ok(documents::upload(
        &state.db,
        &state.documents,
        candidate_id,
        kind,
        &upload.name,
        &upload.bytes,
    )
    .await?)
}

/// A document's bytes as a download: never rendered inline, never cached, never sniffed.
fn download(document: &Document, bytes: Vec<u8>) -> Response {
    let ascii: String = document
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(document.name.as_bytes()).collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(document.content_type),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}

// ---- pages ----

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn render_page(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let candidate = my_candidate(state, granted).await?;
    let list = documents::list(&state.db, &state.documents.key, candidate).await?;
    Ok(page.render_status(
        state,
        status,
        "documents.html",
        context! {
            documents => list.into_iter().map(DocumentDto::from).collect::<Vec<_>>(),
            notice => notice,
            error => error,
        },
    ))
}

async fn documents_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = match q.notice.as_deref() {
        Some("added") => Some(page.t("documents_added")),
        Some("removed") => Some(page.t("documents_removed")),
        _ => None,
    };
    render_page(&state, &granted, &page, StatusCode::OK, notice, None).await
}

async fn upload_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    form: Multipart,
) -> AppResult<Response> {
    let candidate = my_candidate(&state, &granted).await?;
    let result = async { store_upload(&state, candidate, read_upload(form).await?).await }.await;
    match result {
        Ok(_) => Ok(Redirect::to(&page.link("/documents?notice=added")).into_response()),
        Err(err) => {
            // The refusal is shown on the page with the status the API would answer.
            let info = err.info();
            if info.status.is_server_error() {
                return Err(err);
            }
            render_page(
                &state,
                &granted,
                &page,
                info.status,
                None,
                Some(info.detail),
            )
            .await
        }
    }
}

async fn remove_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let candidate = my_candidate(&state, &granted).await?;
    documents::delete(&state.db, &state.documents.store, candidate, &id).await?;
    Ok(Redirect::to(&page.link("/documents?notice=removed")).into_response())
}

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct DocumentDto {
    #[schema(example = "0b7f3c9e-6f1a-4d2b-9f0e-3a1c5d7e9b2f")]
    id: String,
    /// `cv` or `photo`.
    kind: String,
    /// What is kept: `pdf`, `docx`, `odt`, `txt` (CV); `jpeg` or `png` (photo, re-encoded).
    format: String,
    /// The uploaded file's name, with the extension of what is kept.
    name: String,
    content_type: String,
    /// Bytes of the kept file.
    size: i64,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Document> for DocumentDto {
    fn from(d: Document) -> Self {
        DocumentDto {
            id: d.id,
            kind: d.kind.as_str().into(),
            format: d.format.as_str().into(),
            name: d.name,
            content_type: d.content_type.into(),
            size: d.size,
            created_at: d.created_at,
        }
    }
}

/// The multipart body of an upload.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "describes the multipart form for the OpenAPI document"
)]
pub struct UploadForm {
    /// `cv` (PDF, DOCX, ODT or plain text, at most 10 MiB) or `photo` (JPEG, PNG or WebP, at
    /// most 8 MiB).
    kind: String,
    /// The file. Its type is decided by its content, not its name or declared type.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// A document's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code, reason = "describes a download for the OpenAPI document")]
pub struct FileBytes(Vec<u8>);

/// My documents, newest first. The `X-CSRF-Token` header of the answer is the token an upload
/// must carry: a multipart body is a form, which other sites can send too.
#[utoipa::path(get, path = "/api/v1/me/documents", tag = "documents",
    responses((status = 200, body = Vec<DocumentDto>, headers(("x-csrf-token" = String, description = "The token `upload_my_document` needs in its `X-CSRF-Token` header"))),
        (status = 404, description = "The account has no candidate profile", body = Problem, content_type = "application/problem+json")))]
async fn list_my_documents(
    State(state): State<AppState>,
    granted: Granted,
    csrf: CsrfToken,
) -> AppResult<Response> {
    let candidate = my_candidate(&state, &granted).await?;
    let list = documents::list(&state.db, &state.documents.key, candidate).await?;
    let mut response =
        Json(list.into_iter().map(DocumentDto::from).collect::<Vec<_>>()).into_response();
    if let Ok(value) = HeaderValue::from_str(&csrf.token) {
        response.headers_mut().insert("x-csrf-token", value);
    }
    Ok(response)
}

/// Upload a CV or a photo (with the `X-CSRF-Token` header from `list_my_documents`). The type is decided by the content; the file is read by a helper
/// process under time and memory limits (CV text is extracted for search; a photo is decoded
/// and encoded again, so EXIF/GPS and other metadata are gone), then stored encrypted. A refused
/// upload leaves nothing behind.
#[utoipa::path(post, path = "/api/v1/me/documents", tag = "documents",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = DocumentDto),
        (status = 404, description = "The account has no candidate profile", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than its kind allows (CV 10 MiB, photo 8 MiB)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The content is of a type the kind does not take (CV: PDF, DOCX, ODT, text; photo: JPEG, PNG, WebP)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing field or kind, or a corrupt or hostile file (zip bomb, entity expansion, beyond the helper's limits); the detail names the problem", body = Problem, content_type = "application/problem+json"),
    ))]
async fn upload_my_document(
    State(state): State<AppState>,
    granted: Granted,
    form: Multipart,
) -> AppResult<(StatusCode, Json<DocumentDto>)> {
    let candidate = my_candidate(&state, &granted).await?;
    let stored = store_upload(&state, candidate, read_upload(form).await?).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// One of my documents, as it is kept (a photo as re-encoded).
#[utoipa::path(get, path = "/api/v1/me/documents/{id}", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "The file, with its own content type", body = FileBytes, content_type = "application/octet-stream")))]
async fn download_my_document(
    State(state): State<AppState>,
    granted: Granted,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let candidate = my_candidate(&state, &granted).await?;
    let (document, bytes) = documents::open(&state.db, &state.documents, candidate, &id).await?;
    Ok(download(&document, bytes))
}

/// Remove one of my documents.
#[utoipa::path(delete, path = "/api/v1/me/documents/{id}", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete_my_document(
    State(state): State<AppState>,
    granted: Granted,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let candidate = my_candidate(&state, &granted).await?;
    documents::delete(&state.db, &state.documents.store, candidate, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn staff_read<'a>(
    granted: &Granted,
    scope: &'a CandidateScope,
    headers: &HeaderMap,
) -> AppResult<StaffRead<'a>> {
    Ok(StaffRead {
        actor: granted.account()?.id,
        scope,
        request_id: request_id(headers),
    })
}

/// A candidate's documents (PRV-6: the read is audited). Only candidates of this label.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/documents", tag = "documents",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DocumentDto>)))]
async fn list_candidate_documents(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<DocumentDto>>> {
    let scope = crate::routes::candidates::scope_of(&state, &granted).await?;
    let list = staff_read(&granted, &scope, &headers)?
        .list(&state.db, &state.documents.key, id)
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One document of a candidate (PRV-6: the read is audited). Only candidates of this label.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/documents/{document}", tag = "documents",
    params(("id" = i64, Path), ("document" = String, Path)),
    responses((status = 200, description = "The file, with its own content type", body = FileBytes, content_type = "application/octet-stream")))]
async fn download_candidate_document(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path((id, document)): Path<(i64, String)>,
) -> AppResult<Response> {
    let scope = crate::routes::candidates::scope_of(&state, &granted).await?;
    let (document, bytes) = staff_read(&granted, &scope, &headers)?
        .open(&state.db, &state.documents, id, &document)
        .await?;
    Ok(download(&document, bytes))
}

impl From<DocumentError> for AppError {
    fn from(err: DocumentError) -> Self {
        match err {
            DocumentError::TooLarge(message) => AppError::TooLarge(message),
            DocumentError::TypeNotAllowed(message) => AppError::Unsupported(message),
            DocumentError::Refused(message) => {
                AppError::Core(etalage_core::CoreError::invalid("file", message))
            }
            DocumentError::Core(err) => AppError::Core(err),
        }
    }
}
