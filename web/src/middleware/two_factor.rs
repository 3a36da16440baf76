//! Platform policy (`security.require_two_factor`): an account holding one of the listed roles
//! that has not turned on two-factor login may, once logged in, only enrol and log out. The API
//! answers anything else 403 (`two-factor-required`), pages send it to the enrolment page.
//!
//! It runs inside the router, after label resolution (paths are the label's own by then) and
//! before every route's permission check, so no route can forget it.
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use etalage_core::accounts::two_factor;

use crate::error::AppError;
use crate::extract::{CurrentUser, LabelCtx};
use crate::state::AppState;

/// Where an account that must enrol may still go: enrolling, logging in and out, and what
/// pages need to show (assets, health, the API description).
pub fn reachable_before_enrolment(path: &str) -> bool {
    matches!(
        path,
        "/account/two-factor"
            | "/login"
            | "/login/two-factor"
            | "/logout"
            | "/api/v1/session"
            | "/api/v1/session/second-factor"
            | "/api/openapi.json"
            | "/healthz"
            | "/readyz"
            | "/theme.css"
    ) || path.starts_with("/account/two-factor/")
        || path.starts_with("/api/v1/me/two-factor/")
        || path.starts_with("/static/")
}

pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let required = &state.config.security.require_two_factor;
    if required.is_empty() || reachable_before_enrolment(req.uri().path()) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    // Looked up once: the handlers' own `CurrentUser` finds it in the extensions.
    let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(CurrentUser(user)) => user,
        Err(err) => return err.into_response(),
    };
    if let Some(account) = user {
        match two_factor::enrolment_required(&state.db, account.id, required).await {
            Ok(false) => {}
            Ok(true) if parts.uri.path().starts_with("/api/") => {
                return AppError::TwoFactorRequired.into_response();
            }
            Ok(true) => {
                let base = parts
                    .extensions
                    .get::<LabelCtx>()
                    .map(|l| l.base.clone())
                    .unwrap_or_default();
                return Redirect::to(&format!("{base}/account/two-factor")).into_response();
            }
            Err(err) => return AppError::Core(err).into_response(),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
