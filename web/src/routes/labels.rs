//! Labels: the public facts of the request's label, the labels one may manage, and a label's
//! run-time settings (TEN-3) with its privacy statement versions — as console pages and as API.
//! Both surfaces change settings through [`etalage_tenants::update_settings`]: the fields sent
//! replace the stored ones, the rest are kept (the form always sends every field).
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post};
use axum::{Form, Json};
use etalage_core::CoreError;
use etalage_core::audit::Actor;
use etalage_tenants::{Label, LabelOverrides};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, AppResult};
use crate::extract::{LabelCtx, PageCtx};
use crate::routes::api::{ApiJson, Problem};
use crate::routes::guard::{Access, Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::routes::site::notice_text;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::{PathLabel, RequestLabel};
    Routes::new()
        .add(
            Method::GET,
            "/admin",
            perm("label.settings", "read", RequestLabel),
            get(label_list),
        )
        .add(
            Method::GET,
            "/admin/labels/{slug}",
            perm("label.settings", "read", PathLabel),
            get(label_detail),
        )
        .add(
            Method::POST,
            "/admin/labels/{slug}",
            perm("label.settings", "update", PathLabel),
            post(label_update),
        )
        .add(
            Method::GET,
            "/api/v1/label",
            Access::Public("the label's public facts"),
            get(current_label),
        )
        .add(
            Method::GET,
            "/api/v1/admin/labels",
            perm("label.settings", "read", RequestLabel),
            get(admin_labels),
        )
        .add(
            Method::GET,
            "/api/v1/admin/labels/{slug}",
            perm("label.settings", "read", PathLabel),
            get(admin_label),
        )
        .add(
            Method::PATCH,
            "/api/v1/admin/labels/{slug}",
            perm("label.settings", "update", PathLabel),
            patch(admin_update_label),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(current_label, admin_labels, admin_label, admin_update_label),
    components(schemas(LabelDto, LabelSettingsPatch))
)]
pub struct LabelsDoc;

/// The labels the user may manage: all for platform admins, their own for operators.
async fn manageable_labels(state: &AppState, granted: &Granted) -> AppResult<Vec<Arc<Label>>> {
    let registry = state.labels.current();
    let all: Vec<&str> = registry.labels().map(|l| l.slug.as_str()).collect();
    let slugs = state
        .authz
        .manageable_labels(granted.account()?.id, all)
        .await?;
    Ok(slugs.into_iter().filter_map(|s| registry.get(s)).collect())
}

/// The checked label as it is live now.
fn live_label(state: &AppState, granted: &Granted) -> AppResult<Arc<Label>> {
    state
        .labels
        .current()
        .get(granted.label())
        .ok_or(AppError::NotFound)
}

/// Changes the checked label's settings and swaps them in, for both surfaces.
async fn save_settings(
    state: &AppState,
    granted: &Granted,
    patch: LabelOverrides,
    headers: &HeaderMap,
) -> AppResult<()> {
    let base = state
        .labels
        .from_file(granted.label())
        .ok_or(AppError::NotFound)?;
    let overrides = etalage_tenants::update_settings(
        &state.db,
        &base,
        patch,
        Actor::Account(granted.account()?.id),
        request_id(headers),
    )
    .await?;
    state.labels.apply(granted.label(), &overrides);
    Ok(())
}

// ---- pages ----

fn label_row(label: &Label) -> Value {
    let local = label
        .hostnames
        .iter()
        .find(|h| h.ends_with(".localhost"))
        .cloned();
    context! {
        slug => label.slug,
        name => label.name,
        hostnames => label.hostnames,
        local_host => local,
        current_version => label.current_version.to_string(),
        versions => label.statements.iter().map(|s| s.version.to_string()).collect::<Vec<_>>(),
        primary_color => label.primary_color.to_string(),
    }
}

async fn label_list(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let labels: Vec<Value> = manageable_labels(&state, &granted)
        .await?
        .iter()
        .map(|l| label_row(l))
        .collect();
    Ok(page.render(
        &state,
        "admin_labels.html",
        context! { labels => labels, section => "labels" },
    ))
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn label_detail(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = notice_text(&page, q.notice.as_deref());
    render_label(&state, &granted, &page, StatusCode::OK, None, None, notice)
}

fn render_label(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    status: StatusCode,
    form: Option<&LabelOverrides>,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<Response> {
    let live = live_label(state, granted)?;
    let base = state
        .labels
        .from_file(granted.label())
        .ok_or(AppError::NotFound)?;
    let overrides = form.cloned().unwrap_or_else(|| LabelOverrides {
        name: (live.name != base.name).then(|| live.name.clone()),
        tagline: (live.tagline != base.tagline)
            .then(|| live.tagline.clone())
            .flatten(),
        primary_color: (live.primary_color != base.primary_color)
            .then(|| live.primary_color.to_string()),
        accent_color: (live.accent_color != base.accent_color)
            .then(|| live.accent_color.to_string()),
        text_on_primary: (live.text_on_primary != base.text_on_primary)
            .then(|| live.text_on_primary.to_string()),
    });
    let statements: Vec<Value> = live
        .statements
        .iter()
        .rev()
        .map(
            |s| context! { version => s.version.to_string(), published => s.published.to_string() },
        )
        .collect();
    Ok(page.render_status(
        state,
        status,
        "admin_label.html",
        context! {
            section => "labels",
            l => label_row(&live),
            file => context! {
                name => base.name,
                tagline => base.tagline,
                primary_color => base.primary_color.to_string(),
                accent_color => base.accent_color.to_string(),
                text_on_primary => base.text_on_primary.to_string(),
            },
            overrides => Value::from_serialize(&overrides),
            statements => statements,
            error => error,
            notice => notice,
        },
    ))
}

/// The settings form (it also carries the CSRF token, which the overrides type would refuse).
#[derive(Deserialize)]
struct LabelSettingsForm {
    name: Option<String>,
    tagline: Option<String>,
    primary_color: Option<String>,
    accent_color: Option<String>,
    text_on_primary: Option<String>,
}

async fn label_update(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Form(form): Form<LabelSettingsForm>,
) -> AppResult<Response> {
    let form = LabelOverrides {
        name: form.name,
        tagline: form.tagline,
        primary_color: form.primary_color,
        accent_color: form.accent_color,
        text_on_primary: form.text_on_primary,
    };
    match save_settings(&state, &granted, form.clone(), &page.headers).await {
        Ok(()) => Ok(Redirect::to(
            &page.link(&format!("/admin/labels/{}?notice=saved", granted.label())),
        )
        .into_response()),
        Err(AppError::Core(CoreError::Invalid { field, message })) => render_label(
            &state,
            &granted,
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&form),
            Some(format!("{field}: {message}")),
            None,
        ),
        Err(other) => Err(other),
    }
}

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct LabelDto {
    slug: String,
    name: String,
    tagline: Option<String>,
    hostnames: Vec<String>,
    default_locale: String,
    locales: Vec<String>,
    contact_email: String,
    primary_color: String,
    accent_color: String,
    text_on_primary: String,
    /// The privacy statement version new candidates accept.
    current_statement_version: String,
    statement_versions: Vec<String>,
}

impl From<&Label> for LabelDto {
    fn from(l: &Label) -> Self {
        LabelDto {
            slug: l.slug.clone(),
            name: l.name.clone(),
            tagline: l.tagline.clone(),
            hostnames: l.hostnames.clone(),
            default_locale: l.default_locale.clone(),
            locales: l.locales.clone(),
            contact_email: l.contact_email.clone(),
            primary_color: l.primary_color.to_string(),
            accent_color: l.accent_color.to_string(),
            text_on_primary: l.text_on_primary.to_string(),
            current_statement_version: l.current_version.to_string(),
            statement_versions: l.statements.iter().map(|s| s.version.to_string()).collect(),
        }
    }
}

/// The label this request is for.
#[utoipa::path(get, path = "/api/v1/label", tag = "labels",
    responses((status = 200, body = LabelDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn current_label(label: LabelCtx) -> Json<LabelDto> {
    Json(LabelDto::from(label.label.as_ref()))
}

/// The labels the caller may manage (all for platform admins, their own for operators).
#[utoipa::path(get, path = "/api/v1/admin/labels", tag = "admin",
    responses((status = 200, body = Vec<LabelDto>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn admin_labels(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<Vec<LabelDto>>> {
    let labels = manageable_labels(&state, &granted).await?;
    Ok(Json(
        labels.iter().map(|l| LabelDto::from(l.as_ref())).collect(),
    ))
}

/// One label (platform admins).
#[utoipa::path(get, path = "/api/v1/admin/labels/{slug}", tag = "admin",
    params(("slug" = String, Path)),
    responses((status = 200, body = LabelDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn admin_label(State(state): State<AppState>, granted: Granted) -> AppResult<Json<LabelDto>> {
    Ok(Json(LabelDto::from(live_label(&state, &granted)?.as_ref())))
}

/// Run-time settings of a label. Fields left out keep their current value; `""` returns a field
/// to the label file's value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelSettingsPatch {
    name: Option<String>,
    tagline: Option<String>,
    #[schema(example = "#1f6f43")]
    primary_color: Option<String>,
    accent_color: Option<String>,
    text_on_primary: Option<String>,
}

/// Change a label's run-time settings (TEN-3); audited, effective at once.
#[utoipa::path(patch, path = "/api/v1/admin/labels/{slug}", tag = "admin",
    params(("slug" = String, Path)), request_body = LabelSettingsPatch,
    responses((status = 200, body = LabelDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn admin_update_label(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<LabelSettingsPatch>,
) -> AppResult<Json<LabelDto>> {
    let patch = LabelOverrides {
        name: patch.name,
        tagline: patch.tagline,
        primary_color: patch.primary_color,
        accent_color: patch.accent_color,
        text_on_primary: patch.text_on_primary,
    };
    save_settings(&state, &granted, patch, &headers).await?;
    Ok(Json(LabelDto::from(live_label(&state, &granted)?.as_ref())))
}
