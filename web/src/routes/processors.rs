//! The processors register (PRV-2), kept by platform admins: who processes personal data for
//! us, for what, under which agreement — and at which endpoints, the only addresses a plugin
//! acting for the entry may reach. The page and the API share one core call
//! (`processors::save`), with the platform's endpoint policy (`plugins.test_hosts`).
use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use etalage_core::CoreError;
use etalage_core::audit::Actor;
use etalage_core::processors::{self, ProcessorEntry, ProcessorInput};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::api::ApiJson;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::Platform;
    Routes::new()
        .add(
            Method::GET,
            "/admin/processors",
            perm("plugin", "install", Platform),
            get(processors_page),
        )
        .add(
            Method::POST,
            "/admin/processors",
            perm("plugin", "install", Platform),
            post(register_page),
        )
        .add(
            Method::GET,
            "/api/v1/admin/processors",
            perm("plugin", "install", Platform),
            get(processors_api),
        )
        .add(
            Method::POST,
            "/api/v1/admin/processors",
            perm("plugin", "install", Platform),
            post(register_api),
        )
}

/// Registers a processor: what both the page and the API do.
async fn register(
    state: &AppState,
    granted: &Granted,
    input: ProcessorInput,
) -> AppResult<ProcessorEntry> {
    Ok(processors::save(
        &state.db,
        None,
        input,
        &state.config.plugins.endpoint_policy(),
        Actor::Account(granted.account()?.id),
    )
    .await?)
}

async fn processors_page(
    State(state): State<AppState>,
    _granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    render_processors(&state, &page, StatusCode::OK, None).await
}

async fn render_processors(
    state: &AppState,
    page: &PageCtx,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let list = processors::list(&state.db).await?;
    Ok(page.render_status(state, status, "admin_processors.html", context! { section => "processors", processors => Value::from_serialize(&list), error => error }))
}

#[derive(Deserialize)]
struct ProcessorForm {
    name: String,
    purpose: String,
    data_categories: String,
    agreement_reference: String,
    /// One base URL per line.
    #[serde(default)]
    endpoints: String,
}

async fn register_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    axum::Form(form): axum::Form<ProcessorForm>,
) -> AppResult<Response> {
    let input = ProcessorInput {
        name: form.name,
        purpose: form.purpose,
        data_categories: form
            .data_categories
            .split(',')
            .map(str::to_string)
            .collect(),
        agreement_reference: form.agreement_reference,
        endpoints: form.endpoints.lines().map(str::to_string).collect(),
    };
    match register(&state, &granted, input).await {
        Ok(_) => Ok(Redirect::to(&page.link("/admin/processors")).into_response()),
        Err(crate::error::AppError::Core(CoreError::Invalid { field, message })) => {
            render_processors(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(crate::error::AppError::Core(CoreError::Conflict(message))) => {
            render_processors(&state, &page, StatusCode::CONFLICT, Some(message)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProcessorDto {
    #[serde(default)]
    id: i64,
    #[schema(min_length = 1)]
    name: String,
    #[schema(min_length = 1)]
    purpose: String,
    #[schema(min_items = 1)]
    data_categories: Vec<String>,
    #[schema(min_length = 1)]
    agreement_reference: String,
    /// Base URLs the processor's plugin may call (https; scheme, host and port bound what it
    /// reaches), e.g. `https://api.payroll.example/v1`. The first is the plugin's `base_url`.
    #[serde(default)]
    endpoints: Vec<String>,
}

impl From<ProcessorEntry> for ProcessorDto {
    fn from(p: ProcessorEntry) -> Self {
        ProcessorDto {
            id: p.id,
            name: p.name,
            purpose: p.purpose,
            data_categories: p.data_categories,
            agreement_reference: p.agreement_reference,
            endpoints: p.endpoints,
        }
    }
}

/// The processors register.
#[utoipa::path(get, path = "/api/v1/admin/processors", tag = "plugins", responses((status = 200, body = Vec<ProcessorDto>)))]
pub(crate) async fn processors_api(
    State(state): State<AppState>,
    _granted: Granted,
) -> AppResult<Json<Vec<ProcessorDto>>> {
    Ok(Json(
        processors::list(&state.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Register a processor (PRV-2), with the endpoints its plugin may reach.
#[utoipa::path(post, path = "/api/v1/admin/processors", tag = "plugins", request_body = ProcessorDto,
    responses((status = 201, body = ProcessorDto), (status = 422, body = crate::routes::api::Problem, content_type = "application/problem+json"), (status = 409, body = crate::routes::api::Problem, content_type = "application/problem+json")))]
pub(crate) async fn register_api(
    State(state): State<AppState>,
    granted: Granted,
    ApiJson(body): ApiJson<ProcessorDto>,
) -> AppResult<(StatusCode, Json<ProcessorDto>)> {
    let entry = register(
        &state,
        &granted,
        ProcessorInput {
            name: body.name,
            purpose: body.purpose,
            data_categories: body.data_categories,
            agreement_reference: body.agreement_reference,
            endpoints: body.endpoints,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}
