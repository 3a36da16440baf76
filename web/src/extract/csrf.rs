//! CSRF protection: a signed token bound to who the browser is.
//!
//! Every form carries HMAC(server key, binding). The binding is the hash of the session token
//! when the browser has a session, and otherwise a random pre-session id the server issued in
//! an HttpOnly cookie (for the login and reset forms). A token therefore only works together
//! with the cookie it was made for: a token an attacker fetched for their own session or
//! pre-session id is worthless in the victim's browser, and a cookie planted from a sibling
//! subdomain does not help either, since its token would have to be computed with the server key
//! for the victim's session. Where cookies are Secure they carry the `__Host-` prefix, which
//! browsers refuse to accept from any other host (see `cookies`).
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use cookie::SameSite;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::cookies;
use crate::state::AppState;

/// The token to put in this page's forms, and the cookie to set if the browser had none.
#[derive(Clone, Debug)]
pub struct CsrfToken {
    pub token: String,
    pub set_cookie: Option<HeaderValue>,
}

/// Shorter pre-session ids were not made by us.
const MIN_PRE_SESSION_LEN: usize = 32;

fn sign(key: &[u8], binding: &str) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(binding.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn session_binding(session_token: &str) -> String {
    format!(
        "session:{}",
        etalage_core::secrets::token_hash(session_token)
    )
}

fn pre_session_binding(id: &str) -> String {
    format!("pre-session:{id}")
}

/// What a request's token must be bound to: its session, else its pre-session id.
fn binding(headers: &HeaderMap) -> Option<String> {
    if let Some(session) = cookies::get(headers, cookies::SESSION).filter(|s| !s.is_empty()) {
        return Some(session_binding(&session));
    }
    cookies::get(headers, cookies::CSRF)
        .filter(|id| id.len() >= MIN_PRE_SESSION_LEN)
        .map(|id| pre_session_binding(&id))
}

/// True when `token` was made for the session (or pre-session id) this request carries.
pub fn verify_token(key: &[u8], headers: &HeaderMap, token: &str) -> bool {
    match binding(headers) {
        Some(binding) if !token.is_empty() => etalage_core::secrets::constant_time_eq(
            sign(key, &binding).as_bytes(),
            token.as_bytes(),
        ),
        _ => false,
    }
}

impl FromRequestParts<AppState> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(existing) = parts.extensions.get::<CsrfToken>() {
            return Ok(existing.clone());
        }
        // A pre-session id is issued to every browser without one, logged in or not, so that
        // forms keep working right after logging out.
        let (pre_session, set_cookie) = match cookies::get(&parts.headers, cookies::CSRF) {
            Some(id) if id.len() >= MIN_PRE_SESSION_LEN => (id, None),
            _ => {
                let id = etalage_core::secrets::new_token();
                let cookie =
                    cookies::build(&parts.headers, cookies::CSRF, &id, SameSite::Strict, None);
                (id, cookie)
            }
        };
        let binding = match cookies::get(&parts.headers, cookies::SESSION).filter(|s| !s.is_empty())
        {
            Some(session) => session_binding(&session),
            None => pre_session_binding(&pre_session),
        };
        let token = CsrfToken {
            token: sign(&state.csrf_key, &binding),
            set_cookie,
        };
        parts.extensions.insert(token.clone());
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    fn with_cookie(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("werkweb.localhost"));
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn sec_a_csrf_token_only_works_with_the_session_it_was_made_for() {
        let key = b"server key";
        let pre = "p".repeat(40);
        let mine = with_cookie(&format!("etalage_session=mine; etalage_csrf={pre}"));
        let theirs = with_cookie(&format!("etalage_session=theirs; etalage_csrf={pre}"));
        let token = sign(key, &session_binding("mine"));
        assert!(verify_token(key, &mine, &token));
        assert!(
            !verify_token(key, &theirs, &token),
            "another session's token is refused even with the same pre-session id"
        );
        // Without a session the pre-session id binds; a token for a chosen id is not one for ours.
        let anonymous = with_cookie(&format!("etalage_csrf={pre}"));
        assert!(verify_token(
            key,
            &anonymous,
            &sign(key, &pre_session_binding(&pre))
        ));
        assert!(
            !verify_token(key, &anonymous, &sign(key, &pre)),
            "bare nonce tokens are gone"
        );
        assert!(!verify_token(key, &anonymous, ""));
    }
}
