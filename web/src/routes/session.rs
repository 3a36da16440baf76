//! The session over the API: logging in and out, one's own account, and asking for a password
//! reset link. The pages for the same live in `auth` (owned with the accounts work).
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use cookie::SameSite;
use etalage_core::accounts::two_factor::{self, LoginStep};
use etalage_core::accounts::{self, Account, sessions};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::cookies;
use crate::error::{AppError, AppResult};
use crate::extract::{ClientIp, CurrentUser, LabelCtx, PageCtx};
use crate::routes::api::{ApiJson, Problem};
use crate::routes::auth::{reset_context, start_session};
use crate::routes::guard::{Access, Routes};
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    const SESSION: Access = Access::Public("logging in and out needs no login");
    Routes::new()
        .add(
            Method::POST,
            "/api/v1/session",
            SESSION,
            post(create_session),
        )
        .add(
            Method::POST,
            "/api/v1/session/second-factor",
            SESSION,
            post(verify_login_second_factor),
        )
        .add(
            Method::DELETE,
            "/api/v1/session",
            SESSION,
            delete(delete_session),
        )
        .add(
            Method::GET,
            "/api/v1/me",
            Access::Public("one's own account; 401 without a session"),
            get(me),
        )
        .add(
            Method::POST,
            "/api/v1/password-resets",
            SESSION,
            post(request_password_reset),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        create_session,
        verify_login_second_factor,
        delete_session,
        me,
        request_password_reset
    ),
    components(schemas(
        AccountDto,
        LoginRequest,
        SecondFactorRequired,
        SecondFactorRequest,
        PasswordResetRequest
    ))
)]
pub struct SessionDoc;

#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    id: i64,
    email: String,
    display_name: String,
    is_platform_admin: bool,
}

impl From<Account> for AccountDto {
    fn from(a: Account) -> Self {
        AccountDto {
            id: a.id,
            email: a.email,
            display_name: a.display_name,
            is_platform_admin: a.is_platform_admin,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// A correct password of an account with two-factor login: no session yet.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorRequired {
    /// Always true: send a code with the token to `POST /api/v1/session/second-factor`.
    second_factor_required: bool,
    /// Single use, bound to the account, valid for `expires_in_secs`.
    pending_token: String,
    expires_in_secs: i64,
}

/// Log in: sets the session cookie, or (two-factor login on) answers 202 with a pending login
/// token for the second step and sets no cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, body = AccountDto, description = "Logged in; the session cookie is set"),
        (status = 202, body = SecondFactorRequired, description = "Password correct; a second factor is needed (no session yet)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The account is disabled"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many failed attempts; see Retry-After"),
    ))]
async fn create_session(
    State(state): State<AppState>,
    label: LabelCtx,
    headers: HeaderMap,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    let account = accounts::authenticate(
        &state.db,
        &state.throttle,
        &body.email,
        &body.password,
        &client,
    )
    .await?;
    match two_factor::after_password(&state.db, account).await? {
        LoginStep::Done(account) => logged_in(&state, &headers, account, &label).await,
        LoginStep::SecondFactor { pending_token } => Ok((
            StatusCode::ACCEPTED,
            Json(SecondFactorRequired {
                second_factor_required: true,
                pending_token,
                expires_in_secs: two_factor::PENDING_LOGIN_MINUTES * 60,
            }),
        )
            .into_response()),
    }
}

/// The answer of a complete login: the account, and the session cookie.
async fn logged_in(
    state: &AppState,
    headers: &HeaderMap,
    account: Account,
    label: &LabelCtx,
) -> AppResult<Response> {
    let cookie = start_session(state, headers, &account, &label.label.slug).await?;
    let mut response = Json(AccountDto::from(account)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    /// The token `POST /api/v1/session` answered.
    pending_token: String,
    /// Six digits from the authenticator app, or a recovery code.
    code: String,
}

/// The second step of a login: the pending login token and a code from the app (or a recovery
/// code). Sets the session cookie. A wrong code may be tried again (throttled) until the token
/// expires.
#[utoipa::path(post, path = "/api/v1/session/second-factor", tag = "session",
    operation_id = "verify_login_second_factor", request_body = SecondFactorRequest,
    responses(
        (status = 200, body = AccountDto, description = "Logged in; the session cookie is set"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Unknown, expired or spent pending login; log in again"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The account is disabled"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Not a valid code (or one already used)"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong codes; see Retry-After"),
    ))]
async fn verify_login_second_factor(
    State(state): State<AppState>,
    label: LabelCtx,
    headers: HeaderMap,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<SecondFactorRequest>,
) -> AppResult<Response> {
    let account = two_factor::verify_login(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &body.pending_token,
        &body.code,
        &client,
        request_id(&headers),
    )
    .await?;
    logged_in(&state, &headers, account, &label).await
}

/// Log out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
async fn delete_session(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(token) = cookies::get(&headers, cookies::SESSION) {
        sessions::revoke(&state.db, &token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(clear) = cookies::build(&headers, cookies::SESSION, "", SameSite::Lax, Some(0)) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    Ok(response)
}

/// The logged-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = AccountDto), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(CurrentUser(user): CurrentUser) -> AppResult<Json<AccountDto>> {
    user.map(|u| Json(AccountDto::from(u)))
        .ok_or(AppError::Core(etalage_core::CoreError::Unauthenticated))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    email: String,
}

/// Mail a password reset link. Answers 202 whether or not the address has an account.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "session", request_body = PasswordResetRequest,
    responses((status = 202), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request_password_reset(
    State(state): State<AppState>,
    page: PageCtx,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> AppResult<StatusCode> {
    etalage_core::accounts::reset::request(&state.db, &body.email, &reset_context(&page)).await?;
    Ok(StatusCode::ACCEPTED)
}
