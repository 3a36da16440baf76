//! The signed-in person's own account: change the password, see the active sessions and end
//! them. Pages and API call the same core functions. These routes need a login but no
//! permission: everybody may manage their own account, and only their own — the account acted
//! on is always the session's, never one named in the request.
use axum::Form;
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post, put};
use chrono::{DateTime, Utc};
use etalage_core::CoreError;
use etalage_core::accounts::{self, Account, sessions};
use etalage_core::domain::Password;
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::cookies;
use crate::error::{AppError, AppResult};
use crate::extract::{ClientIp, CurrentUser, PageCtx};
use crate::routes::api::{ApiJson, Problem};
use crate::routes::guard::{Access, Routes};
use crate::routes::site::notice_text;
use crate::state::AppState;

pub fn routes() -> Routes {
    const OWN: Access = Access::Public("one's own account; a login is required by `SignedIn`");
    Routes::new()
        .add(Method::GET, "/account", OWN, get(account_page))
        .add(
            Method::POST,
            "/account/password",
            OWN,
            post(change_password_form),
        )
        .add(
            Method::POST,
            "/account/sessions/{id}/end",
            OWN,
            post(end_session_form),
        )
        .add(
            Method::PUT,
            "/api/v1/me/password",
            OWN,
            put(change_my_password),
        )
        .add(
            Method::GET,
            "/api/v1/me/sessions",
            OWN,
            get(list_my_sessions),
        )
        .add(
            Method::DELETE,
            "/api/v1/me/sessions/{id}",
            OWN,
            delete(end_my_session),
        )
}

/// The logged-in account; pages without one go to the login form, the API answers 401.
pub struct SignedIn {
    pub account: Account,
    /// The session token of this request, to tell the caller's own session from the others.
    pub session_token: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token = cookies::get(&parts.headers, cookies::SESSION);
        match (user, token) {
            (Some(account), Some(session_token)) => Ok(SignedIn {
                account,
                session_token,
            }),
            _ if parts.uri.path().starts_with("/api/") => {
                Err(AppError::Core(CoreError::Unauthenticated).into_response())
            }
            _ => {
                let base = parts
                    .extensions
                    .get::<crate::extract::LabelCtx>()
                    .map(|l| l.base.clone())
                    .unwrap_or_default();
                Err(Redirect::to(&format!("{base}/login?next={base}/account")).into_response())
            }
        }
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    render_account(
        &state,
        &me,
        &page,
        StatusCode::OK,
        notice_text(&page, q.notice.as_deref()),
        None,
    )
    .await
}

async fn render_account(
    state: &AppState,
    me: &SignedIn,
    page: &PageCtx,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> AppResult<Response> {
    let list = sessions::list_of(&state.db, me.account.id, Some(&me.session_token)).await?;
    Ok(page.render_status(
        state,
        status,
        "account.html",
        context! {
            sessions => list.iter().map(SessionDto::from).collect::<Vec<_>>(),
            notice => notice,
            error => error,
        },
    ))
}

#[derive(Deserialize)]
struct ChangePasswordForm {
    current_password: String,
    password: String,
    password_repeat: String,
}

async fn change_password_form(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<ChangePasswordForm>,
) -> AppResult<Response> {
    let refused = |error: String| {
        render_account(
            &state,
            &me,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(error),
        )
    };
    if form.password != form.password_repeat {
        return refused(page.t("passwords_differ").to_string()).await;
    }
    let new = match Password::parse(&form.password) {
        Ok(p) => p,
        Err(_) => return refused(page.t("password_hint").to_string()).await,
    };
    match change(&state, &me, &form.current_password, &new, &client).await {
        Ok(()) => Ok(Redirect::to(&page.link("/account?notice=password_changed")).into_response()),
        Err(CoreError::Invalid { message, .. }) => {
            refused(format!("{}: {message}", page.t("current_password"))).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The one place both surfaces change a password.
async fn change(
    state: &AppState,
    me: &SignedIn,
    current: &str,
    new: &Password,
    client: &etalage_core::accounts::ClientAddr,
) -> Result<(), CoreError> {
    accounts::change_own_password(
        &state.db,
        &state.throttle,
        &me.account,
        current,
        new,
        client,
        &me.session_token,
    )
    .await
}

async fn end_session_form(
    State(state): State<AppState>,
    me: SignedIn,
    page: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    sessions::end_own(&state.db, me.account.id, id).await?;
    Ok(Redirect::to(&page.link("/account?notice=saved")).into_response())
}

/// One of the caller's sessions.
#[derive(Serialize, ToSchema)]
pub struct SessionDto {
    id: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// The user agent the session was started from.
    client: Option<String>,
    /// True for the session this request was made with.
    current: bool,
}

impl From<&sessions::SessionView> for SessionDto {
    fn from(s: &sessions::SessionView) -> Self {
        SessionDto {
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            client: s.client.clone(),
            current: s.current,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    /// At least 12 characters.
    #[schema(min_length = 12)]
    new_password: String,
}

/// Change one's own password; the caller's other sessions end.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "account", operation_id = "change_my_password",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every other session of the account has ended"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Wrong current password or too weak a new one"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many wrong current passwords"),
    ))]
async fn change_my_password(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<PasswordChange>,
) -> AppResult<StatusCode> {
    let new = Password::parse(&body.new_password).map_err(|e| match e {
        CoreError::Invalid { message, .. } => CoreError::invalid("new_password", message),
        other => other,
    })?;
    change(&state, &me, &body.current_password, &new, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's active sessions, newest first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "account", operation_id = "list_my_sessions",
    responses(
        (status = 200, body = Vec<SessionDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_my_sessions(
    State(state): State<AppState>,
    me: SignedIn,
) -> AppResult<Json<Vec<SessionDto>>> {
    let list = sessions::list_of(&state.db, me.account.id, Some(&me.session_token)).await?;
    Ok(Json(list.iter().map(SessionDto::from).collect()))
}

/// End one of the caller's sessions (another person's is 404, like one that does not exist).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "account", operation_id = "end_my_session",
    params(("id" = i64, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn end_my_session(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    sessions::end_own(&state.db, me.account.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    paths(change_my_password, list_my_sessions, end_my_session),
    components(schemas(SessionDto, PasswordChange))
)]
pub struct AccountDoc;
