//! Turns every error response into a proper body: problem+json (RFC 9457) for the API, the
//! label's branded error page for people. Covers our own `AppError`s and axum's rejections
//! (a malformed body, a wrong method) alike.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Value, context};

use crate::error::ErrorInfo;
use crate::extract::page::label_value;
use crate::extract::{LabelCtx, lang_for};
use crate::i18n::{self, Lang};
use crate::state::AppState;

pub async fn render(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let label = req.extensions().get::<LabelCtx>().cloned();
    let (lang, _) = match &label {
        Some(l) => lang_for(req.headers(), req.uri().query(), &l.label),
        None => (Lang::Nl, None),
    };
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let kept = kept_headers(response.headers());
    let info = match response.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None => {
            let already_formatted = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("text/html") || ct.contains("json"));
            if already_formatted {
                return response;
            }
            from_plain(response).await
        }
    };
    let mut out = match &label {
        Some(label) if !path.starts_with("/api/") => html_page(&state, label, lang, &info),
        _ => plain_error(&path, &info),
    };
    for (name, value) in kept {
        out.headers_mut().append(name, value);
    }
    out
}

/// Headers of the original answer that say something the new body does not: `Allow` on a 405
/// (RFC 9110 requires it), `Retry-After` on a 429 or 503, the authentication challenge, and any
/// cookie the handler set or cleared.
const KEPT_HEADERS: [header::HeaderName; 4] = [
    header::ALLOW,
    header::RETRY_AFTER,
    header::WWW_AUTHENTICATE,
    header::SET_COOKIE,
];

fn kept_headers(headers: &header::HeaderMap) -> Vec<(header::HeaderName, HeaderValue)> {
    KEPT_HEADERS
        .iter()
        .flat_map(|name| {
            headers
                .get_all(name)
                .iter()
                .map(move |value| (name.clone(), value.clone()))
        })
        .collect()
}

/// axum's rejections come as text/plain; keep their message (it says what was wrong with the
/// input) under a standard title.
async fn from_plain(response: Response) -> ErrorInfo {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = if body.is_empty() || status.is_server_error() {
        match status {
            StatusCode::METHOD_NOT_ALLOWED => {
                "this address does not accept that method".to_string()
            }
            StatusCode::SERVICE_UNAVAILABLE => "the request took too long; try again".to_string(),
            StatusCode::PAYLOAD_TOO_LARGE => "the request is larger than allowed".to_string(),
            s if s.is_server_error() => {
                "something went wrong on our side; it has been logged".to_string()
            }
            _ => title.to_string(),
        }
    } else {
        body
    };
    ErrorInfo {
        status,
        title,
        detail,
        errors: vec![],
        problem_type: match status {
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            s if s.is_server_error() => "internal",
            _ => "bad-request",
        },
    }
}

/// problem+json, used for the API and wherever there is no label to brand a page with.
pub fn plain_error(path: &str, info: &ErrorInfo) -> Response {
    if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        let body = serde_json::json!({
            "type": format!("https://etalage.dev/problems/{}", info.problem_type),
            "title": info.title,
            "status": info.status.as_u16(),
            "detail": info.detail,
            "errors": info.errors,
        });
        let mut response = (info.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        return response;
    }
    let html = format!(
        "<!doctype html><html lang=\"nl\"><meta charset=\"utf-8\"><title>{status}</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"><main class=\"bare\"><h1>{status} {title}</h1>\
         <p>{detail}</p></main></html>",
        status = info.status.as_u16(),
        title = html_escape(info.title),
        detail = html_escape(&info.detail),
    );
    (info.status, Html(html)).into_response()
}

fn html_page(state: &AppState, label: &LabelCtx, lang: Lang, info: &ErrorInfo) -> Response {
    let message_key = match info.problem_type {
        "not-found" => "error_not_found",
        "forbidden" => "error_forbidden",
        "csrf" => "error_csrf",
        "internal" | "unavailable" => "error_server",
        _ => "",
    };
    let message = if message_key.is_empty() {
        info.detail.clone()
    } else {
        i18n::t(lang, message_key).to_string()
    };
    let ctx = context! {
        label => label_value(&label.label),
        base => label.base,
        lang => lang.code(),
        t => Value::from_serialize(i18n::messages(lang)),
        page => context! { status => info.status.as_u16(), message => message },
    };
    match state.templates.render("error.html", ctx) {
        Ok(html) => {
            let mut r = (info.status, Html(html)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(_) => (info.status, Body::from(info.detail.clone())).into_response(),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
