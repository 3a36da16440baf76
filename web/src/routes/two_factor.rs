//! Two-factor login: the signed-in person enrols (a secret shown once, active after one valid
//! code), regenerates recovery codes and turns it off (password and code); platform admins
//! reset it for a person locked out. Pages and API call the same core functions
//! (`accounts::two_factor`); the account acted on is always the session's, except in the
//! admin reset, which names it and needs the platform permission. The login's second step
//! lives with the login (`auth`, `session`).
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Json};
use etalage_core::CoreError;
use etalage_core::accounts::two_factor::{self, Enrolment};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::error::AppResult;
use crate::extract::{ClientIp, LabelCtx, PageCtx};
use crate::routes::account::SignedIn;
use crate::routes::api::{ApiJson, Problem};
use crate::routes::guard::{Access, Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::routes::site::notice_text;
use crate::state::AppState;

pub fn routes() -> Routes {
    const OWN: Access = Access::Public("one's own account; a login is required by `SignedIn`");
    // Whoever administers the platform's accounts (see `accounts`): platform admins.
    let admins = perm("roles", "grant", Scope::Platform);
    Routes::new()
        .add(
            Method::GET,
            "/account/two-factor",
            OWN,
            axum::routing::get(two_factor_page),
        )
        .add(
            Method::POST,
            "/account/two-factor/enrolment",
            OWN,
            post(start_form),
        )
        .add(
            Method::POST,
            "/account/two-factor/enrolment/confirm",
            OWN,
            post(confirm_form),
        )
        .add(
            Method::POST,
            "/account/two-factor/recovery-codes",
            OWN,
            post(regenerate_form),
        )
        .add(
            Method::POST,
            "/account/two-factor/disable",
            OWN,
            post(disable_form),
        )
        .add(
            Method::POST,
            "/api/v1/me/two-factor/enrolment",
            OWN,
            post(start_totp_enrolment),
        )
        .add(
            Method::POST,
            "/api/v1/me/two-factor/enrolment/confirm",
            OWN,
            post(confirm_totp_enrolment),
        )
        .add(
            Method::POST,
            "/api/v1/me/two-factor/recovery-codes",
            OWN,
            post(regenerate_recovery_codes),
        )
        .add(
            Method::POST,
            "/api/v1/me/two-factor/disable",
            OWN,
            post(disable_totp),
        )
        .add(
            Method::POST,
            "/admin/accounts/{id}/two-factor/reset",
            admins,
            post(reset_form),
        )
        .add(
            Method::POST,
            "/api/v1/admin/accounts/{id}/two-factor/reset",
            admins,
            post(reset_account_two_factor),
        )
}

/// The name authenticator apps show the entry under: the label the person enrolled on.
fn issuer(label: &LabelCtx) -> &str {
    &label.label.name
}

// --- Pages ---

/// What the page shows besides its status: a fresh enrolment, or recovery codes shown once.
#[derive(Default)]
struct Shown {
    enrolment: Option<Enrolment>,
    recovery_codes: Option<Vec<String>>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    me: &SignedIn,
    page: &PageCtx,
    status: StatusCode,
    shown: Shown,
) -> AppResult<Response> {
    let current = two_factor::status(&state.db, me.account.id).await?;
    let required = two_factor::enrolment_required(
        &state.db,
        me.account.id,
        &state.config.security.require_two_factor,
    )
    .await?;
    Ok(page.render_status(
        state,
        status,
        "two_factor.html",
        context! {
            status => current,
            required => required,
            enrolment => shown.enrolment,
            recovery_codes => shown.recovery_codes,
            notice => shown.notice,
            error => shown.error,
        },
    ))
}

/// A refused code or password is said on the page; anything else is an error page.
async fn refused(
    state: &AppState,
    me: &SignedIn,
    page: &PageCtx,
    err: CoreError,
) -> AppResult<Response> {
    let (status, message) = match err {
        CoreError::Invalid { field: "code", .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page.t("two_factor_code_wrong").to_string(),
        ),
        CoreError::Invalid { message, .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {message}", page.t("current_password")),
        ),
        CoreError::Throttled { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            page.t("login_throttled")
                .replace("{secs}", &retry_after_secs.to_string()),
        ),
        CoreError::Conflict(message) => (StatusCode::CONFLICT, message),
        other => return Err(other.into()),
    };
    let shown = Shown {
        error: Some(message),
        ..Shown::default()
    };
    render(state, me, page, status, shown).await
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn two_factor_page(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    let shown = Shown {
        notice: notice_text(&page, q.notice.as_deref()),
        ..Shown::default()
    };
    render(&state, &me, &page, StatusCode::OK, shown).await
}

async fn start_form(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
) -> AppResult<Response> {
    match two_factor::start_enrolment(
        &state.db,
        &state.secrets_key,
        &me.account,
        issuer(&page.label),
    )
    .await
    {
        Ok(enrolment) => {
            let shown = Shown {
                enrolment: Some(enrolment),
                ..Shown::default()
            };
            render(&state, &me, &page, StatusCode::OK, shown).await
        }
        Err(err) => refused(&state, &me, &page, err).await,
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn confirm_form(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let result = two_factor::confirm_enrolment(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &me.account,
        &form.code,
        &client,
    )
    .await;
    let notice = page.t("two_factor_enabled");
    show_recovery_codes(&state, &me, &page, result, Some(notice)).await
}

/// The page after new recovery codes (shown once), or the refusal.
async fn show_recovery_codes(
    state: &AppState,
    me: &SignedIn,
    page: &PageCtx,
    result: Result<Vec<String>, CoreError>,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    match result {
        Ok(codes) => {
            let shown = Shown {
                recovery_codes: Some(codes),
                notice,
                ..Shown::default()
            };
            render(state, me, page, StatusCode::OK, shown).await
        }
        Err(err) => refused(state, me, page, err).await,
    }
}

async fn regenerate_form(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let result = two_factor::regenerate_recovery_codes(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &me.account,
        &form.code,
        &client,
    )
    .await;
    show_recovery_codes(&state, &me, &page, result, None).await
}

#[derive(Deserialize)]
struct DisableForm {
    current_password: String,
    code: String,
}

async fn disable_form(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<DisableForm>,
) -> AppResult<Response> {
    match two_factor::disable(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &me.account,
        &form.current_password,
        &form.code,
        &client,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&page.link("/account/two-factor?notice=saved")).into_response()),
        Err(err) => refused(&state, &me, &page, err).await,
    }
}

async fn reset_form(
    State(state): State<AppState>,
    granted: Granted,
    label: LabelCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    reset(&state, &granted, &headers, id).await?;
    Ok(Redirect::to(&format!("{}/admin/people/{id}?notice=saved", label.base)).into_response())
}

/// The one place both surfaces reset a person's two-factor login.
async fn reset(state: &AppState, granted: &Granted, headers: &HeaderMap, id: i64) -> AppResult<()> {
    let by = granted.account()?.id;
    two_factor::admin_reset(&state.db, id, by, request_id(headers)).await?;
    Ok(())
}

// --- API ---

/// A new enrolment: shown once. Add it to an authenticator app, then confirm with a code.
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolmentDto {
    /// The secret in base32, to type into an app that cannot scan.
    secret: String,
    /// `otpauth://totp/…` (SHA1, 6 digits, 30 s), what the QR code holds.
    otpauth_uri: String,
    /// The URI as an SVG QR code.
    qr_svg: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// Six digits from the authenticator app (or, where a recovery code is accepted, one of
    /// those).
    code: String,
}

/// Recovery codes, shown once: each works once in place of a code from the app.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesDto {
    recovery_codes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableTotp {
    current_password: String,
    /// A code from the app, or a recovery code.
    code: String,
}

/// Start enrolling an authenticator app: a fresh secret, active only once confirmed with a code.
/// Starting again replaces an unconfirmed enrolment.
#[utoipa::path(post, path = "/api/v1/me/two-factor/enrolment", tag = "account",
    operation_id = "start_totp_enrolment",
    responses(
        (status = 200, body = TotpEnrolmentDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-factor login is already on"),
    ))]
async fn start_totp_enrolment(
    State(state): State<AppState>,
    me: SignedIn,
    label: LabelCtx,
) -> AppResult<Json<TotpEnrolmentDto>> {
    let enrolment =
        two_factor::start_enrolment(&state.db, &state.secrets_key, &me.account, issuer(&label))
            .await?;
    Ok(Json(TotpEnrolmentDto {
        secret: enrolment.secret_base32,
        otpauth_uri: enrolment.otpauth_uri,
        qr_svg: enrolment.qr_svg,
    }))
}

/// Confirm the enrolment with a code from the app: two-factor login is on from now, and the
/// recovery codes are answered (once).
#[utoipa::path(post, path = "/api/v1/me/two-factor/enrolment/confirm", tag = "account",
    operation_id = "confirm_totp_enrolment", request_body = TotpCode,
    responses(
        (status = 200, body = RecoveryCodesDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "No enrolment was started, or two-factor login is already on"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Not a valid code"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong codes; see Retry-After"),
    ))]
async fn confirm_totp_enrolment(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<TotpCode>,
) -> AppResult<Json<RecoveryCodesDto>> {
    let recovery_codes = two_factor::confirm_enrolment(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &me.account,
        &body.code,
        &client,
    )
    .await?;
    Ok(Json(RecoveryCodesDto { recovery_codes }))
}

/// Replace all recovery codes with new ones, against a valid code.
#[utoipa::path(post, path = "/api/v1/me/two-factor/recovery-codes", tag = "account",
    operation_id = "regenerate_recovery_codes", request_body = TotpCode,
    responses(
        (status = 200, body = RecoveryCodesDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-factor login is off"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Not a valid code"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong codes; see Retry-After"),
    ))]
async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<TotpCode>,
) -> AppResult<Json<RecoveryCodesDto>> {
    let recovery_codes = two_factor::regenerate_recovery_codes(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &me.account,
        &body.code,
        &client,
    )
    .await?;
    Ok(Json(RecoveryCodesDto { recovery_codes }))
}

/// Turn two-factor login off: the current password and a valid code (or recovery code).
#[utoipa::path(post, path = "/api/v1/me/two-factor/disable", tag = "account",
    operation_id = "disable_totp", request_body = DisableTotp,
    responses(
        (status = 204, description = "Off; secret and recovery codes are gone"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Two-factor login is off"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong password or not a valid code"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong passwords or codes; see Retry-After"),
    ))]
async fn disable_totp(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<DisableTotp>,
) -> AppResult<StatusCode> {
    two_factor::disable(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &me.account,
        &body.current_password,
        &body.code,
        &client,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reset a person's two-factor login (lost device and recovery codes): its secret and codes go,
/// and every session of the person ends. Not for one's own account.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/two-factor/reset", tag = "admin",
    operation_id = "reset_account_two_factor", params(("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "One's own account"),
    ))]
async fn reset_account_two_factor(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    reset(&state, &granted, &headers, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    paths(
        start_totp_enrolment,
        confirm_totp_enrolment,
        regenerate_recovery_codes,
        disable_totp,
        reset_account_two_factor
    ),
    components(schemas(TotpEnrolmentDto, TotpCode, RecoveryCodesDto, DisableTotp))
)]
pub struct TwoFactorDoc;
