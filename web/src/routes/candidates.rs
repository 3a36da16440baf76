//! Candidates as a label's staff see them (TEN-2, PRV-6): the paged list of the candidates the
//! label may see, the candidate page (every read audited), the label's own notes, and erasure
//! on request (CAN-3). The label is the one the permission was checked in; which candidates it
//! sees is decided by `CandidateScope` in core.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use etalage_core::CoreError;
use etalage_core::audit::Actor;
use etalage_core::candidates::scope::CandidateScope;
use etalage_core::candidates::staff::{self, ListFilter};
use etalage_core::candidates::{Availability, profile::PROVINCES};
use etalage_core::privacy::erasure::{self, Via};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{AppError, AppResult};
use crate::extract::PageCtx;
use crate::routes::api::{ApiJson, Problem};
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::portal::ReceiptDto;
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::RequestLabel;
    let read = perm("candidate", "read", RequestLabel);
    let update = perm("candidate", "update", RequestLabel);
    let delete = perm("candidate", "delete", RequestLabel);
    Routes::new()
        .add(Method::GET, "/admin/candidates", read, get(list_page))
        .add(
            Method::GET,
            "/admin/candidates/{id}",
            read,
            get(detail_page),
        )
        .add(
            Method::POST,
            "/admin/candidates/{id}/notes",
            update,
            post(note_form),
        )
        .add(
            Method::POST,
            "/admin/candidates/{id}/erase",
            delete,
            post(erase_form),
        )
        .add(
            Method::GET,
            "/api/v1/candidates",
            read,
            get(list_candidates),
        )
        .add(
            Method::GET,
            "/api/v1/candidates/{id}",
            read,
            get(get_candidate),
        )
        .add(
            Method::POST,
            "/api/v1/candidates/{id}/notes",
            update,
            post(add_candidate_note),
        )
        .add(
            Method::POST,
            "/api/v1/candidates/{id}/erasure",
            delete,
            post(erase_candidate),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(list_candidates, get_candidate, add_candidate_note, erase_candidate),
    components(schemas(
        CandidateListDto,
        CandidateSummaryDto,
        NoteRequest,
        NoteDto,
        StaffEraseRequest
    ))
)]
pub struct CandidatesDoc;

/// The candidates the checked label may see.
pub(crate) async fn scope_of(state: &AppState, granted: &Granted) -> AppResult<CandidateScope> {
    let operator = state
        .labels
        .current()
        .get(granted.label())
        .is_some_and(|l| l.platform_operator);
    Ok(CandidateScope::for_label(&state.db, granted.label(), operator).await?)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `available` or `passive`.
    #[param(pattern = "^(available|passive)$")]
    availability: Option<String>,
    /// One of the twelve provinces.
    #[param(
        pattern = "^(Drenthe|Flevoland|Friesland|Gelderland|Groningen|Limburg|Noord-Brabant|Noord-Holland|Overijssel|Utrecht|Zeeland|Zuid-Holland)$"
    )]
    province: Option<String>,
    /// Only candidates changed at or after this instant (RFC 3339).
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
}

impl ListQuery {
    fn filter(&self) -> Result<ListFilter, CoreError> {
        let availability = match self.availability.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Some(Availability::parse(a).ok_or_else(|| {
                CoreError::invalid("availability", "must be available or passive")
            })?),
            None => None,
        };
        let province = match self.province.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(
                PROVINCES
                    .iter()
                    .find(|x| **x == p)
                    .map(|x| (*x).to_string())
                    .ok_or_else(|| CoreError::invalid("province", "is not a province"))?,
            ),
            None => None,
        };
        let per_page = self.per_page.unwrap_or(25);
        if !(1..=staff::MAX_PER_PAGE).contains(&per_page) {
            return Err(CoreError::invalid("per_page", "must be between 1 and 100"));
        }
        Ok(ListFilter {
            availability,
            province,
            updated_since: self.updated_since,
            page: etalage_core::domain::page_number(self.page.unwrap_or(1))?,
            per_page,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct CandidateSummaryDto {
    id: i64,
    name: Option<String>,
    place: Option<String>,
    province: Option<String>,
    desired_work: Option<String>,
    availability: String,
    updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateListDto {
    items: Vec<CandidateSummaryDto>,
    page: u64,
    per_page: u64,
    total: u64,
}

/// The candidates this label may see (TEN-2), newest change first, paged.
#[utoipa::path(get, path = "/api/v1/candidates", tag = "candidates", params(ListQuery),
    responses((status = 200, body = CandidateListDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_candidates(
    State(state): State<AppState>,
    granted: Granted,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<CandidateListDto>> {
    let scope = scope_of(&state, &granted).await?;
    let page = staff::list(&state.db, &scope, &q.filter()?).await?;
    Ok(Json(CandidateListDto {
        items: page
            .items
            .into_iter()
            .map(|c| CandidateSummaryDto {
                id: c.id,
                name: c.name,
                place: c.place,
                province: c.province,
                desired_work: c.desired_work,
                availability: c.availability,
                updated_at: c.updated_at,
            })
            .collect(),
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    }))
}

/// One candidate with this label's notes; the read is written to the audit log (PRV-6).
/// Candidates the label may not see answer 404, as unknown ids do.
#[utoipa::path(get, path = "/api/v1/candidates/{id}", tag = "candidates", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_candidate(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Json<staff::StaffCandidateView>> {
    let scope = scope_of(&state, &granted).await?;
    let reader = granted.account()?.id;
    Ok(Json(
        staff::get(&state.db, &scope, id, reader, request_id(&headers)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[schema(min_length = 1, max_length = 5000)]
    body: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoteDto {
    id: i64,
    author_account_id: Option<i64>,
    body: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Add a note of this label on a candidate; other labels never see it.
#[utoipa::path(post, path = "/api/v1/candidates/{id}/notes", tag = "candidates", params(("id" = i64, Path)),
    request_body = NoteRequest,
    responses((status = 201, body = NoteDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn add_candidate_note(
    State(state): State<AppState>,
    granted: Granted,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NoteRequest>,
) -> AppResult<Response> {
    let scope = scope_of(&state, &granted).await?;
    let note = staff::add_note(&state.db, &scope, id, granted.account()?.id, &body.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(NoteDto {
            id: note.id,
            author_account_id: note.author_account_id,
            body: note.body,
            created_at: note.created_at,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffEraseRequest {
    /// Must be `true`: erasure cannot be undone.
    confirm: bool,
}

/// Erase a candidate on their request (CAN-3): everything held about them, at once; answers
/// with the erasure receipt. Only a label the candidate came through (or the platform
/// operator's label) may erase them.
#[utoipa::path(post, path = "/api/v1/candidates/{id}/erasure", tag = "candidates", params(("id" = i64, Path)),
    request_body = StaffEraseRequest,
    responses((status = 202, body = ReceiptDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn erase_candidate(
    State(state): State<AppState>,
    granted: Granted,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StaffEraseRequest>,
) -> AppResult<Response> {
    if !body.confirm {
        return Err(CoreError::invalid("confirm", "must be true: erasure cannot be undone").into());
    }
    let receipt = erase_as_staff(&state, &granted, id).await?;
    Ok((StatusCode::ACCEPTED, Json(ReceiptDto::from(receipt))).into_response())
}

async fn erase_as_staff(
    state: &AppState,
    granted: &Granted,
    id: i64,
) -> AppResult<erasure::ErasureReceipt> {
    let scope = scope_of(state, granted).await?;
    if !scope.may_erase(&state.db, id).await? {
        return Err(AppError::Core(CoreError::NotFound("candidate")));
    }
    let receipt = erasure::erase_candidate(
        &state.db,
        &state.documents.store,
        id,
        Via::Staff,
        Actor::Account(granted.account()?.id),
    )
    .await?;
    // The erased account's roles leave the enforcer with it.
    state.authz.reload().await?;
    Ok(receipt)
}

// ---- pages ----

async fn list_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let scope = scope_of(&state, &granted).await?;
    let (result, error) = match q.filter() {
        Ok(filter) => (staff::list(&state.db, &scope, &filter).await?, None),
        Err(CoreError::Invalid { field, message }) => (
            staff::list(
                &state.db,
                &scope,
                &ListFilter {
                    page: 1,
                    per_page: 25,
                    ..Default::default()
                },
            )
            .await?,
            Some(format!("{field}: {message}")),
        ),
        Err(other) => return Err(other.into()),
    };
    let pages = result.total.div_ceil(result.per_page).max(1);
    Ok(page.render(
        &state,
        "admin_candidates.html",
        context! {
            section => "candidates",
            domain => granted.label(),
            result => result,
            pages => pages,
            provinces => PROVINCES,
            availability => q.availability,
            province => q.province,
            error => error,
        },
    ))
}

async fn detail_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let scope = scope_of(&state, &granted).await?;
    let reader = granted.account()?.id;
    let view = staff::get(&state.db, &scope, id, reader, request_id(&page.headers)).await?;
    let may_erase = scope.may_erase(&state.db, id).await?
        && state
            .authz
            .check(
                &granted.account()?.subject(),
                granted.label(),
                "candidate",
                "delete",
            )
            .await?;
    Ok(page.render(
        &state,
        "admin_candidate.html",
        context! { section => "candidates", domain => granted.label(), c => view, may_erase => may_erase },
    ))
}

#[derive(Deserialize)]
struct NoteForm {
    body: String,
}

async fn note_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let scope = scope_of(&state, &granted).await?;
    staff::add_note(&state.db, &scope, id, granted.account()?.id, &form.body).await?;
    Ok(Redirect::to(&page.link(&format!("/admin/candidates/{id}"))).into_response())
}

#[derive(Deserialize)]
struct EraseForm {
    #[serde(default)]
    confirm: Option<String>,
}

async fn erase_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<EraseForm>,
) -> AppResult<Response> {
    if form.confirm.is_none() {
        return Err(CoreError::invalid("confirm", "tick the box to confirm the erasure").into());
    }
    let receipt = erase_as_staff(&state, &granted, id).await?;
    Ok(page.render(
        &state,
        "admin_candidate_erased.html",
        context! { section => "candidates", domain => granted.label(), receipt => receipt },
    ))
}
