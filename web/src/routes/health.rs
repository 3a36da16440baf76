//! Liveness and readiness for load balancers and orchestrators.
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::get;

use crate::routes::guard::{Access, Routes};
use axum::Json;
use serde_json::json;

use crate::state::AppState;

pub fn routes() -> Routes {
    Routes::new()
        .add(
            Method::GET,
            "/healthz",
            Access::Public("liveness probe"),
            get(healthz),
        )
        .add(
            Method::GET,
            "/readyz",
            Access::Public("readiness probe"),
            get(readyz),
        )
}

/// The process answers.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers and labels are loaded.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = state.db.ping().await.is_ok();
    let labels = state.labels.current().len();
    let ready = database && labels > 0;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "unavailable" },
            "database": if database { etalage_core::store::backend_name(&state.db) } else { "down" },
            "labels": labels,
        })),
    )
}
