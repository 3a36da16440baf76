use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use etalage_tenants::Label;

use crate::error::AppError;

/// The label of this request, set by the label layer before any handler runs (TEN-1).
#[derive(Clone, Debug)]
pub struct LabelCtx {
    pub label: Arc<Label>,
    /// Path prefix for links: `""` on the label's own host, `/l/{slug}` on a shared one.
    pub base: String,
}

impl LabelCtx {
    /// The label's address as this request reached it, for links in mails.
    pub fn base_url(&self, parts_headers: &axum::http::HeaderMap) -> String {
        let host = parts_headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if crate::cookies::is_loopback_host(parts_headers) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}{}", self.base)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LabelCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<LabelCtx>()
            .cloned()
            .ok_or(AppError::NotFound)
    }
}
