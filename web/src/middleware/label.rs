//! TEN-1: every request is resolved to its label before anything else — by its `/l/{slug}/`
//! path prefix when `http.path_labels` is on (so one local server shows every label), or else
//! by its `Host`. A request for no known label gets a plain 404 and never another label's
//! content. With path labels off, `/l/…` is a 404 on every host: a label's site does not
//! answer for the others under its own name.
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ErrorInfo;
use crate::extract::LabelCtx;
use crate::middleware::errors::plain_error;
use crate::state::AppState;

/// Paths that belong to the platform, not to a label: health checks, shared static assets and
/// the API description.
fn is_platform_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/api/openapi.json") || path.starts_with("/static/")
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_platform_path(&path) {
        return next.run(req).await;
    }
    let registry = state.labels.current();

    if let Some(rest) = path.strip_prefix("/l/") {
        if !state.config.path_labels() {
            return unknown_label(&path);
        }
        let (slug, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let Some(label) = registry.get(slug) else {
            return unknown_label(&path);
        };
        let new_path_and_query = match req.uri().query() {
            Some(q) => format!("{tail}?{q}"),
            None => tail.to_string(),
        };
        let Ok(uri) = new_path_and_query.parse::<Uri>() else {
            return unknown_label(&path);
        };
        *req.uri_mut() = uri;
        let ctx = LabelCtx::new(label, format!("/l/{slug}"), &state.links);
        req.extensions_mut().insert(ctx);
        return next.run(req).await;
    }

    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match host.and_then(|h| registry.resolve_host(&h)) {
        Some(label) => {
            let ctx = LabelCtx::new(label, String::new(), &state.links);
            req.extensions_mut().insert(ctx);
            next.run(req).await
        }
        None => unknown_label(&path),
    }
}

fn unknown_label(path: &str) -> Response {
    plain_error(
        path,
        &ErrorInfo {
            status: axum::http::StatusCode::NOT_FOUND,
            title: "Not Found",
            detail: "no site is served at this address".into(),
            errors: vec![],
            problem_type: "unknown-host",
        },
    )
}
