//! The job queue (platform admins): counts and the latest jobs, without payloads, as a console
//! page and as API. Both read [`etalage_core::jobs::overview`].
use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use etalage_core::jobs;
use minijinja::{Value, context};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::state::AppState;

/// How many of the latest jobs both surfaces show.
const RECENT: u64 = 50;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            Method::GET,
            "/admin/jobs",
            perm("jobs", "read", Scope::Platform),
            get(job_list),
        )
        .add(
            Method::GET,
            "/api/v1/admin/jobs",
            perm("jobs", "read", Scope::Platform),
            get(admin_jobs),
        )
}

#[derive(OpenApi)]
#[openapi(paths(admin_jobs), components(schemas(JobCountsDto, JobDto, JobsDto)))]
pub struct JobsDoc;

async fn job_list(
    State(state): State<AppState>,
    _granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let (counts, recent) = jobs::overview(&state.db, RECENT).await?;
    let rows: Vec<Value> = recent
        .iter()
        .map(|j| context! {
            id => j.id,
            kind => j.kind,
            status => j.status,
            attempts => j.attempts,
            max_attempts => j.max_attempts,
            last_error => j.last_error,
            created => chrono::DateTime::from_timestamp_millis(j.created_at_ms).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        })
        .collect();
    Ok(page.render(
        &state,
        "admin_jobs.html",
        context! { section => "jobs", counts => Value::from_serialize(&counts), jobs => rows },
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
    let (c, recent) = jobs::overview(&state.db, RECENT).await?;
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
