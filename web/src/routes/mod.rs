//! The routes, one module per resource, merged here. A resource's module holds its console
//! pages and its API handlers side by side, both calling the same core function, so the two
//! surfaces cannot drift apart; `api` holds only what the whole API shares (the document, the
//! JSON extractor, problem details).
mod account;
mod accounts;
pub mod api;
mod assets;
mod audit;
mod auth;
mod candidates;
mod documents;
pub mod guard;
mod health;
mod jobs;
mod labels;
mod people;
pub(crate) mod plugins;
mod portal;
mod privacy_requests;
pub(crate) use plugins::parse_rank_batch;
mod processors;
mod role_policies;
mod session;
mod site;
mod two_factor;

use axum::Router;
use axum::http::HeaderMap;

use crate::error::AppError;
use crate::state::AppState;

/// Every route with the access it needs.
pub fn table() -> guard::Routes {
    guard::Routes::new()
        .merge(health::routes())
        .merge(assets::routes())
        .merge(site::routes())
        .merge(auth::routes())
        .merge(session::routes())
        .merge(labels::routes())
        .merge(people::routes())
        .merge(privacy_requests::routes())
        // Before `role_policies`: the isolation matrix changes role policies as it walks the
        // table, and the candidate routes are checked against the policy as shipped.
        .merge(portal::routes())
        .merge(candidates::routes())
        .merge(role_policies::routes())
        .merge(audit::routes())
        .merge(jobs::routes())
        .merge(api::routes())
        .merge(plugins::routes())
        .merge(processors::routes())
        .merge(account::routes())
        .merge(accounts::routes())
        .merge(two_factor::routes())
        .merge(documents::routes())
}

/// The routes' specifications, for tests and documentation.
pub fn specs() -> Vec<guard::RouteSpec> {
    table().into_parts().1
}

pub fn router() -> Router<AppState> {
    let (router, _) = table().into_parts();
    router.fallback(|| async { AppError::NotFound })
}

/// The request id set by the outer layer, to tie audit entries to the request log.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A post-login redirect target that stays on this site; anything else gives `fallback` (the
/// label's home). See [`is_local_reference`] for what passes.
pub fn safe_next(next: Option<&str>, fallback: String) -> String {
    match next {
        Some(n) if is_local_reference(n) => n.to_string(),
        _ => fallback,
    }
}

/// True for a path-absolute reference on this site (`/admin/people?page=2`), made only of the
/// characters a URL path and query may hold. Browsers drop tabs and newlines from a `Location`
/// and read `\` as `/`, so `/\t/evil.example` and `/\evil.example` land on `//evil.example`:
/// control characters, whitespace and backslashes are refused anywhere, raw or percent-encoded,
/// and so is a leading `//` before or after decoding.
pub fn is_local_reference(next: &str) -> bool {
    /// Longer targets are not ours: our paths are short.
    const MAX_LEN: usize = 2048;
    /// `%252F` decodes to `%2F` and then to `/`: decode until nothing changes, this many times.
    const MAX_DECODES: usize = 4;
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b);
    if !next.starts_with('/') || next.len() > MAX_LEN || !next.bytes().all(allowed) {
        return false;
    }
    let mut current = next.to_string();
    for _ in 0..MAX_DECODES {
        let Some(decoded) = percent_decode(&current) else {
            return false;
        };
        if decoded.starts_with("//")
            || decoded
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        {
            return false;
        }
        if decoded == current {
            break;
        }
        current = decoded;
    }
    // And a URL parser, resolving it as a browser would, stays on the same origin.
    let Ok(site) = url::Url::parse("http://site.invalid/") else {
        return false;
    };
    site.join(next)
        .is_ok_and(|u| u.origin() == site.origin() && u.username().is_empty())
}

/// Strict percent-decoding: `None` for a `%` not followed by two hex digits or for bytes that
/// are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sec_next_cannot_leave_the_site() {
        let home = || "/l/werkweb/".to_string();
        for good in [
            "/admin",
            "/l/werkweb/admin/people?page=2",
            "/admin/people/12",
            "/privacy/1.3",
            "/search?q=caf%C3%A9",
        ] {
            assert_eq!(safe_next(Some(good), home()), good, "{good:?} is kept");
        }
        for hostile in [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "https:evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0d%0aSet-Cookie:x=y",
            "/%5Cevil.example",
            "/%2F/evil.example",
            "/%2fevil.example",
            "%2F%2Fevil.example",
            "/%252F/evil.example",
            "/%25252F%25252Fevil.example",
            "/%20/evil.example",
            "/ /evil.example",
            "/admin#frag",
            "/%zz",
            "/%c3",
            "/\u{7f}/evil.example",
            "/\u{a0}/evil.example",
            "",
            "evil.example",
            "?next=//evil.example",
        ] {
            assert_eq!(
                safe_next(Some(hostile), home()),
                home(),
                "{hostile:?} falls back to home"
            );
        }
        assert_eq!(safe_next(None, home()), home());
    }
}

#[cfg(test)]
mod access_tests {
    use super::guard::{Access, Scope};

    /// Paths that carry no personal or label-private data, and why they may be open.
    fn is_public_path(path: &str) -> bool {
        matches!(
            path,
            "/healthz"
                | "/readyz"
                | "/static/app.css"
                | "/theme.css"
                | "/"
                | "/privacy"
                | "/privacy/{version}"
                | "/login"
                | "/login/unlock/{token}"
                | "/login/two-factor"
                | "/account/two-factor"
                | "/account/two-factor/enrolment"
                | "/account/two-factor/enrolment/confirm"
                | "/account/two-factor/recovery-codes"
                | "/account/two-factor/disable"
                | "/api/v1/me/two-factor/enrolment"
                | "/api/v1/me/two-factor/enrolment/confirm"
                | "/api/v1/me/two-factor/recovery-codes"
                | "/api/v1/me/two-factor/disable"
                | "/api/v1/session/second-factor"
                | "/account"
                | "/account/password"
                | "/account/sessions/{id}/end"
                | "/api/v1/me/password"
                | "/api/v1/me/sessions"
                | "/api/v1/me/sessions/{id}"
                | "/logout"
                | "/password-reset"
                | "/password-reset/{token}"
                | "/setup/{token}"
                | "/api/openapi.json"
                | "/api/v1/label"
                | "/api/v1/session"
                | "/api/v1/me"
                | "/api/v1/password-resets"
                // Signing up and logging in with a mailed code or link (CAN-1, CAN-2).
                | "/signup"
                | "/verify-email/{token}"
                | "/login/code"
                | "/login/code/request"
                | "/login/code/{token}"
                | "/api/v1/candidates"
                | "/api/v1/email-verifications"
                | "/api/v1/login-codes"
                | "/api/v1/session/code"
                // One's own candidate profile: the session's, behind `SignedIn`.
                | "/portal"
                | "/portal/join"
                | "/api/v1/me/labels"
        )
    }

    #[test]
    fn every_data_route_is_registered_with_a_permission() {
        let specs = super::specs();
        assert!(specs.len() > 20, "the table holds the routes");
        for spec in &specs {
            match spec.access {
                Access::Public(reason) => {
                    assert!(
                        is_public_path(spec.path),
                        "{} {} is open ({reason}) but is not on the list of public paths",
                        spec.method,
                        spec.path
                    );
                }
                Access::Requires(permission) => {
                    if permission.scope == Scope::PathLabel {
                        assert!(
                            spec.path.contains("{slug}"),
                            "{} {} checks the path's label but has no {{slug}}",
                            spec.method,
                            spec.path
                        );
                    }
                }
            }
        }
        for spec in specs
            .iter()
            .filter(|s| s.path.starts_with("/admin") || s.path.starts_with("/api/v1/admin"))
        {
            assert!(
                matches!(spec.access, Access::Requires(_)),
                "{} {} is a console route without a permission",
                spec.method,
                spec.path
            );
        }
    }
}
