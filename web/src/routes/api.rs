//! The JSON API under `/api/v1/`, described by the OpenAPI document at `/api/openapi.json`.
//! Errors are `application/problem+json`. Authentication is the session cookie (`POST
//! /api/v1/session`); unsafe methods need a JSON body, which no other site can send us.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::Method;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use cookie::SameSite;
use etalage_core::accounts::{self, Account, sessions};
use etalage_core::audit::{self, Actor};
use etalage_core::{jobs, labels};
use etalage_tenants::{Label, LabelOverrides};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::cookies;
use crate::error::{AppError, AppResult};
use crate::extract::{ClientIp, CurrentUser, LabelCtx, PageCtx};
use crate::routes::admin::{audit_scope, manageable_labels};
use crate::routes::auth::{reset_context, start_session};
use crate::routes::guard::{Access, Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::{PathLabel, Platform, RequestLabel};
    const SESSION: Access = Access::Public("logging in and out needs no login");
    Routes::new()
        .add(
            Method::GET,
            "/api/openapi.json",
            Access::Public("the API description"),
            get(openapi),
        )
        .add(
            Method::GET,
            "/api/v1/label",
            Access::Public("the label's public facts"),
            get(current_label),
        )
        .add(
            Method::POST,
            "/api/v1/session",
            SESSION,
            post(create_session),
        )
        .add(
            Method::DELETE,
            "/api/v1/session",
            SESSION,
            delete(delete_session),
        )
        .add(
            Method::GET,
            "/api/v1/me",
            Access::Public("one's own account; 401 without a session"),
            get(me),
        )
        .add(
            Method::POST,
            "/api/v1/password-resets",
            SESSION,
            post(request_password_reset),
        )
        .add(
            Method::GET,
            "/api/v1/admin/labels",
            perm("label.settings", "read", RequestLabel),
            get(admin_labels),
        )
        .add(
            Method::GET,
            "/api/v1/admin/labels/{slug}",
            perm("label.settings", "read", PathLabel),
            get(admin_label),
        )
        .add(
            Method::PATCH,
            "/api/v1/admin/labels/{slug}",
            perm("label.settings", "update", PathLabel),
            patch(admin_update_label),
        )
        .add(
            Method::GET,
            "/api/v1/admin/people",
            perm("roles", "read", RequestLabel),
            get(admin_people),
        )
        .add(
            Method::POST,
            "/api/v1/admin/people/{id}/roles",
            perm("roles", "grant", RequestLabel),
            post(admin_grant),
        )
        .add(
            Method::DELETE,
            "/api/v1/admin/people/{id}/roles/{role}",
            perm("roles", "grant", RequestLabel),
            delete(admin_revoke),
        )
        .add(
            Method::GET,
            "/api/v1/admin/audit",
            perm("audit", "read", RequestLabel),
            get(admin_audit),
        )
        .add(
            Method::GET,
            "/api/v1/admin/roles",
            perm("roles", "grant", Platform),
            get(admin_roles),
        )
        .add(
            Method::PUT,
            "/api/v1/admin/roles/{role}",
            perm("roles", "grant", Platform),
            put(admin_set_role_policy),
        )
        .add(
            Method::GET,
            "/api/v1/admin/labels/{slug}/roles",
            perm("roles", "read", PathLabel),
            get(admin_label_roles),
        )
        .add(
            Method::PUT,
            "/api/v1/admin/labels/{slug}/roles/{role}",
            perm("roles", "grant", PathLabel),
            put(admin_set_label_role),
        )
        .add(
            Method::GET,
            "/api/v1/admin/jobs",
            perm("jobs", "read", Platform),
            get(admin_jobs),
        )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Etalage API",
        version = "1",
        description = "Multi-tenant recruitment platform. Every path under /api/v1 is answered for the label of the request's host (or of the /l/{slug} prefix)."
    ),
    paths(
        current_label,
        create_session,
        delete_session,
        me,
        request_password_reset,
        admin_labels,
        admin_label,
        admin_update_label,
        admin_audit,
        admin_jobs
    ),
    components(schemas(
        LabelDto,
        AccountDto,
        LoginRequest,
        PasswordResetRequest,
        LabelSettingsPatch,
        AuditEventDto,
        JobCountsDto,
        JobDto,
        JobsDto,
        Problem,
        FieldProblem
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::plugins::PluginsDoc::openapi());
    doc.merge(crate::routes::account::AccountDoc::openapi());
    doc.merge(crate::routes::accounts::AccountsDoc::openapi());
    let mut r = doc.to_pretty_json().unwrap_or_default().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

/// A JSON body whose rejections are problem+json like every other API error.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::Unsupported(
                "send the body as application/json".into(),
            )),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::PayloadTooLarge)
            }
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

/// RFC 9457 problem details, as every error of this API is answered.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[schema(example = "https://etalage.dev/problems/validation")]
    r#type: String,
    title: String,
    status: u16,
    detail: String,
    errors: Vec<FieldProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    field: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct LabelDto {
    slug: String,
    name: String,
    tagline: Option<String>,
    hostnames: Vec<String>,
    default_locale: String,
    locales: Vec<String>,
    contact_email: String,
    primary_color: String,
    accent_color: String,
    text_on_primary: String,
    /// The privacy statement version new candidates accept.
    current_statement_version: String,
    statement_versions: Vec<String>,
}

impl From<&Label> for LabelDto {
    fn from(l: &Label) -> Self {
        LabelDto {
            slug: l.slug.clone(),
            name: l.name.clone(),
            tagline: l.tagline.clone(),
            hostnames: l.hostnames.clone(),
            default_locale: l.default_locale.clone(),
            locales: l.locales.clone(),
            contact_email: l.contact_email.clone(),
            primary_color: l.primary_color.to_string(),
            accent_color: l.accent_color.to_string(),
            text_on_primary: l.text_on_primary.to_string(),
            current_statement_version: l.current_version.to_string(),
            statement_versions: l.statements.iter().map(|s| s.version.to_string()).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    id: i64,
    email: String,
    display_name: String,
    is_platform_admin: bool,
}

impl From<Account> for AccountDto {
    fn from(a: Account) -> Self {
        AccountDto {
            id: a.id,
            email: a.email,
            display_name: a.display_name,
            is_platform_admin: a.is_platform_admin,
        }
    }
}

/// The label this request is for.
#[utoipa::path(get, path = "/api/v1/label", tag = "labels",
    responses((status = 200, body = LabelDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn current_label(label: LabelCtx) -> Json<LabelDto> {
    Json(LabelDto::from(label.label.as_ref()))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// Log in: sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, body = AccountDto, description = "Logged in; the session cookie is set"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failed attempts; see Retry-After"),
    ))]
async fn create_session(
    State(state): State<AppState>,
    label: LabelCtx,
    headers: HeaderMap,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    let account = accounts::authenticate(
        &state.db,
        &state.throttle,
        &body.email,
        &body.password,
        &client,
    )
    .await?;
    let cookie = start_session(&state, &headers, &account, &label.label.slug).await?;
    let mut response = Json(AccountDto::from(account)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Log out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
async fn delete_session(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(token) = cookies::get(&headers, cookies::SESSION) {
        sessions::revoke(&state.db, &token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(clear) = cookies::build(&headers, cookies::SESSION, "", SameSite::Lax, Some(0)) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    Ok(response)
}

/// The logged-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = AccountDto), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(CurrentUser(user): CurrentUser) -> AppResult<Json<AccountDto>> {
    user.map(|u| Json(AccountDto::from(u)))
        .ok_or(AppError::Core(etalage_core::CoreError::Unauthenticated))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    email: String,
}

/// Mail a password reset link. Answers 202 whether or not the address has an account.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "session", request_body = PasswordResetRequest,
    responses((status = 202), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request_password_reset(
    State(state): State<AppState>,
    page: PageCtx,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> AppResult<StatusCode> {
    etalage_core::accounts::reset::request(&state.db, &body.email, &reset_context(&page)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The labels the caller may manage (all for platform admins, their own for operators).
#[utoipa::path(get, path = "/api/v1/admin/labels", tag = "admin",
    responses((status = 200, body = Vec<LabelDto>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn admin_labels(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<Vec<LabelDto>>> {
    let labels = manageable_labels(&state, &granted).await?;
    Ok(Json(
        labels.iter().map(|l| LabelDto::from(l.as_ref())).collect(),
    ))
}

/// One label (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/labels/{slug}", tag = "admin",
    params(("slug" = String, Path)),
    responses((status = 200, body = LabelDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn admin_label(
    State(state): State<AppState>,
    _granted: Granted,
    Path(slug): Path<String>,
) -> AppResult<Json<LabelDto>> {
    let label = state
        .labels
        .current()
        .get(&slug)
        .ok_or(AppError::NotFound)?;
    Ok(Json(LabelDto::from(label.as_ref())))
}

/// Run-time settings of a label. Fields left out keep their current value; `""` returns a field
/// to the label file's value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelSettingsPatch {
    name: Option<String>,
    tagline: Option<String>,
    #[schema(example = "#1f6f43")]
    primary_color: Option<String>,
    accent_color: Option<String>,
    text_on_primary: Option<String>,
}

/// Change a label's run-time settings (TEN-3); audited, effective at once.
#[utoipa::path(patch, path = "/api/v1/admin/labels/{slug}", tag = "admin",
    params(("slug" = String, Path)), request_body = LabelSettingsPatch,
    responses((status = 200, body = LabelDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn admin_update_label(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<LabelSettingsPatch>,
) -> AppResult<Json<LabelDto>> {
    let base = state.labels.from_file(&slug).ok_or(AppError::NotFound)?;
    let stored = labels::overrides(&state.db, &slug).await?;
    let mut current: LabelOverrides = serde_json::from_value(stored).unwrap_or_default();
    for (field, value) in [
        (&mut current.name, patch.name),
        (&mut current.tagline, patch.tagline),
        (&mut current.primary_color, patch.primary_color),
        (&mut current.accent_color, patch.accent_color),
        (&mut current.text_on_primary, patch.text_on_primary),
    ] {
        if value.is_some() {
            *field = value;
        }
    }
    let overrides = current
        .validate(&base)
        .map_err(|(field, message)| etalage_core::CoreError::Invalid { field, message })?;
    let value = serde_json::to_value(&overrides).map_err(|e| AppError::Internal(e.to_string()))?;
    labels::set_overrides(
        &state.db,
        &slug,
        &value,
        Actor::Account(granted.account()?.id),
        request_id(&headers),
    )
    .await?;
    state.labels.apply(&slug, &overrides);
    let label = state
        .labels
        .current()
        .get(&slug)
        .ok_or(AppError::NotFound)?;
    Ok(Json(LabelDto::from(label.as_ref())))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventDto {
    id: i64,
    at: String,
    actor_account_id: Option<i64>,
    label: Option<String>,
    action: String,
    subject: String,
    details: serde_json::Value,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only this label's events.
    label: Option<String>,
    /// Only events older than this id (paging).
    before: Option<i64>,
    /// At most this many (default 50, max 500).
    limit: Option<u64>,
}

/// The audit log, newest first: every label's for platform admins, one's own label's otherwise.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditParams),
    responses((status = 200, body = Vec<AuditEventDto>)))]
async fn admin_audit(
    State(state): State<AppState>,
    granted: Granted,
    Query(params): Query<AuditParams>,
) -> AppResult<Json<Vec<AuditEventDto>>> {
    let label = audit_scope(&state, &granted, params.label).await?;
    let events =
        audit::recent(&state.db, &label, params.before, params.limit.unwrap_or(50)).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| AuditEventDto {
                id: e.id,
                at: e.at.to_rfc3339(),
                actor_account_id: e.actor_account_id,
                label: e.label,
                action: e.action,
                subject: e.subject,
                details: e.details,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct JobCountsDto {
    queued: u64,
    running: u64,
    done: u64,
    failed: u64,
}

#[derive(Serialize, ToSchema)]
pub struct JobDto {
    id: i64,
    kind: String,
    status: String,
    attempts: i32,
    max_attempts: i32,
    last_error: Option<String>,
    created_at_ms: i64,
    finished_at_ms: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct JobsDto {
    counts: JobCountsDto,
    recent: Vec<JobDto>,
}

/// The job queue: counts and the latest jobs, without payloads (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", responses((status = 200, body = JobsDto)))]
async fn admin_jobs(State(state): State<AppState>, _granted: Granted) -> AppResult<Json<JobsDto>> {
    let c = jobs::counts(&state.db).await?;
    let recent = jobs::recent(&state.db, None, 50).await?;
    Ok(Json(JobsDto {
        counts: JobCountsDto {
            queued: c.queued,
            running: c.running,
            done: c.done,
            failed: c.failed,
        },
        recent: recent
            .into_iter()
            .map(|j| JobDto {
                id: j.id,
                kind: j.kind,
                status: j.status,
                attempts: j.attempts,
                max_attempts: j.max_attempts,
                last_error: j.last_error,
                created_at_ms: j.created_at_ms,
                finished_at_ms: j.finished_at_ms,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RoleDto {
    /// A label slug, or `platform`.
    domain: String,
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    id: i64,
    email: String,
    display_name: String,
    roles: Vec<RoleDto>,
}

/// People with roles in this label (everyone, for platform admins).
#[utoipa::path(get, path = "/api/v1/admin/people", tag = "roles", responses((status = 200, body = Vec<PersonDto>)))]
async fn admin_people(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<Vec<PersonDto>>> {
    let people = crate::routes::admin::people::visible_people(&state, &granted).await?;
    Ok(Json(
        people
            .into_iter()
            .map(|(a, roles)| PersonDto {
                id: a.id,
                email: a.email,
                display_name: a.display_name,
                roles: roles
                    .into_iter()
                    .map(|(domain, role)| RoleDto { domain, role })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    #[schema(example = "recruiter")]
    role: String,
}

/// Grant a role in this label (`platform-admin`: platform-wide). Refused above one's own role.
#[utoipa::path(post, path = "/api/v1/admin/people/{id}/roles", tag = "roles", request_body = GrantRequest,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn admin_grant(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<GrantRequest>,
) -> AppResult<StatusCode> {
    let role = etalage_core::authz::Role::parse(&body.role)?;
    accounts::find_by_id(&state.db, id)
        .await?
        .ok_or(etalage_core::CoreError::NotFound("person"))?;
    let domain = crate::routes::admin::people::domain_for(role, &granted.domain);
    state
        .authz
        .grant(
            granted.account()?.id,
            id,
            &domain,
            role,
            request_id(&headers),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke a role in this label; effective on the next request.
#[utoipa::path(delete, path = "/api/v1/admin/people/{id}/roles/{role}", tag = "roles",
    params(("id" = i64, Path), ("role" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn admin_revoke(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path((id, role)): Path<(i64, String)>,
) -> AppResult<StatusCode> {
    let role = etalage_core::authz::Role::parse(&role)?;
    let domain = crate::routes::admin::people::domain_for(role, &granted.domain);
    state
        .authz
        .revoke(
            granted.account()?.id,
            id,
            &domain,
            role,
            request_id(&headers),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema, PartialEq, Eq, Clone)]
pub struct PermissionDto {
    #[schema(example = "vacancy")]
    resource: String,
    #[schema(example = "write")]
    action: String,
}

#[derive(Serialize, ToSchema)]
pub struct RolePolicyDto {
    role: String,
    permissions: Vec<PermissionDto>,
}

/// What each role may do (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/roles", tag = "roles", responses((status = 200, body = Vec<RolePolicyDto>)))]
async fn admin_roles(State(state): State<AppState>, _granted: Granted) -> Json<Vec<RolePolicyDto>> {
    let mut out = Vec::new();
    for role in etalage_core::authz::Role::ALL {
        out.push(RolePolicyDto {
            role: role.as_str().to_string(),
            permissions: state
                .authz
                .role_policy(role)
                .await
                .into_iter()
                .map(|(resource, action)| PermissionDto { resource, action })
                .collect(),
        });
    }
    Json(out)
}

/// Replace what a role may do, everywhere (platform admins; not the platform-admin role).
#[utoipa::path(put, path = "/api/v1/admin/roles/{role}", tag = "roles", request_body = Vec<PermissionDto>,
    params(("role" = String, Path)),
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn admin_set_role_policy(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(role): Path<String>,
    ApiJson(permissions): ApiJson<Vec<PermissionDto>>,
) -> AppResult<StatusCode> {
    let role = etalage_core::authz::Role::parse(&role)?;
    let pairs: Vec<(String, String)> = permissions
        .into_iter()
        .map(|p| (p.resource, p.action))
        .collect();
    state
        .authz
        .set_role_policy(granted.account()?.id, role, &pairs, request_id(&headers))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct LabelPermissionDto {
    resource: String,
    action: String,
    /// False when this label switched the permission off for the role.
    allowed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LabelRolePolicyDto {
    role: String,
    permissions: Vec<LabelPermissionDto>,
}

/// What each role may do in this label: the platform policy less what the label switched off.
#[utoipa::path(get, path = "/api/v1/admin/labels/{slug}/roles", tag = "roles", params(("slug" = String, Path)),
    responses((status = 200, body = Vec<LabelRolePolicyDto>)))]
async fn admin_label_roles(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<Vec<LabelRolePolicyDto>>> {
    let mut out = Vec::new();
    for role in etalage_core::authz::Role::ALL {
        if role == etalage_core::authz::Role::PlatformAdmin {
            continue;
        }
        out.push(LabelRolePolicyDto {
            role: role.as_str().into(),
            permissions: state
                .authz
                .label_role_policy(&granted.domain, role)
                .await?
                .into_iter()
                .map(|(resource, action, allowed)| LabelPermissionDto {
                    resource,
                    action,
                    allowed,
                })
                .collect(),
        });
    }
    Ok(Json(out))
}

/// Set which of its platform permissions a role keeps in this label (only roles below one's
/// own; only narrowing). The body lists the permissions to keep.
#[utoipa::path(put, path = "/api/v1/admin/labels/{slug}/roles/{role}", tag = "roles", request_body = Vec<PermissionDto>,
    params(("slug" = String, Path), ("role" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn admin_set_label_role(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(path): Path<(String, String)>,
    ApiJson(keep): ApiJson<Vec<PermissionDto>>,
) -> AppResult<StatusCode> {
    let role = etalage_core::authz::Role::parse(&path.1)?;
    let pairs: Vec<(String, String)> = keep.into_iter().map(|p| (p.resource, p.action)).collect();
    state
        .authz
        .set_label_role_policy(
            granted.account()?.id,
            &granted.domain,
            role,
            &pairs,
            request_id(&headers),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
