//! The routes, one module per resource, merged here.
mod account;
mod accounts;
mod admin;
pub mod api;
mod assets;
mod auth;
pub mod guard;
mod health;
pub(crate) mod plugins;
pub(crate) use plugins::parse_rank_batch;
mod site;

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
        .merge(admin::routes())
        .merge(api::routes())
        .merge(plugins::routes())
        .merge(account::routes())
        .merge(accounts::routes())
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

/// A post-login redirect target that stays on this site: a path, never `//host` or a URL.
pub fn safe_next(next: Option<&str>, fallback: String) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_cannot_leave_the_site() {
        let f = || "/".to_string();
        assert_eq!(safe_next(Some("/admin"), f()), "/admin");
        assert_eq!(safe_next(Some("//evil.example"), f()), "/");
        assert_eq!(safe_next(Some("https://evil.example"), f()), "/");
        assert_eq!(safe_next(Some("/\\evil.example"), f()), "/");
        assert_eq!(safe_next(None, f()), "/");
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
