//! Who is asking. `CurrentUser` may be anonymous; `PlatformAdmin` is a capability: a handler
//! that takes one cannot run unless the check passed.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use etalage_core::CoreError;
use etalage_core::accounts::{Account, sessions};

use crate::cookies;
use crate::error::AppError;
use crate::extract::LabelCtx;
use crate::state::AppState;

/// The logged-in account, if any. Looked up once per request.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Option<Account>);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let account = match cookies::get(&parts.headers, cookies::SESSION) {
            Some(token) => {
                let ttl = chrono::Duration::hours(state.config.session.idle_hours);
                sessions::lookup(&state.db, &token, ttl).await?
            }
            None => None,
        };
        let user = CurrentUser(account);
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// Proof that the request comes from a platform admin.
#[derive(Clone, Debug)]
pub struct PlatformAdmin(pub Account);

/// Not logged in: pages send the browser to the login form, the API answers 401.
/// Logged in without the role: 403 either way.
pub struct Denied(Response);

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        self.0
    }
}

impl FromRequestParts<AppState> for PlatformAdmin {
    type Rejection = Denied;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(|e| Denied(e.into_response()))?;
        match user {
            Some(account) if account.is_platform_admin => Ok(PlatformAdmin(account)),
            Some(_) => Err(Denied(AppError::Core(CoreError::Forbidden).into_response())),
            None => {
                let path = parts.uri.path();
                if path.starts_with("/api/") {
                    return Err(Denied(
                        AppError::Core(CoreError::Unauthenticated).into_response(),
                    ));
                }
                let base = parts
                    .extensions
                    .get::<LabelCtx>()
                    .map(|l| l.base.clone())
                    .unwrap_or_default();
                let next = format!(
                    "{base}{}",
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/")
                );
                let target = format!(
                    "{base}/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Err(Denied(Redirect::to(&target).into_response()))
            }
        }
    }
}
