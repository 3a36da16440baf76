//! Static assets, compiled in; the per-label theme.
use axum::http::Method;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::routes::guard::{Access, Routes};

use crate::extract::LabelCtx;

const APP_CSS: &str = include_str!("../../static/app.css");

pub fn routes() -> Routes {
    Routes::new()
        .add(
            Method::GET,
            "/static/app.css",
            Access::Public("stylesheet"),
            get(app_css),
        )
        .add(
            Method::GET,
            "/theme.css",
            Access::Public("the label's colours"),
            get(theme_css),
        )
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
