//! Reading and writing our cookies. All are HttpOnly and SameSite; `Secure` is set everywhere
//! except on loopback hosts (`localhost`, `*.localhost`, 127.0.0.1), where a local server speaks
//! plain HTTP and browsers treat the origin as secure anyway.
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

pub const SESSION: &str = "etalage_session";
pub const CSRF: &str = "etalage_csrf";
pub const LANG: &str = "etalage_lang";

pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| Cookie::parse(pair.trim().to_string()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

pub fn is_loopback_host(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| h.trim_start_matches('['))
            .unwrap_or_default()
    } else {
        host.rsplit_once(':').map(|(n, _)| n).unwrap_or(host)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.starts_with("127.") || name == "::1"
}

/// A `Set-Cookie` value. `max_age_secs: Some(0)` removes the cookie; `None` lasts the session.
pub fn build(
    request_headers: &HeaderMap,
    name: &str,
    value: &str,
    same_site: SameSite,
    max_age_secs: Option<i64>,
) -> Option<HeaderValue> {
    let mut cookie = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(!is_loopback_host(request_headers))
        .build();
    if let Some(secs) = max_age_secs {
        cookie.set_max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&cookie.to_string()).ok()
}
