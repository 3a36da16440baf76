//! Logging in and out, password reset, and the first-admin setup. Core does the work; these
//! handlers parse forms, set cookies and choose the page.
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::routes::guard::{Access, Routes};
use axum::Form;
use cookie::SameSite;
use etalage_core::CoreError;
use etalage_core::accounts::two_factor::{self, LoginStep};
use etalage_core::accounts::{self, Account, reset, sessions, setup, unlock};
use etalage_core::audit::{self, Actor, AuditEntry};
use etalage_core::domain::{Email, Password};
use minijinja::context;
use serde::Deserialize;

use crate::cookies;
use crate::error::{AppError, AppResult};
use crate::extract::{ClientIp, PageCtx};
use crate::routes::site::notice_text;
use crate::routes::{request_id, safe_next};
use crate::state::AppState;

pub fn routes() -> Routes {
    const AUTH: Access = Access::Public("logging in needs no login");
    Routes::new()
        .add(Method::GET, "/login", AUTH, get(login_form))
        .add(Method::POST, "/login", AUTH, post(login))
        .add(Method::GET, "/login/unlock/{token}", AUTH, get(unlock_form))
        .add(
            Method::POST,
            "/login/two-factor",
            AUTH,
            post(login_second_factor),
        )
        .add(Method::POST, "/logout", AUTH, post(logout))
        .add(Method::GET, "/password-reset", AUTH, get(reset_form))
        .add(Method::POST, "/password-reset", AUTH, post(reset_request))
        .add(
            Method::GET,
            "/password-reset/{token}",
            AUTH,
            get(reset_choose_form),
        )
        .add(
            Method::POST,
            "/password-reset/{token}",
            AUTH,
            post(reset_choose),
        )
        .add(Method::GET, "/setup/{token}", AUTH, get(setup_form))
        .add(Method::POST, "/setup/{token}", AUTH, post(setup_submit))
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

async fn login_form(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<LoginQuery>,
) -> Response {
    let notice = notice_text(&page, q.notice.as_deref());
    page.render(
        &state,
        "login.html",
        context! { next => q.next, notice => notice, email => "" },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    /// The token of an unlock link mailed to the address (see `accounts::unlock`).
    unlock: Option<String>,
}

/// The login form reached from an unlock link: it carries the token along.
async fn unlock_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let valid = unlock::account_of(&state.db, &token).await?.is_some();
    let (status, notice) = if valid {
        (StatusCode::OK, page.t("login_unlock_hint"))
    } else {
        (StatusCode::GONE, page.t("login_unlock_expired"))
    };
    Ok(page.render_status(
        &state,
        status,
        "login.html",
        context! { notice => notice, email => "", unlock => valid.then_some(token) },
    ))
}

/// Starts a session for `account`: a new token every time (no session fixation), the old one
/// of this browser revoked, the login audited.
pub async fn start_session(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    account: &Account,
    label_slug: &str,
) -> AppResult<HeaderValue> {
    if let Some(old) = cookies::get(headers, cookies::SESSION) {
        sessions::revoke(&state.db, &old).await?;
    }
    let client = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let token = sessions::create(
        &state.db,
        account.id,
        state.config.session.lifetime(),
        client,
    )
    .await?;
    audit::record(
        &state.db,
        AuditEntry::new(
            Actor::Account(account.id),
            "account.login",
            format!("account:{}", account.id),
        )
        .label(label_slug.to_string())
        .request_id(request_id(headers)),
    )
    .await?;
    cookies::build(headers, cookies::SESSION, &token, SameSite::Lax, None)
        .ok_or_else(|| AppError::Internal("session cookie does not encode".into()))
}

async fn login(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let unlock_token = form.unlock.as_deref().filter(|t| !t.is_empty());
    let owner_unlocked = match unlock_token {
        Some(token) => unlock::unlocks(&state.db, token, &form.email).await?,
        None => false,
    };
    let result = accounts::authenticate_as(
        &state.db,
        &state.throttle,
        &form.email,
        &form.password,
        &client,
        owner_unlocked,
    )
    .await;
    let account = match result {
        Ok(account) => account,
        Err(
            err @ (CoreError::Unauthenticated | CoreError::Throttled { .. } | CoreError::Forbidden),
        ) => {
            let (status, message) = match err {
                CoreError::Throttled { retry_after_secs } => {
                    // The owner may be the one locked out by somebody's guesses: mail them a
                    // way in (at most once per window, and only if the address is locked).
                    unlock::offer(
                        &state.db,
                        &state.throttle,
                        &form.email,
                        &reset_context(&page),
                    )
                    .await?;
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        page.t("login_throttled")
                            .replace("{secs}", &retry_after_secs.to_string()),
                    )
                }
                // Only said after the right password: a disabled account is no secret to its
                // owner, and nobody else learns it.
                CoreError::Forbidden => {
                    (StatusCode::FORBIDDEN, page.t("login_disabled").to_string())
                }
                _ => (StatusCode::UNAUTHORIZED, page.t("login_failed").to_string()),
            };
            return Ok(page.render_status(
                &state,
                status,
                "login.html",
                context! {
                    next => form.next, error => message, email => form.email,
                    unlock => unlock_token,
                },
            ));
        }
        Err(other) => return Err(other.into()),
    };
    if let Some(token) = unlock_token.filter(|_| owner_unlocked) {
        unlock::spend(&state.db, token).await?;
    }
    match two_factor::after_password(&state.db, account).await? {
        LoginStep::Done(account) => logged_in(&state, &page, &account, form.next.as_deref()).await,
        LoginStep::SecondFactor { pending_token } => Ok(page.render(
            &state,
            "login_two_factor.html",
            context! { pending => pending_token, next => form.next },
        )),
    }
}

/// Starts the session and goes where the login was headed (or the person's home).
async fn logged_in(
    state: &AppState,
    page: &PageCtx,
    account: &Account,
    next: Option<&str>,
) -> AppResult<Response> {
    let cookie = start_session(state, &page.headers, account, &page.label.label.slug).await?;
    // PRV-4: a candidate whose label published a new statement sees it at this login, before
    // anything else; candidates otherwise land in their portal.
    let candidate = etalage_core::candidates::of_account(&state.db, account.id).await?;
    let statement_pending = match &candidate {
        Some(c) => {
            let through = crate::routes::portal::through(&page.label, reset_context(page));
            etalage_core::candidates::statement_to_accept(&state.db, c.id, &through)
                .await?
                .is_some()
        }
        None => false,
    };
    let fallback = if account.is_platform_admin {
        page.link("/admin")
    } else if candidate.is_some() {
        page.link("/portal")
    } else {
        page.link("/")
    };
    let target = if statement_pending {
        page.link("/portal")
    } else {
        safe_next(next, fallback)
    };
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize)]
struct SecondFactorForm {
    /// The pending login token the password step put in the form.
    pending: String,
    code: String,
    next: Option<String>,
}

/// The second step of a login through the form: a code from the app or a recovery code.
async fn login_second_factor(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<SecondFactorForm>,
) -> AppResult<Response> {
    let result = two_factor::verify_login(
        &state.db,
        &state.secrets_key,
        &state.throttle,
        &form.pending,
        &form.code,
        &client,
        request_id(&page.headers),
    )
    .await;
    let (status, message) = match result {
        Ok(account) => return logged_in(&state, &page, &account, form.next.as_deref()).await,
        // The pending login is gone (expired, spent, unknown): start again.
        Err(CoreError::Unauthenticated) => {
            return Ok(page.render_status(
                &state,
                StatusCode::UNAUTHORIZED,
                "login.html",
                context! { next => form.next, error => page.t("two_factor_login_expired"), email => "" },
            ));
        }
        Err(CoreError::Forbidden) => {
            return Ok(page.render_status(
                &state,
                StatusCode::FORBIDDEN,
                "login.html",
                context! { next => form.next, error => page.t("login_disabled"), email => "" },
            ));
        }
        Err(CoreError::Invalid { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page.t("two_factor_code_wrong").to_string(),
        ),
        Err(CoreError::Throttled { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            page.t("login_throttled")
                .replace("{secs}", &retry_after_secs.to_string()),
        ),
        Err(other) => return Err(other.into()),
    };
    Ok(page.render_status(
        &state,
        status,
        "login_two_factor.html",
        context! { pending => form.pending, next => form.next, error => message },
    ))
}

async fn logout(State(state): State<AppState>, page: PageCtx) -> AppResult<Response> {
    if let Some(token) = cookies::get(&page.headers, cookies::SESSION) {
        sessions::revoke(&state.db, &token).await?;
    }
    if let Some(user) = &page.user.0 {
        audit::record(
            &state.db,
            AuditEntry::new(
                Actor::Account(user.id),
                "account.logout",
                format!("account:{}", user.id),
            )
            .label(page.label.label.slug.clone())
            .request_id(request_id(&page.headers)),
        )
        .await?;
    }
    let mut response = Redirect::to(&page.link("/login?notice=logged_out")).into_response();
    if let Some(clear) = cookies::build(&page.headers, cookies::SESSION, "", SameSite::Lax, Some(0))
    {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    Ok(response)
}

async fn reset_form(State(state): State<AppState>, page: PageCtx) -> Response {
    page.render(&state, "reset_request.html", context! { email => "" })
}

#[derive(Deserialize)]
struct ResetRequestForm {
    email: String,
}

pub fn reset_context(page: &PageCtx) -> reset::ResetContext {
    let label = &page.label.label;
    reset::ResetContext {
        label_slug: label.slug.clone(),
        label_name: label.name.clone(),
        reply_to: Some(label.contact_email.clone()),
        base_url: page.label.public_base().to_string(),
        locale: page.lang.code().to_string(),
    }
}

async fn reset_request(
    State(state): State<AppState>,
    page: PageCtx,
    Form(form): Form<ResetRequestForm>,
) -> AppResult<Response> {
    match reset::request(&state.db, &form.email, &reset_context(&page)).await {
        Ok(()) => Ok(page.render(&state, "reset_sent.html", context! {})),
        Err(CoreError::Invalid { message, .. }) => Ok(page.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "reset_request.html",
            context! { email => form.email, error => format!("{}: {message}", page.t("email")) },
        )),
        Err(other) => Err(other.into()),
    }
}

async fn reset_choose_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let valid = reset::is_valid(&state.db, &token).await?;
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    Ok(page.render_status(
        &state,
        status,
        "reset_choose.html",
        context! { valid => valid },
    ))
}

#[derive(Deserialize)]
struct NewPasswordForm {
    password: String,
    password_repeat: String,
}

/// Checks a new password and its repetition; the message is for the form.
fn new_password(page: &PageCtx, password: &str, repeat: &str) -> Result<Password, String> {
    if password != repeat {
        return Err(page.t("passwords_differ").to_string());
    }
    Password::parse(password).map_err(|e| match e {
        CoreError::Invalid { .. } => page.t("password_hint").to_string(),
        other => other.to_string(),
    })
}

async fn reset_choose(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> AppResult<Response> {
    let password = match new_password(&page, &form.password, &form.password_repeat) {
        Ok(p) => p,
        Err(error) => {
            return Ok(page.render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "reset_choose.html",
                context! { valid => true, error => error },
            ));
        }
    };
    match reset::complete(&state.db, &token, &password).await {
        Ok(_) => Ok(Redirect::to(&page.link("/login?notice=password_changed")).into_response()),
        Err(CoreError::Conflict(_)) => Ok(page.render_status(
            &state,
            StatusCode::GONE,
            "reset_choose.html",
            context! { valid => false },
        )),
        Err(other) => Err(other.into()),
    }
}

async fn setup_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let valid = setup::is_valid(&state.db, &token).await?;
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    Ok(page.render_status(
        &state,
        status,
        "setup.html",
        context! { valid => valid, email => "", display_name => "" },
    ))
}

#[derive(Deserialize)]
struct SetupForm {
    email: String,
    display_name: String,
    password: String,
    password_repeat: String,
}

async fn setup_submit(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> AppResult<Response> {
    let again = |error: String| {
        page.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "setup.html",
            context! { valid => true, error => error, email => form.email, display_name => form.display_name },
        )
    };
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => return Ok(again(format!("{}: {e}", page.t("email")))),
    };
    let password = match new_password(&page, &form.password, &form.password_repeat) {
        Ok(p) => p,
        Err(error) => return Ok(again(error)),
    };
    let account =
        match setup::complete(&state.db, &token, &email, &form.display_name, &password).await {
            Ok(account) => account,
            Err(CoreError::Invalid { field, message }) => {
                return Ok(again(format!("{field}: {message}")));
            }
            Err(CoreError::Conflict(_)) => {
                return Ok(page.render_status(
                    &state,
                    StatusCode::GONE,
                    "setup.html",
                    context! { valid => false },
                ));
            }
            Err(other) => return Err(other.into()),
        };
    // The new admin's role link was written outside `Authz`; load it before they use it.
    state.authz.reload().await?;
    let cookie = start_session(&state, &page.headers, &account, &page.label.label.slug).await?;
    let mut response = Redirect::to(&page.link("/admin")).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
