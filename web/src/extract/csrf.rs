//! CSRF protection: signed double-submit. The browser holds a random nonce in an HttpOnly
//! cookie; every form carries HMAC(server key, nonce). A forged request from another site can
//! send the cookie but cannot read it, and cannot compute the token without the server key —
//! not even from a sibling subdomain that can plant cookies.
use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
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

fn sign(key: &[u8], nonce: &str) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// True when `token` was made for the nonce in the request's cookie.
pub fn verify_token(key: &[u8], cookie_nonce: Option<&str>, token: &str) -> bool {
    match cookie_nonce {
        Some(nonce) if !nonce.is_empty() && !token.is_empty() => {
            etalage_core::secrets::constant_time_eq(sign(key, nonce).as_bytes(), token.as_bytes())
        }
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
        let (nonce, set_cookie) = match cookies::get(&parts.headers, cookies::CSRF) {
            Some(nonce) if nonce.len() >= 32 => (nonce, None),
            _ => {
                let nonce = etalage_core::secrets::new_token();
                let cookie = cookies::build(
                    &parts.headers,
                    cookies::CSRF,
                    &nonce,
                    SameSite::Strict,
                    None,
                );
                (nonce, cookie)
            }
        };
        let token = CsrfToken {
            token: sign(&state.csrf_key, &nonce),
            set_cookie,
        };
        parts.extensions.insert(token.clone());
        Ok(token)
    }
}
