//! Static assets, compiled in; the per-label theme.
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::extract::LabelCtx;
use crate::state::AppState;

const APP_CSS: &str = include_str!("../../static/app.css");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(app_css))
        .route("/theme.css", get(theme_css))
}

fn css(body: String, max_age: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(max_age));
    r
}

async fn app_css() -> Response {
    css(APP_CSS.to_string(), "public, max-age=3600")
}

/// The label's colours as CSS variables: branding without inline styles (CSP).
async fn theme_css(label: LabelCtx) -> Response {
    let l = &label.label;
    css(
        format!(
            ":root {{ --primary: {}; --accent: {}; --on-primary: {}; }}\n",
            l.primary_color, l.accent_color, l.text_on_primary
        ),
        // Short: an operator's colour change should show within a minute.
        "public, max-age=60",
    )
}
