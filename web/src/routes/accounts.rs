//! Platform admins disable an account (its sessions end at once, it can no longer log in) and
//! enable it again. Audited. Pages and API call the same core function.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use etalage_core::accounts;
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::extract::LabelCtx;
use crate::routes::api::Problem;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    // Whoever administers the platform's roles administers its accounts: platform admins.
    let admins = perm("roles", "grant", Scope::Platform);
    Routes::new()
        .add(
            Method::POST,
            "/admin/accounts/{id}/disable",
            admins,
            post(disable_form),
        )
        .add(
            Method::POST,
            "/admin/accounts/{id}/enable",
            admins,
            post(enable_form),
        )
        .add(
            Method::POST,
            "/api/v1/admin/accounts/{id}/disable",
            admins,
            post(disable_account),
        )
        .add(
            Method::POST,
            "/api/v1/admin/accounts/{id}/enable",
            admins,
            post(enable_account),
        )
}

/// The one place both surfaces switch an account.
async fn set_disabled(
    state: &AppState,
    granted: &Granted,
    headers: &HeaderMap,
    id: i64,
    disabled: bool,
) -> AppResult<()> {
    let by = granted.account()?.id;
    accounts::set_disabled(&state.db, id, disabled, by, request_id(headers)).await?;
    Ok(())
}

async fn disable_form(
    State(state): State<AppState>,
    granted: Granted,
    label: LabelCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    switch_from_form(&state, &granted, &label, &headers, id, true).await
}

async fn enable_form(
    State(state): State<AppState>,
    granted: Granted,
    label: LabelCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    switch_from_form(&state, &granted, &label, &headers, id, false).await
}

/// The console's forms go back to the person's page.
async fn switch_from_form(
    state: &AppState,
    granted: &Granted,
    label: &LabelCtx,
    headers: &HeaderMap,
    id: i64,
    disabled: bool,
) -> AppResult<Response> {
    set_disabled(state, granted, headers, id, disabled).await?;
    Ok(Redirect::to(&format!("{}/admin/people/{id}?notice=saved", label.base)).into_response())
}

/// Disable an account: every session of it ends at once and it can no longer log in.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/disable", tag = "admin",
    operation_id = "disable_account", params(("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "One's own account"),
    ))]
async fn disable_account(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    set_disabled(&state, &granted, &headers, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a disabled account again.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/enable", tag = "admin",
    operation_id = "enable_account", params(("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn enable_account(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    set_disabled(&state, &granted, &headers, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(paths(disable_account, enable_account))]
pub struct AccountsDoc;
