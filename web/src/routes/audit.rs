//! The audit log, newest first, as a console page and as API: every label's entries for
//! platform admins (or the one they ask for), only the checked label's for anyone else. Both
//! surfaces take the scope from [`AuditScope::for_reader`].
use axum::Json;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use etalage_core::audit::{self, AuditScope};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            Method::GET,
            "/admin/audit",
            perm("audit", "read", Scope::RequestLabel),
            get(audit_log),
        )
        .add(
            Method::GET,
            "/api/v1/admin/audit",
            perm("audit", "read", Scope::RequestLabel),
            get(admin_audit),
        )
}

#[derive(OpenApi)]
#[openapi(paths(admin_audit), components(schemas(AuditEventDto)))]
pub struct AuditDoc;

/// The scope the checked reader may read, given the label they asked for.
async fn scope_for(
    state: &AppState,
    granted: &Granted,
    asked: Option<String>,
) -> AppResult<AuditScope> {
    granted.account()?;
    Ok(AuditScope::for_reader(&state.authz, granted.checked(), asked).await?)
}

#[derive(Deserialize)]
struct AuditQuery {
    label: Option<String>,
    before: Option<i64>,
}

async fn audit_log(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    const PAGE: u64 = 50;
    let scope = scope_for(&state, &granted, q.label).await?;
    let filter = scope.label().map(str::to_string);
    let events = audit::recent(&state.db, &scope, q.before, PAGE).await?;
    let older = (events.len() as u64 == PAGE)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    let rows: Vec<Value> = events
        .iter()
        .map(|e| context! {
            id => e.id,
            at => e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor => e.actor_account_id,
            label => e.label,
            action => e.action,
            subject => e.subject,
            details => if e.details.as_object().is_some_and(|o| o.is_empty()) { String::new() } else { e.details.to_string() },
        })
        .collect();
    let labels: Vec<String> = state
        .labels
        .current()
        .labels()
        .map(|l| l.slug.clone())
        .collect();
    Ok(page.render(
        &state,
        "admin_audit.html",
        context! { section => "audit", events => rows, older => older, filter => filter, labels => labels },
    ))
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
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "page_size")]
    limit: Option<u64>,
}

/// The largest page the log answers; a larger `limit` is refused rather than quietly cut, so the
/// documented range is the accepted one.
const MAX_PAGE: u64 = 500;

fn page_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let n = u64::deserialize(d)?;
    if (1..=MAX_PAGE).contains(&n) {
        Ok(Some(n))
    } else {
        Err(serde::de::Error::custom(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )))
    }
}

/// The audit log, newest first: every label's for platform admins, one's own label's otherwise.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditParams),
    responses((status = 200, body = Vec<AuditEventDto>)))]
async fn admin_audit(
    State(state): State<AppState>,
    granted: Granted,
    Query(params): Query<AuditParams>,
) -> AppResult<Json<Vec<AuditEventDto>>> {
    let scope = scope_for(&state, &granted, params.label).await?;
    let events =
        audit::recent(&state.db, &scope, params.before, params.limit.unwrap_or(50)).await?;
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
