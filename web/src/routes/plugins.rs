//! Plugins in the console and the API: platform admins install versions; label operators
//! enable plugins for their label with settings and secrets — a processor plugin acting for an
//! entry of the processors register (`routes/processors.rs`), whose endpoints are all it may
//! reach; the matching API ranks candidates through the label's matcher. Every hand-over of
//! personal data to a plugin is recorded as a disclosure. Pages and API share one core call
//! per action (`registry::configure`, `registry::store_installed`, `handover::rank`).
use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use etalage_core::audit::Actor;
use etalage_core::disclosures;
use etalage_core::plugins::registry::{self, LabelPluginInput, NewPlugin};
use etalage_core::plugins::{
    CandidateFeatures, MatchBatch, PluginError, VacancyProfile, WeightedSkill,
    handover::{self, Recipient},
};
use etalage_core::processors;
use etalage_core::{CoreError, CoreResult};
use etalage_plugin_host::{Artefact, HostError, Loaded};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::extract::PageCtx;
use crate::routes::api::ApiJson;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        installed_api,
        upload_api,
        // The register's operations live with the register; listed here so the one plugins
        // document the API merges keeps them.
        super::processors::processors_api,
        super::processors::register_api,
        label_plugins_api,
        configure_api,
        rank_api
    ),
    components(schemas(
        InstalledPluginDto,
        super::processors::ProcessorDto,
        LabelPluginDto,
        LabelPluginRequest,
        RankRequest,
        RankResponse,
        VacancyDto,
        CandidateDto,
        SkillDto,
        ScoreDto
    ))
)]
pub struct PluginsDoc;

pub fn routes() -> Routes {
    use Scope::{PathLabel, Platform, RequestLabel};
    let upload_limit = DefaultBodyLimit::max(
        etalage_plugin_host::Limits::default().max_component_bytes + 64 * 1024,
    );
    Routes::new()
        .add(
            Method::GET,
            "/admin/plugins",
            perm("plugin", "install", Platform),
            get(installed_page),
        )
        .add(
            Method::POST,
            "/admin/plugins",
            perm("plugin", "install", Platform),
            post(upload_page).layer(upload_limit),
        )
        .add(
            Method::GET,
            "/admin/labels/{slug}/plugins",
            perm("plugin", "read", PathLabel),
            get(label_plugins_page),
        )
        .add(
            Method::POST,
            "/admin/labels/{slug}/plugins",
            perm("plugin", "configure", PathLabel),
            post(configure_page),
        )
        .add(
            Method::POST,
            "/admin/labels/{slug}/plugins/{name}/disable",
            perm("plugin", "configure", PathLabel),
            post(disable_page),
        )
        .add(
            Method::GET,
            "/api/v1/admin/plugins",
            perm("plugin", "install", Platform),
            get(installed_api),
        )
        .add(
            Method::POST,
            "/api/v1/admin/plugins",
            perm("plugin", "install", Platform),
            post(upload_api).layer(upload_limit),
        )
        .add(
            Method::GET,
            "/api/v1/admin/labels/{slug}/plugins",
            perm("plugin", "read", PathLabel),
            get(label_plugins_api),
        )
        .add(
            Method::PUT,
            "/api/v1/admin/labels/{slug}/plugins/{name}",
            perm("plugin", "configure", PathLabel),
            put(configure_api),
        )
        .add(
            Method::POST,
            "/api/v1/match",
            perm("candidate", "read", RequestLabel),
            post(rank_api),
        )
}

fn host_error(err: HostError) -> AppError {
    match err {
        HostError::Engine(message) => AppError::Internal(message),
        other => AppError::Core(CoreError::invalid("wasm", other.to_string())),
    }
}

/// Checks and precompiles an upload off the async threads (compiling takes a while), then
/// stores it; a bad upload leaves nothing behind.
async fn install(
    state: &AppState,
    actor: i64,
    name: String,
    version: String,
    wasm: Vec<u8>,
) -> AppResult<registry::InstalledPlugin> {
    registry::parse_name(&name)?;
    registry::parse_version(&version)?;
    let engine = state.plugins.engine().clone();
    let bytes = wasm.clone();
    let artefact: Artefact = tokio::task::spawn_blocking(move || engine.install(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("plugin compilation crashed: {e}")))?
        .map_err(host_error)?;
    let stored = registry::store_installed(
        &state.db,
        NewPlugin {
            name,
            version,
            kind: artefact.kind.as_str().to_string(),
            interface_version: artefact.interface_version.to_string(),
            wasm,
            wasm_sha256: artefact.wasm_sha256,
            compiled: artefact.compiled,
            compiled_mac: artefact.compiled_mac,
            engine_hash: artefact.engine_hash,
        },
        Actor::Account(actor),
    )
    .await?;
    Ok(stored)
}

async fn installed_page(
    State(state): State<AppState>,
    _granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    render_installed(&state, &page, StatusCode::OK, None).await
}

async fn render_installed(
    state: &AppState,
    page: &PageCtx,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let plugins = registry::list_installed(&state.db).await?;
    Ok(page.render_status(state, status, "admin_plugins.html", context! { section => "plugins", plugins => Value::from_serialize(&plugins), error => error }))
}

async fn upload_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    mut form: Multipart,
) -> AppResult<Response> {
    let (mut name, mut version, mut wasm) = (String::new(), String::new(), Vec::new());
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        match field.name() {
            Some("name") => {
                name = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?
                    .trim()
                    .to_string()
            }
            Some("version") => {
                version = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?
                    .trim()
                    .to_string()
            }
            Some("file") => {
                wasm = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?
                    .to_vec()
            }
            _ => {}
        }
    }
    match install(&state, granted.account()?.id, name, version, wasm).await {
        Ok(_) => Ok(Redirect::to(&page.link("/admin/plugins")).into_response()),
        Err(AppError::Core(CoreError::Invalid { field, message })) => {
            render_installed(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(AppError::Core(CoreError::Conflict(message))) => {
            render_installed(&state, &page, StatusCode::CONFLICT, Some(message)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UploadParams {
    /// The plugin's name, e.g. `skills-matcher`.
    name: String,
    /// Its version, e.g. `1.0.0`.
    version: String,
}

/// Install a plugin version: the body is the `.wasm` component (`application/wasm`).
#[utoipa::path(post, path = "/api/v1/admin/plugins", tag = "plugins", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/wasm"),
    responses((status = 201, body = InstalledPluginDto), (status = 422, body = crate::routes::api::Problem, content_type = "application/problem+json"), (status = 409, body = crate::routes::api::Problem, content_type = "application/problem+json")))]
async fn upload_api(
    State(state): State<AppState>,
    granted: Granted,
    Query(params): Query<UploadParams>,
    body: Bytes,
) -> AppResult<(StatusCode, Json<InstalledPluginDto>)> {
    let stored = install(
        &state,
        granted.account()?.id,
        params.name,
        params.version,
        body.to_vec(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

#[derive(Serialize, ToSchema)]
pub struct InstalledPluginDto {
    name: String,
    version: String,
    /// `matcher` or `processor`.
    kind: String,
    /// The version of the `etalage:plugin` interface it was built against.
    interface: String,
    sha256: String,
    size: usize,
}

impl From<registry::InstalledPlugin> for InstalledPluginDto {
    fn from(p: registry::InstalledPlugin) -> Self {
        InstalledPluginDto {
            name: p.name,
            version: p.version,
            kind: p.kind,
            interface: p.interface_version,
            sha256: p.wasm_sha256,
            size: p.size,
        }
    }
}

/// Installed plugin versions.
#[utoipa::path(get, path = "/api/v1/admin/plugins", tag = "plugins", responses((status = 200, body = Vec<InstalledPluginDto>)))]
async fn installed_api(
    State(state): State<AppState>,
    _granted: Granted,
) -> AppResult<Json<Vec<InstalledPluginDto>>> {
    Ok(Json(
        registry::list_installed(&state.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

async fn label_plugins_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    render_label_plugins(&state, &granted, &page, StatusCode::OK, None).await
}

async fn render_label_plugins(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let enabled = registry::for_label(&state.db, &state.secrets_key, granted.label()).await?;
    let installed = registry::list_installed(&state.db).await?;
    let register = processors::list(&state.db).await?;
    let disclosures = disclosures::recent(&state.db, granted.label(), 50).await?;
    // What the label's plugins logged in this server process, newest first.
    let mut log: Vec<_> = state
        .plugins
        .for_label(granted.label())
        .iter()
        .flat_map(|p| {
            let plugin = format!("{}@{}", p.name, p.version);
            p.log().into_iter().map(move |line| (line, plugin.clone()))
        })
        .collect();
    log.sort_by_key(|(line, _)| std::cmp::Reverse(line.at));
    log.truncate(50);
    Ok(page.render_status(
        state,
        status,
        "admin_label_plugins.html",
        context! {
            section => "labels",
            slug => granted.label(),
            enabled => Value::from_serialize(&enabled),
            installed => Value::from_serialize(&installed),
            processors => Value::from_serialize(&register),
            disclosures => disclosures.iter().map(|d| context! {
                at => d.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                plugin => format!("{}@{}", d.plugin_name, d.plugin_version),
                event => d.event,
                categories => d.data_categories,
                subjects => d.subjects,
                outcome => d.outcome,
            }).collect::<Vec<_>>(),
            log => log.iter().map(|(line, plugin)| context! {
                at => chrono::DateTime::<chrono::Utc>::from(line.at).format("%Y-%m-%d %H:%M:%S").to_string(),
                plugin => plugin,
                level => line.level,
                message => line.message,
            }).collect::<Vec<_>>(),
            error => error,
        },
    ))
}

/// `key = value` lines into a map; blank lines and `#` comments are skipped.
fn key_values(field: &'static str, text: &str) -> CoreResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| CoreError::invalid(field, format!("{line:?} is not key = value")))?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

#[derive(Deserialize)]
struct ConfigureForm {
    /// `name@version`
    plugin: String,
    #[serde(default)]
    settings: String,
    #[serde(default)]
    secrets: String,
    #[serde(default)]
    processor_id: String,
}

async fn apply(
    state: &AppState,
    granted: &Granted,
    input: LabelPluginInput,
) -> AppResult<registry::LabelPluginView> {
    let view = registry::configure(
        &state.db,
        &state.secrets_key,
        granted.label(),
        input,
        Actor::Account(granted.account()?.id),
    )
    .await?;
    state.plugins.reload(&state.db, &state.secrets_key).await?;
    Ok(view)
}

async fn configure_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    axum::Form(form): axum::Form<ConfigureForm>,
) -> AppResult<Response> {
    let result = async {
        let (name, version) = form
            .plugin
            .split_once('@')
            .ok_or_else(|| CoreError::invalid("plugin", "choose an installed plugin version"))?;
        let input = LabelPluginInput {
            plugin_name: name.to_string(),
            version: version.to_string(),
            settings: key_values("settings", &form.settings)?,
            secrets: key_values("secrets", &form.secrets)?,
            processor_id: form.processor_id.trim().parse().ok(),
        };
        Ok::<_, AppError>(input)
    }
    .await;
    let outcome = match result {
        Ok(input) => apply(&state, &granted, input).await.map(|_| ()),
        Err(err) => Err(err),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(
            &page.link(&format!("/admin/labels/{}/plugins", granted.label())),
        )
        .into_response()),
        Err(AppError::Core(CoreError::Invalid { field, message })) => {
            render_label_plugins(
                &state,
                &granted,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(AppError::Core(CoreError::NotFound(what))) => {
            render_label_plugins(
                &state,
                &granted,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{what} not found")),
            )
            .await
        }
        Err(other) => Err(other),
    }
}

async fn disable_page(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path((_, name)): Path<(String, String)>,
) -> AppResult<Response> {
    registry::disable(
        &state.db,
        granted.label(),
        &name,
        Actor::Account(granted.account()?.id),
    )
    .await?;
    state.plugins.reload(&state.db, &state.secrets_key).await?;
    Ok(
        Redirect::to(&page.link(&format!("/admin/labels/{}/plugins", granted.label())))
            .into_response(),
    )
}

#[derive(Serialize, ToSchema)]
pub struct LabelPluginDto {
    name: String,
    version: String,
    kind: String,
    settings: BTreeMap<String, String>,
    /// Names only: secret values are never shown back.
    secret_names: Vec<String>,
    /// The processors register entry it acts for (processor plugins): its endpoints are all
    /// the plugin may reach.
    processor_id: Option<i64>,
}

impl From<registry::LabelPluginView> for LabelPluginDto {
    fn from(v: registry::LabelPluginView) -> Self {
        LabelPluginDto {
            name: v.plugin_name,
            version: v.version,
            kind: v.kind,
            settings: v.settings,
            secret_names: v.secret_names,
            processor_id: v.processor_id,
        }
    }
}

/// The label's enabled plugins.
#[utoipa::path(get, path = "/api/v1/admin/labels/{slug}/plugins", tag = "plugins", params(("slug" = String, Path)), responses((status = 200, body = Vec<LabelPluginDto>)))]
async fn label_plugins_api(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<Vec<LabelPluginDto>>> {
    Ok(Json(
        registry::for_label(&state.db, &state.secrets_key, granted.label())
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelPluginRequest {
    version: String,
    #[serde(default)]
    settings: BTreeMap<String, String>,
    /// Empty values keep the stored secret.
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    /// Required for processor plugins: their entry in the processors register, which decides
    /// where the plugin may send data (an operator never types an address; `base_url` is not
    /// a setting an operator can give).
    processor_id: Option<i64>,
}

/// Enable or reconfigure a plugin for the label; effective at once.
#[utoipa::path(put, path = "/api/v1/admin/labels/{slug}/plugins/{name}", tag = "plugins", params(("slug" = String, Path), ("name" = String, Path)),
    request_body = LabelPluginRequest, responses((status = 200, body = LabelPluginDto), (status = 422, body = crate::routes::api::Problem, content_type = "application/problem+json")))]
async fn configure_api(
    State(state): State<AppState>,
    granted: Granted,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<LabelPluginRequest>,
) -> AppResult<Json<LabelPluginDto>> {
    let name = path.1;
    let view = apply(
        &state,
        &granted,
        LabelPluginInput {
            plugin_name: name,
            version: body.version,
            settings: body.settings,
            secrets: body.secrets,
            processor_id: body.processor_id,
        },
    )
    .await?;
    Ok(Json(view.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct SkillDto {
    skill: u32,
    weight: f32,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct VacancyDto {
    id: String,
    skills: Vec<SkillDto>,
    region: Option<String>,
    hours_per_week: Option<u32>,
    min_years_experience: Option<u32>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    driving_licences: Vec<String>,
}

/// A pseudonymous candidate feature record: never a name or contact details.
#[derive(Deserialize, ToSchema)]
pub struct CandidateDto {
    id: String,
    skills: Vec<u32>,
    region: Option<String>,
    hours_per_week: Option<u32>,
    #[serde(default)]
    years_experience: u32,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    driving_licences: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RankRequest {
    /// The matcher to use; the label's only (or first) one when left out.
    plugin: Option<String>,
    vacancy: VacancyDto,
    candidates: Vec<CandidateDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreDto {
    candidate: String,
    score: f32,
    explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct RankResponse {
    plugin: String,
    version: String,
    scores: Vec<ScoreDto>,
}

/// Rank candidates for a vacancy through the label's matcher plugin (PLG-1). Recorded as a
/// disclosure of pseudonymous candidate features to that plugin.
#[utoipa::path(post, path = "/api/v1/match", tag = "plugins", request_body = RankRequest,
    responses((status = 200, body = RankResponse), (status = 409, body = crate::routes::api::Problem, content_type = "application/problem+json"), (status = 502, body = crate::routes::api::Problem, content_type = "application/problem+json"), (status = 504, body = crate::routes::api::Problem, content_type = "application/problem+json")))]
async fn rank_api(
    State(state): State<AppState>,
    granted: Granted,
    ApiJson(body): ApiJson<RankRequest>,
) -> AppResult<Json<RankResponse>> {
    let loaded = state
        .plugins
        .matcher(granted.label(), body.plugin.as_deref())
        .ok_or_else(|| {
            AppError::Plugin(PluginError::Unavailable(format!(
                "no matcher plugin is enabled for {}",
                granted.label()
            )))
        })?;
    let Loaded::Matcher(matcher) = &loaded.plugin else {
        return Err(AppError::Internal(
            "a matcher slot holds another kind".into(),
        ));
    };
    let batch = body.into_batch();
    let to = Recipient {
        label: granted.label().to_string(),
        plugin: loaded.name.clone(),
        version: loaded.version.clone(),
        processor_id: loaded.processor_id,
    };
    let ranking = handover::rank(&state.db, &to, matcher, &batch).await??;
    Ok(Json(RankResponse {
        plugin: loaded.name.clone(),
        version: loaded.version.clone(),
        scores: ranking
            .iter()
            .map(|r| ScoreDto {
                candidate: batch.ids()[r.position].clone(),
                score: r.score,
                explanation: r.explanation.to_string(),
            })
            .collect(),
    }))
}

impl RankRequest {
    fn into_batch(self) -> MatchBatch {
        let vacancy = VacancyProfile {
            id: self.vacancy.id,
            skills: self
                .vacancy
                .skills
                .into_iter()
                .map(|s| WeightedSkill {
                    skill: s.skill,
                    weight: s.weight,
                    required: s.required,
                })
                .collect(),
            region: self.vacancy.region,
            hours_per_week: self.vacancy.hours_per_week,
            min_years_experience: self.vacancy.min_years_experience,
            languages: self.vacancy.languages,
            driving_licences: self.vacancy.driving_licences,
        };
        let mut batch = MatchBatch::with_capacity(&vacancy, self.candidates.len());
        for c in self.candidates {
            batch.push(&CandidateFeatures {
                id: c.id,
                skills: c.skills,
                region: c.region,
                hours_per_week: c.hours_per_week,
                years_experience: c.years_experience,
                languages: c.languages,
                driving_licences: c.driving_licences,
            });
        }
        batch
    }
}

/// Parses a batch as `POST /api/v1/match` takes it (also for `etalage plugins rank`).
pub fn parse_rank_batch(json: &str) -> Result<MatchBatch, String> {
    let request: RankRequest =
        serde_json::from_str(json).map_err(|e| format!("the batch is not valid: {e}"))?;
    Ok(request.into_batch())
}
