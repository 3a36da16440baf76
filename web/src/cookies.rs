//! Reading and writing our cookies. All are HttpOnly and SameSite; `Secure` is set everywhere
//! except on loopback hosts (`localhost`, `*.localhost`, 127.0.0.1), where a local server speaks
//! plain HTTP and browsers treat the origin as secure anyway.
//!
//! Wherever a cookie is Secure its name carries the `__Host-` prefix: browsers then accept it
//! only when set by this very host over https, with `Path=/` and no `Domain`, so a sibling
//! subdomain (`evil.werkweb.net`) cannot plant a session or CSRF cookie for us. The constants
//! below are the logical names; [`get`] and [`build`] add the prefix where it applies.
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

pub const SESSION: &str = "etalage_session";
pub const CSRF: &str = "etalage_csrf";
pub const LANG: &str = "etalage_lang";

/// The name `name` has on the wire for a request with these headers.
pub fn wire_name(headers: &HeaderMap, name: &str) -> String {
    if is_loopback_host(headers) {
        name.to_string()
    } else {
        format!("__Host-{name}")
    }
}

/// Every value the browser sent under `name` (more than one means somebody planted a cookie
/// with another `Domain` or `Path` beside ours).
pub fn get_all(headers: &HeaderMap, name: &str) -> Vec<String> {
    let wire = wire_name(headers, name);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| Cookie::parse(pair.trim().to_string()).ok())
        .filter(|c| c.name() == wire)
        .map(|c| c.value().to_string())
        .collect()
}

pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    get_all(headers, name).into_iter().next()
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
    let mut cookie = Cookie::build((wire_name(request_headers, name), value.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn sec_secure_cookies_carry_the_host_prefix_and_unprefixed_ones_are_ignored() {
        let secure = headers("werkweb.net", "etalage_session=planted");
        assert_eq!(
            get(&secure, SESSION),
            None,
            "a cookie without __Host- is not ours"
        );
        let built = build(&secure, SESSION, "v", SameSite::Lax, None).unwrap();
        let built = built.to_str().unwrap();
        assert!(built.starts_with("__Host-etalage_session=v"), "{built}");
        assert!(
            built.contains("Secure") && built.contains("Path=/"),
            "{built}"
        );
        assert!(!built.contains("Domain"), "{built}");

        let local = headers("werkweb.localhost:8080", "etalage_session=mine");
        assert_eq!(get(&local, SESSION).as_deref(), Some("mine"));
    }
}
