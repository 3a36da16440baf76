//! The JSON API under `/api/v1/`, described by the OpenAPI document at `/api/openapi.json`.
//! Errors are `application/problem+json`. Authentication is the session cookie (`POST
//! /api/v1/session`); unsafe methods need a JSON body, which no other site can send us.
//!
//! The handlers live with their resource (`labels`, `people`, `role_policies`, `audit`, `jobs`,
//! `session`, `plugins`), beside the pages of the same resource; each resource describes its
//! paths in its own `…Doc`, merged here into one document.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::Method;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::AppError;
use crate::routes::guard::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new().add(
        Method::GET,
        "/api/openapi.json",
        Access::Public("the API description"),
        get(openapi),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Etalage API",
        version = "1",
        description = "Multi-tenant recruitment platform. Every path under /api/v1 is answered for the label of the request's host (or of the /l/{slug} prefix)."
    ),
    components(schemas(Problem, FieldProblem))
)]
pub struct ApiDoc;

/// The whole document: the common parts and every resource's paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::labels::LabelsDoc::openapi());
    doc.merge(crate::routes::session::SessionDoc::openapi());
    doc.merge(crate::routes::audit::AuditDoc::openapi());
    doc.merge(crate::routes::jobs::JobsDoc::openapi());
    doc.merge(crate::routes::plugins::PluginsDoc::openapi());
    doc.merge(crate::routes::account::AccountDoc::openapi());
    doc.merge(crate::routes::accounts::AccountsDoc::openapi());
    doc
}

async fn openapi() -> Response {
    let mut r = document()
        .to_pretty_json()
        .unwrap_or_default()
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

/// A JSON body whose rejections are problem+json like every other API error.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::Unsupported(
                "send the body as application/json".into(),
            )),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::PayloadTooLarge)
            }
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

/// RFC 9457 problem details, as every error of this API is answered.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[schema(example = "https://etalage.dev/problems/validation")]
    r#type: String,
    title: String,
    status: u16,
    detail: String,
    errors: Vec<FieldProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    field: String,
    message: String,
}
