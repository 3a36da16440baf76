//! What each role may do, as console pages and as API: the platform policy (platform admins;
//! the role × permission matrix, editable within the catalogue, applying to every label at once)
//! and a label's narrowing of it (only switching off; only roles one may hand out and does not
//! hold). Both surfaces read and write through the same `Authz` calls, on the label of the
//! checked permission.
use axum::Json;
use axum::extract::{Path, RawForm, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use etalage_core::authz::{Role, catalogue};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::api::{ApiJson, Problem};
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::{PathLabel, Platform};
    Routes::new()
        .add(
            Method::GET,
            "/admin/roles",
            perm("roles", "grant", Platform),
            get(matrix),
        )
        .add(
            Method::POST,
            "/admin/roles/{role}",
            perm("roles", "grant", Platform),
            post(update),
        )
        .add(
            Method::GET,
            "/admin/labels/{slug}/roles",
            perm("roles", "read", PathLabel),
            get(label_matrix),
        )
        .add(
            Method::POST,
            "/admin/labels/{slug}/roles/{role}",
            perm("roles", "grant", PathLabel),
            post(label_update),
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
}

/// Which policy a change is to: the platform's, or the checked label's narrowing of it.
#[derive(Clone, Copy)]
enum PolicyOf {
    Platform,
    Label,
}

/// Sets what `role` may do (platform-wide) or keeps (in the checked label), for both surfaces.
async fn set_policy(
    state: &AppState,
    granted: &Granted,
    of: PolicyOf,
    role: &str,
    permissions: &[(String, String)],
    headers: &HeaderMap,
) -> AppResult<()> {
    let role = Role::parse(role)?;
    let actor = granted.account()?.id;
    let request_id = request_id(headers);
    match of {
        PolicyOf::Platform => {
            state
                .authz
                .set_role_policy(actor, role, permissions, request_id)
                .await?
        }
        PolicyOf::Label => {
            state
                .authz
                .set_label_role_policy(actor, granted.label(), role, permissions, request_id)
                .await?
        }
    }
    Ok(())
}

// ---- pages ----

/// The `perm=resource/action` checkboxes a policy form sends.
fn checked_permissions(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .filter(|(k, _)| k == "perm")
        .filter_map(|(_, v)| {
            v.split_once('/')
                .map(|(r, a)| (r.to_string(), a.to_string()))
        })
        .collect()
}

async fn matrix(
    State(state): State<AppState>,
    _granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let pairs = catalogue();
    let roles: Vec<Value> = state
        .authz
        .role_policies()
        .await
        .into_iter()
        .map(|(role, held)| {
            context! {
                name => role.as_str(),
                editable => role != Role::PlatformAdmin,
                cells => pairs
                    .iter()
                    .map(|p| context! { key => format!("{}/{}", p.0, p.1), held => held.contains(p) })
                    .collect::<Vec<Value>>(),
            }
        })
        .collect();
    let rows: Vec<String> = pairs.iter().map(|(r, a)| format!("{r}/{a}")).collect();
    Ok(page.render(
        &state,
        "admin_roles.html",
        context! { section => "roles", rows => rows, roles => roles },
    ))
}

async fn update(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(role): Path<String>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    set_policy(
        &state,
        &granted,
        PolicyOf::Platform,
        &role,
        &checked_permissions(&body),
        &page.headers,
    )
    .await?;
    Ok(Redirect::to(&page.link("/admin/roles")).into_response())
}

/// What each role below the viewer's may do in this label, and the forms to narrow it.
async fn label_matrix(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let assignable = state
        .authz
        .assignable_roles(granted.account()?.id, granted.label())
        .await?;
    let roles: Vec<Value> = state
        .authz
        .label_role_policies(granted.label())
        .await?
        .into_iter()
        .map(|(role, permissions)| {
            let cells = permissions
                .into_iter()
                .map(|(r, a, on)| context! { key => format!("{r}/{a}"), held => on })
                .collect::<Vec<Value>>();
            context! { name => role.as_str(), editable => assignable.contains(&role), cells => cells }
        })
        .collect();
    Ok(page.render(
        &state,
        "admin_label_roles.html",
        context! { section => "labels", slug => granted.label(), roles => roles },
    ))
}

async fn label_update(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path((_, role)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    set_policy(
        &state,
        &granted,
        PolicyOf::Label,
        &role,
        &checked_permissions(&body),
        &page.headers,
    )
    .await?;
    Ok(
        Redirect::to(&page.link(&format!("/admin/labels/{}/roles", granted.label())))
            .into_response(),
    )
}

// ---- API ----

#[derive(Serialize, Deserialize, ToSchema, PartialEq, Eq, Clone)]
pub struct PermissionDto {
    #[schema(example = "vacancy")]
    resource: String,
    #[schema(example = "write")]
    action: String,
}

fn pairs(permissions: Vec<PermissionDto>) -> Vec<(String, String)> {
    permissions
        .into_iter()
        .map(|p| (p.resource, p.action))
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct RolePolicyDto {
    role: String,
    permissions: Vec<PermissionDto>,
}

/// What each role may do (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/roles", tag = "roles", responses((status = 200, body = Vec<RolePolicyDto>)))]
async fn admin_roles(State(state): State<AppState>, _granted: Granted) -> Json<Vec<RolePolicyDto>> {
    Json(
        state
            .authz
            .role_policies()
            .await
            .into_iter()
            .map(|(role, permissions)| RolePolicyDto {
                role: role.as_str().to_string(),
                permissions: permissions
                    .into_iter()
                    .map(|(resource, action)| PermissionDto { resource, action })
                    .collect(),
            })
            .collect(),
    )
}

/// Replace what a role may do, everywhere (platform admins; not the platform-admin role). Only
/// permissions of the catalogue, and never one that breaks a promise the platform makes
/// whatever its policy (employers and visitors never reach candidate data, coaches never change
/// candidates, candidates reach only their profile, platform permissions stay with platform
/// admins): such a change is refused with 422 naming the invariant.
#[utoipa::path(put, path = "/api/v1/admin/roles/{role}", tag = "roles", request_body = Vec<PermissionDto>,
    params(("role" = String, Path)),
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role or permission, the platform-admin role, or a permission that breaks an invariant (named in the problem's detail)", body = Problem, content_type = "application/problem+json")))]
async fn admin_set_role_policy(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(role): Path<String>,
    ApiJson(permissions): ApiJson<Vec<PermissionDto>>,
) -> AppResult<StatusCode> {
    set_policy(
        &state,
        &granted,
        PolicyOf::Platform,
        &role,
        &pairs(permissions),
        &headers,
    )
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
    Ok(Json(
        state
            .authz
            .label_role_policies(granted.label())
            .await?
            .into_iter()
            .map(|(role, permissions)| LabelRolePolicyDto {
                role: role.as_str().into(),
                permissions: permissions
                    .into_iter()
                    .map(|(resource, action, allowed)| LabelPermissionDto {
                        resource,
                        action,
                        allowed,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// Set which of its platform permissions a role keeps in this label (only roles whose
/// permissions here the caller holds, and not one the caller holds; only narrowing). The body
/// lists the permissions to keep.
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
    set_policy(
        &state,
        &granted,
        PolicyOf::Label,
        &path.1,
        &pairs(keep),
        &headers,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
