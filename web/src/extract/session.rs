//! Who is asking. `CurrentUser` may be anonymous; what they may do is decided per route by
//! `routes::guard`.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use etalage_core::accounts::{Account, sessions};

use crate::cookies;
use crate::error::AppError;
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
                sessions::lookup(&state.db, &token, state.config.session.lifetime()).await?
            }
            None => None,
        };
        let user = CurrentUser(account);
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}
