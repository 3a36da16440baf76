//! The one error type of the web layer, and the one place errors become HTTP.
//!
//! A handler returns `AppError`; its `IntoResponse` only fixes the status and attaches an
//! [`ErrorInfo`]. The `render_errors` middleware then writes the body in the form the client asked
//! for: `application/problem+json` under `/api/`, the label's branded error page elsewhere.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use etalage_core::CoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("the form has expired or did not come from this site")]
    Csrf,
    #[error("{0}")]
    Unsupported(String),
    #[error("the request body is larger than allowed")]
    PayloadTooLarge,
    /// Too large, with what the limit is.
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Plugin(#[from] etalage_core::plugins::PluginError),
    /// Platform policy: the account's role requires two-factor login, and it has not enrolled.
    #[error(
        "your role requires two-factor login: set it up first (POST /api/v1/me/two-factor/enrolment)"
    )]
    TwoFactorRequired,
    #[error("internal error: {0}")]
    Internal(String),
}

/// A field-level problem, for forms and `errors` in problem+json.
#[derive(Clone, Debug, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What `render_errors` needs to write an error body.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub status: StatusCode,
    /// Short, stable, English: the problem's `title`.
    pub title: &'static str,
    /// Safe to show; never internals.
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub problem_type: &'static str,
}

impl AppError {
    pub fn info(&self) -> ErrorInfo {
        let (status, title, problem_type, detail, errors) = match self {
            AppError::Core(err) => match err {
                CoreError::NotFound(what) => (
                    StatusCode::NOT_FOUND,
                    "Not Found",
                    "not-found",
                    format!("{what} not found"),
                    vec![],
                ),
                CoreError::Unauthenticated => (
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    "unauthenticated",
                    "log in first, or check your e-mail address and password".into(),
                    vec![],
                ),
                CoreError::Forbidden => (
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    "forbidden",
                    "you may not do this".into(),
                    vec![],
                ),
                CoreError::Conflict(message) => (
                    StatusCode::CONFLICT,
                    "Conflict",
                    "conflict",
                    message.clone(),
                    vec![],
                ),
                CoreError::Invalid { field, message } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Unprocessable Entity",
                    "validation",
                    format!("{field}: {message}"),
                    vec![FieldError {
                        field: (*field).to_string(),
                        message: message.clone(),
                    }],
                ),
                CoreError::Throttled { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too Many Requests",
                    "throttled",
                    format!("too many attempts; try again in {retry_after_secs} seconds"),
                    vec![],
                ),
                CoreError::Db(_) | CoreError::Mail(_) | CoreError::Internal(_) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                    "internal",
                    "something went wrong on our side; it has been logged".into(),
                    vec![],
                ),
            },
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "bad-request",
                message.clone(),
                vec![],
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not Found",
                "not-found",
                "there is nothing at this address".into(),
                vec![],
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Forbidden",
                "csrf",
                self.to_string(),
                vec![],
            ),
            AppError::Unsupported(message) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Media Type",
                "unsupported-media-type",
                message.clone(),
                vec![],
            ),
            AppError::Plugin(err) => {
                use etalage_core::plugins::PluginError;
                let (status, kind) = match err {
                    PluginError::Unavailable(_) => (StatusCode::CONFLICT, "plugin-unavailable"),
                    PluginError::Deadline(_) => (StatusCode::GATEWAY_TIMEOUT, "plugin-deadline"),
                    PluginError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "plugin-busy"),
                    PluginError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "plugin-too-large"),
                    _ => (StatusCode::BAD_GATEWAY, "plugin-failed"),
                };
                (
                    status,
                    status.canonical_reason().unwrap_or("Plugin Error"),
                    kind,
                    err.to_string(),
                    vec![],
                )
            }
            AppError::PayloadTooLarge | AppError::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                "payload-too-large",
                self.to_string(),
                vec![],
            ),
            AppError::TwoFactorRequired => (
                StatusCode::FORBIDDEN,
                "Forbidden",
                "two-factor-required",
                self.to_string(),
                vec![],
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "internal",
                "something went wrong on our side; it has been logged".into(),
                vec![],
            ),
        };
        ErrorInfo {
            status,
            title,
            detail,
            errors,
            problem_type,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = self.info();
        if info.status.is_server_error() {
            // The details go to the log, not to the client.
            tracing::error!(error = %self, "request failed");
        }
        let mut response = info.status.into_response();
        if let AppError::Core(CoreError::Throttled { retry_after_secs }) = &self
            && let Ok(value) = retry_after_secs.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(info);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
