//! Refuses state-changing requests that may come from another site (see `extract::csrf`).
//!
//! - Forms (urlencoded, multipart, text/plain — what a foreign page can submit without asking)
//!   must carry the token: a `csrf` field, an `X-CSRF-Token` header, or `?csrf=` for uploads.
//!   The token is bound to the browser's session (or pre-session id), see `extract::csrf`.
//! - Anything else (JSON) cannot be sent cross-site without a CORS preflight, which we never
//!   grant.
//! - On every unsafe request, form or not, an `Origin` (or, without one, a `Referer`) that
//!   names another host is refused, and so is `Sec-Fetch-Site: cross-site`.
//! - Two session or CSRF cookies in one request mean one was planted beside ours (another
//!   `Domain` or `Path`); such a request is refused rather than guessed at.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
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
    if !origin_matches_host(headers) || has_planted_cookie(headers) {
        return AppError::Csrf.into_response();
    }
    if !is_form {
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
        if verify_token(&state.csrf_key, req.headers(), &token) {
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
    if !verify_token(&state.csrf_key, &parts.headers, &token) {
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn has_planted_cookie(headers: &HeaderMap) -> bool {
    cookies::get_all(headers, cookies::SESSION).len() > 1
        || cookies::get_all(headers, cookies::CSRF).len() > 1
}

/// A request without `Origin` and `Referer` (non-browser clients, or a browser told to send no
/// referrer) passes; otherwise the first of them present must name the host the request was
/// sent to, scheme and all.
fn origin_matches_host(headers: &HeaderMap) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else {
        return true;
    };
    let Ok(url) = url::Url::parse(source) else {
        // `Origin: null` (sandboxed frames, some redirects) and garbage are not this site.
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(source_host) = url.host_str() else {
        return false;
    };
    let source_authority = match url.port() {
        Some(port) => format!("{source_host}:{port}"),
        None => source_host.to_string(),
    };
    !host.is_empty() && source_authority.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn sec_origin_and_referer_must_name_this_host() {
        let host = (header::HOST, "werkweb.localhost:8080");
        assert!(origin_matches_host(&headers(std::slice::from_ref(&host))));
        assert!(origin_matches_host(&headers(&[
            host.clone(),
            (header::ORIGIN, "http://werkweb.localhost:8080")
        ])));
        assert!(!origin_matches_host(&headers(&[
            host.clone(),
            (header::ORIGIN, "http://evil.localhost:8080")
        ])));
        assert!(!origin_matches_host(&headers(&[
            host.clone(),
            (header::ORIGIN, "null")
        ])));
        assert!(origin_matches_host(&headers(&[
            host.clone(),
            (
                header::REFERER,
                "http://werkweb.localhost:8080/login?next=/"
            )
        ])));
        assert!(!origin_matches_host(&headers(&[
            host.clone(),
            (
                header::REFERER,
                "http://werkweb.localhost.evil.example:8080/"
            )
        ])));
        // Userinfo cannot smuggle our host name in front of another.
        assert!(!origin_matches_host(&headers(&[
            host,
            (
                header::REFERER,
                "http://werkweb.localhost:8080@evil.example/"
            )
        ])));
    }

    #[test]
    fn sec_a_second_session_cookie_beside_ours_is_refused() {
        let host = (header::HOST, "werkweb.localhost");
        assert!(!has_planted_cookie(&headers(&[
            host.clone(),
            (header::COOKIE, "etalage_session=a")
        ])));
        assert!(has_planted_cookie(&headers(&[
            host,
            (header::COOKIE, "etalage_session=a; etalage_session=b")
        ])));
    }
}
