//! The label's public pages: home and the privacy statement (PRV-4: every version stays readable).
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;

use crate::routes::guard::{Access, Routes};
use etalage_core::domain::StatementVersion;
use minijinja::context;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::PageCtx;
use crate::markdown;
use crate::state::AppState;

pub fn routes() -> Routes {
    const PUBLISHED: Access = Access::Public("the label's public pages");
    Routes::new()
        .add(Method::GET, "/", PUBLISHED, get(home))
        .add(Method::GET, "/privacy", PUBLISHED, get(privacy_current))
        .add(
            Method::GET,
            "/privacy/{version}",
            PUBLISHED,
            get(privacy_version),
        )
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

async fn home(State(state): State<AppState>, page: PageCtx, Query(q): Query<Notice>) -> Response {
    let notice = notice_text(&page, q.notice.as_deref());
    page.render(&state, "home.html", context! { notice => notice })
}

/// A known notice key from a redirect (`?notice=logged_out`), in the page's language.
pub fn notice_text(page: &PageCtx, key: Option<&str>) -> Option<&'static str> {
    match key? {
        "logged_out" => Some(page.t("notice_logged_out")),
        "password_changed" => Some(page.t("notice_password_changed")),
        "saved" => Some(page.t("notice_saved")),
        _ => None,
    }
}

async fn privacy_current(State(state): State<AppState>, page: PageCtx) -> AppResult<Response> {
    let version = page.label.label.current_version;
    render_statement(&state, &page, version)
}

async fn privacy_version(
    State(state): State<AppState>,
    page: PageCtx,
    Path(version): Path<String>,
) -> AppResult<Response> {
    let version = StatementVersion::parse(&version).map_err(|_| AppError::NotFound)?;
    render_statement(&state, &page, version)
}

fn render_statement(
    state: &AppState,
    page: &PageCtx,
    version: StatementVersion,
) -> AppResult<Response> {
    let label = &page.label.label;
    let statement = label.statement(version).ok_or(AppError::NotFound)?;
    let versions: Vec<_> = label
        .statements
        .iter()
        .rev()
        .map(
            |s| context! { version => s.version.to_string(), published => s.published.to_string() },
        )
        .collect();
    Ok(page.render(
        state,
        "privacy.html",
        context! {
            version => statement.version.to_string(),
            published => statement.published.to_string(),
            is_current => statement.version == label.current_version,
            body_html => minijinja::Value::from_safe_string(markdown::to_html(&statement.body)),
            versions => versions,
        },
    ))
}
