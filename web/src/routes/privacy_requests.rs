//! Data-subject requests (PRV-1), as console pages and API for staff of a label, and as a page
//! and API for a candidate filing their own. Staff routes need `privacy.request` in the request's
//! label and every core call is scoped by the checked label, so another label's request is
//! answered like an unknown id. The candidate routes need the `candidate` role's `profile`
//! permissions in the label and reach only the logged-in account's own candidate record.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post};
use axum::{Form, Json};
use chrono::NaiveDate;
use etalage_core::CoreError;
use etalage_core::privacy::calendar::HolidaySettings;
use etalage_core::privacy::requests::{
    self, Change, Channel, DueFilter, IdentityCheck, Kind, ListFilter, NewRequest, PrivacyRequest,
    RequestPage, Status, Urgency,
};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::api::{ApiJson, Problem};
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::RequestLabel;
    let read = perm("privacy.request", "read", RequestLabel);
    let write = perm("privacy.request", "write", RequestLabel);
    let own_read = perm("profile", "read", RequestLabel);
    let own_write = perm("profile", "update", RequestLabel);
    Routes::new()
        .add(Method::GET, "/admin/privacy-requests", read, get(list_page))
        .add(
            Method::POST,
            "/admin/privacy-requests",
            write,
            post(create_form),
        )
        .add(
            Method::GET,
            "/admin/privacy-requests/{id}",
            read,
            get(detail_page),
        )
        .add(
            Method::POST,
            "/admin/privacy-requests/{id}",
            write,
            post(update_form),
        )
        .add(
            Method::GET,
            "/account/privacy-requests",
            own_read,
            get(my_page),
        )
        .add(
            Method::POST,
            "/account/privacy-requests",
            own_write,
            post(my_form),
        )
        .add(
            Method::GET,
            "/api/v1/admin/privacy-requests",
            read,
            get(list_privacy_requests),
        )
        .add(
            Method::POST,
            "/api/v1/admin/privacy-requests",
            write,
            post(create_privacy_request),
        )
        .add(
            Method::PATCH,
            "/api/v1/admin/privacy-requests/{id}",
            write,
            patch(update_privacy_request),
        )
        .add(
            Method::GET,
            "/api/v1/me/privacy-requests",
            own_read,
            get(list_my_privacy_requests),
        )
        .add(
            Method::POST,
            "/api/v1/me/privacy-requests",
            own_write,
            post(file_my_privacy_request),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_privacy_requests,
        create_privacy_request,
        update_privacy_request,
        list_my_privacy_requests,
        file_my_privacy_request
    ),
    components(schemas(
        PrivacyRequestDto,
        PrivacyRequestPageDto,
        NewPrivacyRequest,
        PrivacyRequestPatch,
        MyPrivacyRequestDto,
        NewMyPrivacyRequest
    ))
)]
pub struct PrivacyRequestsDoc;

fn settings(state: &AppState) -> HolidaySettings {
    state.config.privacy
}

fn today() -> NaiveDate {
    etalage_core::time::now().date_naive()
}

fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, CoreError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(field, "a date as YYYY-MM-DD"))
}

fn optional<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, CoreError>,
) -> Result<Option<T>, CoreError> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(parse)
        .transpose()
}

/// The largest page a list answers; a larger `per_page` is refused rather than quietly cut.
const MAX_PAGE: u64 = 200;
const DEFAULT_PAGE: u64 = 50;

/// Filters and paging of the staff list, as the page's form and the API send them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only requests with this status (`received`, `in_progress`, `extended`, `answered`,
    /// `refused`, `withdrawn`).
    status: Option<String>,
    /// Only requests of this kind (`access`, `rectification`, `erasure`, `objection`,
    /// `restriction`, `portability`, `complaint`).
    kind: Option<String>,
    /// Only open requests that are `overdue`, `due_soon` (within two working days) or either
    /// (`urgent`).
    due: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u64>,
    /// Requests per page (default 50, at most 200).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u64>,
}

/// The checked label's requests as `params` ask for them.
async fn list_for(
    state: &AppState,
    granted: &Granted,
    params: &ListParams,
) -> AppResult<RequestPage> {
    let filter = ListFilter {
        status: optional(params.status.as_deref(), Status::parse)?,
        kind: optional(params.kind.as_deref(), Kind::parse)?,
        due: optional(params.due.as_deref(), DueFilter::parse)?,
    };
    let per_page = params.per_page.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&per_page) {
        return Err(CoreError::invalid("per_page", format!("between 1 and {MAX_PAGE}")).into());
    }
    if params.page == Some(0) {
        return Err(CoreError::invalid("page", "counts from 1").into());
    }
    Ok(requests::list(
        &state.db,
        granted.label(),
        filter,
        today(),
        settings(state),
        params.page.unwrap_or(1),
        per_page,
    )
    .await?)
}

// ---- staff pages ----

fn row_value(r: &PrivacyRequest, today: NaiveDate, s: HolidaySettings) -> Value {
    context! {
        id => r.id,
        kind => r.kind,
        channel => r.channel,
        status => r.status,
        requester_name => r.requester_name,
        requester_contact => r.requester_contact,
        candidate_id => r.candidate_id,
        description => r.description,
        received_on => r.received_on.to_string(),
        due_on => r.due_on.to_string(),
        legal_limit_on => r.legal_limit_on.to_string(),
        identity_check => r.identity_check,
        identity_method => r.identity_method,
        answer => r.answer,
        answered_at => r.answered_at.map(|a| a.format("%Y-%m-%d %H:%M UTC").to_string()),
        handled_by => r.handled_by,
        urgency => urgency_word(r.urgency(today, s)),
    }
}

fn choices() -> Value {
    context! {
        kinds => Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        channels => Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        statuses => Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        checks => IdentityCheck::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    }
}

async fn render_list(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    params: &ListParams,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let list = list_for(state, granted, params).await?;
    let (today, s) = (today(), settings(state));
    let rows: Vec<Value> = list.items.iter().map(|r| row_value(r, today, s)).collect();
    let pages = list.total.div_ceil(list.per_page).max(1);
    Ok(page.render_status(
        state,
        status,
        "admin_privacy_requests.html",
        context! {
            section => "privacy",
            domain => granted.label(),
            requests => rows,
            total => list.total,
            page_no => list.page,
            pages => pages,
            filter => context! { status => params.status, kind => params.kind, due => params.due },
            choices => choices(),
            today => today.to_string(),
            error => error,
        },
    ))
}

async fn list_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    render_list(&state, &granted, &page, &params, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    kind: String,
    channel: String,
    received_on: String,
    #[serde(default)]
    candidate_id: String,
    #[serde(default)]
    requester_name: String,
    #[serde(default)]
    requester_contact: String,
    #[serde(default)]
    description: String,
    identity_check: String,
    #[serde(default)]
    identity_method: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.to_string()).filter(|t| !t.trim().is_empty())
}

fn new_request(form: &CreateForm) -> Result<NewRequest, CoreError> {
    Ok(NewRequest {
        kind: Kind::parse(&form.kind)?,
        channel: Channel::parse(&form.channel)?,
        received_on: parse_date("received_on", &form.received_on)?,
        candidate_id: optional(Some(&form.candidate_id), |raw| {
            raw.parse::<i64>()
                .map_err(|_| CoreError::invalid("candidate_id", "a candidate number"))
        })?,
        requester_name: some(&form.requester_name),
        requester_contact: some(&form.requester_contact),
        description: some(&form.description),
        identity_check: IdentityCheck::parse(&form.identity_check)?,
        identity_method: some(&form.identity_method),
    })
}

/// After a form: to `to` when it worked; the form's page again, with the problem, when the
/// input was refused (422) or the request is closed (409).
async fn after_form<T, Fut>(
    result: Result<T, CoreError>,
    page: &PageCtx,
    to: impl FnOnce(&T) -> String,
    again: impl FnOnce(StatusCode, String) -> Fut,
) -> AppResult<Response>
where
    Fut: std::future::Future<Output = AppResult<Response>>,
{
    match result {
        Ok(done) => Ok(Redirect::to(&page.link(&to(&done))).into_response()),
        Err(CoreError::Invalid { field, message }) => {
            again(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field}: {message}"),
            )
            .await
        }
        Err(CoreError::Conflict(message)) => again(StatusCode::CONFLICT, message).await,
        Err(other) => Err(other.into()),
    }
}

async fn create_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let actor = granted.account()?.id;
    let result = async {
        let new = new_request(&form)?;
        let s = settings(&state);
        requests::create(
            &state.db,
            granted.label(),
            actor,
            new,
            s,
            request_id(&page.headers),
        )
        .await
    }
    .await;
    let to = |created: &PrivacyRequest| format!("/admin/privacy-requests/{}", created.id);
    let unfiltered = ListParams::default();
    after_form(result, &page, to, |status, error| {
        render_list(&state, &granted, &page, &unfiltered, status, Some(error))
    })
    .await
}

async fn render_detail(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let request = requests::get(&state.db, granted.label(), id).await?;
    Ok(page.render_status(
        state,
        status,
        "admin_privacy_request.html",
        context! {
            section => "privacy",
            domain => granted.label(),
            request => row_value(&request, today(), settings(state)),
            choices => choices(),
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
    render_detail(&state, &granted, &page, id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct UpdateForm {
    status: String,
    identity_check: String,
    #[serde(default)]
    identity_method: String,
    #[serde(default)]
    answer: String,
}

async fn update_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<UpdateForm>,
) -> AppResult<Response> {
    let actor = granted.account()?.id;
    let result = async {
        let change = Change {
            status: Some(Status::parse(&form.status)?),
            identity_check: Some(IdentityCheck::parse(&form.identity_check)?),
            identity_method: some(&form.identity_method),
            answer: some(&form.answer),
        };
        requests::update(
            &state.db,
            granted.label(),
            actor,
            id,
            change,
            request_id(&page.headers),
        )
        .await
    }
    .await;
    let to = |_: &PrivacyRequest| format!("/admin/privacy-requests/{id}");
    after_form(result, &page, to, |status, error| {
        render_detail(&state, &granted, &page, id, status, Some(error))
    })
    .await
}

// ---- the candidate's page ----

async fn render_mine(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let mine = requests::for_account(&state.db, granted.account()?.id).await?;
    let (today, s) = (today(), settings(state));
    let rows: Vec<Value> = mine.iter().map(|r| row_value(r, today, s)).collect();
    Ok(page.render_status(
        state,
        status,
        "my_privacy_requests.html",
        context! {
            requests => rows,
            kinds => Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            error => error,
        },
    ))
}

async fn my_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    render_mine(&state, &granted, &page, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct MyForm {
    kind: String,
    #[serde(default)]
    description: String,
}

async fn my_form(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Form(form): Form<MyForm>,
) -> AppResult<Response> {
    let account = granted.account()?.id;
    let result = async {
        let kind = Kind::parse(&form.kind)?;
        let description = some(&form.description);
        let s = settings(&state);
        let rid = request_id(&page.headers);
        requests::file_for_account(
            &state.db,
            granted.label(),
            account,
            kind,
            description.as_deref(),
            s,
            rid,
        )
        .await
    }
    .await;
    let to = |_: &PrivacyRequest| "/account/privacy-requests".to_string();
    after_form(result, &page, to, |status, error| {
        render_mine(&state, &granted, &page, status, Some(error))
    })
    .await
}

// ---- API ----

/// A request in the register, with its deadlines.
#[derive(Serialize, ToSchema)]
pub struct PrivacyRequestDto {
    id: i64,
    /// The label it arrived through.
    label: String,
    candidate_id: Option<i64>,
    requester_name: Option<String>,
    requester_contact: Option<String>,
    #[schema(example = "access")]
    kind: String,
    #[schema(example = "phone")]
    channel: String,
    description: Option<String>,
    #[schema(format = Date, example = "2026-11-25")]
    received_on: String,
    /// Ten working days after receipt (Dutch public holidays excluded); three months after
    /// receipt once extended.
    #[schema(format = Date, example = "2026-12-09")]
    due_on: String,
    /// One month after receipt (AVG art. 12(3)).
    #[schema(format = Date, example = "2026-12-25")]
    legal_limit_on: String,
    #[schema(example = "verified")]
    identity_check: String,
    identity_method: Option<String>,
    #[schema(example = "in_progress")]
    status: String,
    answer: Option<String>,
    answered_at: Option<String>,
    /// The account of the staff member who handled it last.
    handled_by: Option<i64>,
    /// `overdue`, `due_soon` (within two working days), `on_time` or `closed`.
    urgency: String,
}

fn urgency_word(u: Urgency) -> String {
    match u {
        Urgency::Overdue => "overdue",
        Urgency::DueSoon => "due_soon",
        Urgency::OnTime => "on_time",
        Urgency::Closed => "closed",
    }
    .to_string()
}

impl PrivacyRequestDto {
    fn new(r: PrivacyRequest, s: HolidaySettings) -> Self {
        let urgency = urgency_word(r.urgency(today(), s));
        PrivacyRequestDto {
            id: r.id,
            label: r.label,
            candidate_id: r.candidate_id,
            requester_name: r.requester_name,
            requester_contact: r.requester_contact,
            kind: r.kind,
            channel: r.channel,
            description: r.description,
            received_on: r.received_on.to_string(),
            due_on: r.due_on.to_string(),
            legal_limit_on: r.legal_limit_on.to_string(),
            identity_check: r.identity_check,
            identity_method: r.identity_method,
            status: r.status,
            answer: r.answer,
            answered_at: r.answered_at.map(|a| a.to_rfc3339()),
            handled_by: r.handled_by,
            urgency,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PrivacyRequestPageDto {
    items: Vec<PrivacyRequestDto>,
    total: u64,
    page: u64,
    per_page: u64,
}

/// The label's data-subject requests, earliest deadline first (PRV-1).
#[utoipa::path(get, path = "/api/v1/admin/privacy-requests", tag = "privacy", params(ListParams),
    responses((status = 200, body = PrivacyRequestPageDto),
        (status = 422, description = "A filter value or page size that is not accepted", body = Problem, content_type = "application/problem+json")))]
async fn list_privacy_requests(
    State(state): State<AppState>,
    granted: Granted,
    Query(params): Query<ListParams>,
) -> AppResult<Json<PrivacyRequestPageDto>> {
    let list = list_for(&state, &granted, &params).await?;
    let s = settings(&state);
    Ok(Json(PrivacyRequestPageDto {
        items: list
            .items
            .into_iter()
            .map(|r| PrivacyRequestDto::new(r, s))
            .collect(),
        total: list.total,
        page: list.page,
        per_page: list.per_page,
    }))
}

/// A request that reached the label by mail, phone or letter. Free texts may not hold a BSN,
/// an IBAN or an ID document number (422): write how the identity was checked, not the number.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPrivacyRequest {
    #[schema(example = "access")]
    kind: String,
    #[schema(example = "phone")]
    channel: String,
    /// Not in the future.
    #[schema(format = Date, example = "2026-11-25")]
    received_on: String,
    /// A candidate of this label, when the requester is one.
    candidate_id: Option<i64>,
    /// Required unless `candidate_id` or `requester_contact` is given; at most 300 characters.
    requester_name: Option<String>,
    /// How to reach the requester; at most 300 characters.
    requester_contact: Option<String>,
    /// What is asked, in short; at most 4000 characters.
    description: Option<String>,
    /// `not_done` (default), `verified` or `failed`.
    identity_check: Option<String>,
    /// How the identity was verified (required with `verified`); at most 300 characters.
    identity_method: Option<String>,
}

/// Register a data-subject request; its deadline is ten working days after receipt.
#[utoipa::path(post, path = "/api/v1/admin/privacy-requests", tag = "privacy", request_body = NewPrivacyRequest,
    responses((status = 201, body = PrivacyRequestDto)))]
async fn create_privacy_request(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewPrivacyRequest>,
) -> AppResult<(StatusCode, Json<PrivacyRequestDto>)> {
    let new = NewRequest {
        kind: Kind::parse(&body.kind)?,
        channel: Channel::parse(&body.channel)?,
        received_on: parse_date("received_on", &body.received_on)?,
        candidate_id: body.candidate_id,
        requester_name: body.requester_name,
        requester_contact: body.requester_contact,
        description: body.description,
        identity_check: optional(body.identity_check.as_deref(), IdentityCheck::parse)?
            .unwrap_or(IdentityCheck::NotDone),
        identity_method: body.identity_method,
    };
    let s = settings(&state);
    let created = requests::create(
        &state.db,
        granted.label(),
        granted.account()?.id,
        new,
        s,
        request_id(&headers),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PrivacyRequestDto::new(created, s)),
    ))
}

/// What changes on a request; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyRequestPatch {
    /// `answered` and `refused` need an answer; `extended` moves the deadline to three months
    /// after receipt; a closed request (`answered`, `refused`, `withdrawn`) no longer changes.
    status: Option<String>,
    identity_check: Option<String>,
    identity_method: Option<String>,
    answer: Option<String>,
}

/// Change a request's status, identity check or answer; status changes are audited.
#[utoipa::path(patch, path = "/api/v1/admin/privacy-requests/{id}", tag = "privacy",
    params(("id" = i64, Path)), request_body = PrivacyRequestPatch,
    responses((status = 200, body = PrivacyRequestDto),
        (status = 409, description = "The request is closed", body = Problem, content_type = "application/problem+json")))]
async fn update_privacy_request(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PrivacyRequestPatch>,
) -> AppResult<Json<PrivacyRequestDto>> {
    let change = Change {
        status: optional(body.status.as_deref(), Status::parse)?,
        identity_check: optional(body.identity_check.as_deref(), IdentityCheck::parse)?,
        identity_method: body.identity_method,
        answer: body.answer,
    };
    let updated = requests::update(
        &state.db,
        granted.label(),
        granted.account()?.id,
        id,
        change,
        request_id(&headers),
    )
    .await?;
    Ok(Json(PrivacyRequestDto::new(updated, settings(&state))))
}

/// One of the candidate's own requests.
#[derive(Serialize, ToSchema)]
pub struct MyPrivacyRequestDto {
    id: i64,
    label: String,
    kind: String,
    channel: String,
    description: Option<String>,
    #[schema(format = Date)]
    received_on: String,
    #[schema(format = Date)]
    due_on: String,
    #[schema(format = Date)]
    legal_limit_on: String,
    status: String,
    answer: Option<String>,
    answered_at: Option<String>,
}

impl From<PrivacyRequest> for MyPrivacyRequestDto {
    fn from(r: PrivacyRequest) -> Self {
        MyPrivacyRequestDto {
            id: r.id,
            label: r.label,
            kind: r.kind,
            channel: r.channel,
            description: r.description,
            received_on: r.received_on.to_string(),
            due_on: r.due_on.to_string(),
            legal_limit_on: r.legal_limit_on.to_string(),
            status: r.status,
            answer: r.answer,
            answered_at: r.answered_at.map(|a| a.to_rfc3339()),
        }
    }
}

/// The logged-in candidate's requests, newest first. Complaints about how they were handled
/// go to the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).
#[utoipa::path(get, path = "/api/v1/me/privacy-requests", tag = "privacy",
    responses((status = 200, body = Vec<MyPrivacyRequestDto>),
        (status = 404, description = "The account has no candidate record", body = Problem, content_type = "application/problem+json")))]
async fn list_my_privacy_requests(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<Vec<MyPrivacyRequestDto>>> {
    let mine = requests::for_account(&state.db, granted.account()?.id).await?;
    Ok(Json(mine.into_iter().map(Into::into).collect()))
}

/// A request the candidate files themselves.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMyPrivacyRequest {
    #[schema(example = "access")]
    kind: String,
    /// What you ask, in short; at most 4000 characters, no BSN, IBAN or ID document number.
    description: Option<String>,
}

/// File a data-subject request; it is answered within ten working days.
#[utoipa::path(post, path = "/api/v1/me/privacy-requests", tag = "privacy", request_body = NewMyPrivacyRequest,
    responses((status = 201, body = MyPrivacyRequestDto),
        (status = 404, description = "The account has no candidate record", body = Problem, content_type = "application/problem+json")))]
async fn file_my_privacy_request(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewMyPrivacyRequest>,
) -> AppResult<(StatusCode, Json<MyPrivacyRequestDto>)> {
    let filed = requests::file_for_account(
        &state.db,
        granted.label(),
        granted.account()?.id,
        Kind::parse(&body.kind)?,
        body.description.as_deref(),
        settings(&state),
        request_id(&headers),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(filed.into())))
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// The operations carry the names the issue gives them (operationId = handler name).
    #[test]
    fn prv_1_the_operations_carry_their_agreed_names() {
        let doc = serde_json::to_value(super::PrivacyRequestsDoc::openapi()).unwrap_or_default();
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(|item| item.as_object())
            .flat_map(|item| item.values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [
                "create_privacy_request",
                "file_my_privacy_request",
                "list_my_privacy_requests",
                "list_privacy_requests",
                "update_privacy_request",
            ]
        );
    }
}
