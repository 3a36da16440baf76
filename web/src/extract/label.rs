use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use etalage_tenants::{Label, LabelLinks};

use crate::error::AppError;

/// The label of this request, set by the label layer before any handler runs (TEN-1).
#[derive(Clone, Debug)]
pub struct LabelCtx {
    pub label: Arc<Label>,
    /// Path prefix for links: `""` on the label's own host, `/l/{slug}` on a shared one.
    pub base: String,
    /// The label's public address for links that leave the browser (mail), from its
    /// configuration and never from this request's `Host` or forwarding headers.
    public_base: String,
}

impl LabelCtx {
    pub fn new(label: Arc<Label>, base: String, links: &LabelLinks) -> Self {
        let public_base = links.base(&label);
        LabelCtx {
            label,
            base,
            public_base,
        }
    }

    /// The label's public address (`https://werkweb.net`), without a trailing `/`.
    pub fn public_base(&self) -> &str {
        &self.public_base
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
