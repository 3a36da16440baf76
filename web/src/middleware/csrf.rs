//! Refuses state-changing requests that may come from another site (see `extract::csrf`).
//!
//! - Forms (urlencoded, multipart, text/plain — what a foreign page can submit without asking)
//!   must carry the token: a `csrf` field, an `X-CSRF-Token` header, or `?csrf=` for uploads.
//! - Anything else (JSON) cannot be sent cross-site without a CORS preflight, which we never
//!   grant; on top, an `Origin` header that names another host is refused.
//! - `Sec-Fetch-Site: cross-site` on an unsafe method is refused outright.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::cookies;
use crate::error::AppError;
use crate::extract::verify_token;
use crate::state::AppState;

pub async fn verify(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return AppError::Csrf.into_response();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.starts_with("multipart/form-data")
        || content_type.starts_with("text/plain");
    let nonce = cookies::get(headers, cookies::CSRF);

    if !is_form {
        if !origin_matches_host(headers) {
            return AppError::Csrf.into_response();
        }
        return next.run(req).await;
    }

    let header_token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            req.uri().query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "csrf")
                    .map(|(_, v)| v.into_owned())
            })
        });
    if let Some(token) = header_token {
        if verify_token(&state.csrf_key, nonce.as_deref(), &token) {
            return next.run(req).await;
        }
        return AppError::Csrf.into_response();
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return AppError::Csrf.into_response();
    }

    // Read the form to find the token, then hand the same bytes on to the handler.
    let (parts, body) = req.into_parts();
    let limit = state.config.http.body_limit_bytes;
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return (
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "the form is larger than allowed",
            )
                .into_response();
        }
    };
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !verify_token(&state.csrf_key, nonce.as_deref(), &token) {
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// No `Origin` (same-origin requests from older clients, non-browser clients) passes; an
/// `Origin` must name the host the request was sent to.
fn origin_matches_host(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}
