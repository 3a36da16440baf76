//! The console: labels (with their run-time settings), people and roles, audit log, jobs.
//! Each route declares its permission in `routes()`; handlers receive the `Granted` proof.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use etalage_core::audit::{self, Actor, AuditScope};
use etalage_core::{jobs, labels};
use etalage_tenants::{Label, LabelOverrides};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::extract::PageCtx;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::routes::site::notice_text;

pub mod people;
mod policy;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::{PathLabel, Platform, RequestLabel};
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
            "/admin/people",
            perm("roles", "read", RequestLabel),
            get(people::list),
        )
        .add(
            Method::POST,
            "/admin/people",
            perm("roles", "grant", RequestLabel),
            post(people::invite),
        )
        .add(
            Method::GET,
            "/admin/people/{id}",
            perm("roles", "read", RequestLabel),
            get(people::detail),
        )
        .add(
            Method::POST,
            "/admin/people/{id}/grant",
            perm("roles", "grant", RequestLabel),
            post(people::grant),
        )
        .add(
            Method::POST,
            "/admin/people/{id}/revoke",
            perm("roles", "grant", RequestLabel),
            post(people::revoke),
        )
        .add(
            Method::GET,
            "/admin/audit",
            perm("audit", "read", RequestLabel),
            get(audit_log),
        )
        .add(
            Method::GET,
            "/admin/roles",
            perm("roles", "grant", Platform),
            get(policy::matrix),
        )
        .add(
            Method::POST,
            "/admin/roles/{role}",
            perm("roles", "grant", Platform),
            post(policy::update),
        )
        .add(
            Method::GET,
            "/admin/labels/{slug}/roles",
            perm("roles", "read", PathLabel),
            get(policy::label_matrix),
        )
        .add(
            Method::POST,
            "/admin/labels/{slug}/roles/{role}",
            perm("roles", "grant", PathLabel),
            post(policy::label_update),
        )
        .add(
            Method::GET,
            "/admin/jobs",
            perm("jobs", "read", Platform),
            get(job_list),
        )
}

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

/// The labels the user may manage: all for platform admins, their own for operators.
pub async fn manageable_labels(
    state: &AppState,
    granted: &Granted,
) -> AppResult<Vec<std::sync::Arc<Label>>> {
    let subject = granted.account()?.subject();
    let mut out = Vec::new();
    for label in state.labels.current().labels() {
        if state
            .authz
            .check(&subject, &label.slug, "label.settings", "read")
            .await?
        {
            out.push(label.clone());
        }
    }
    Ok(out)
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
    _granted: Granted,
    page: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = notice_text(&page, q.notice.as_deref());
    render_label(&state, &page, &slug, StatusCode::OK, None, None, notice)
}

fn render_label(
    state: &AppState,
    page: &PageCtx,
    slug: &str,
    status: StatusCode,
    form: Option<&LabelOverrides>,
    error: Option<String>,
    notice: Option<&str>,
) -> AppResult<Response> {
    let live = state.labels.current().get(slug).ok_or(AppError::NotFound)?;
    let base = state.labels.from_file(slug).ok_or(AppError::NotFound)?;
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
    Path(slug): Path<String>,
    Form(form): Form<LabelSettingsForm>,
) -> AppResult<Response> {
    let form = LabelOverrides {
        name: form.name,
        tagline: form.tagline,
        primary_color: form.primary_color,
        accent_color: form.accent_color,
        text_on_primary: form.text_on_primary,
    };
    let base = state.labels.from_file(&slug).ok_or(AppError::NotFound)?;
    let overrides = match form.clone().validate(&base) {
        Ok(o) => o,
        Err((field, message)) => {
            return render_label(
                &state,
                &page,
                &slug,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form),
                Some(format!("{field}: {message}")),
                None,
            );
        }
    };
    let value = serde_json::to_value(&overrides).map_err(|e| AppError::Internal(e.to_string()))?;
    labels::set_overrides(
        &state.db,
        &slug,
        &value,
        Actor::Account(granted.account()?.id),
        request_id(&page.headers),
    )
    .await?;
    state.labels.apply(&slug, &overrides);
    Ok(Redirect::to(&page.link(&format!("/admin/labels/{slug}?notice=saved"))).into_response())
}

#[derive(Deserialize)]
struct AuditQuery {
    label: Option<String>,
    before: Option<i64>,
}

/// Platform admins read every label's entries (or one, if asked); anyone else only those of
/// the label they were granted in.
pub async fn audit_scope(
    state: &AppState,
    granted: &Granted,
    asked: Option<String>,
) -> AppResult<AuditScope> {
    let subject = granted.account()?.subject();
    let asked = asked.filter(|l| !l.is_empty());
    Ok(
        match state.authz.platform_wide(&subject, "audit", "read").await? {
            Some(proof) => AuditScope::Everything(proof, asked),
            None => AuditScope::Label(granted.domain.clone()),
        },
    )
}

async fn audit_log(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    const PAGE: u64 = 50;
    let label = audit_scope(&state, &granted, q.label).await?;
    let filter = match &label {
        AuditScope::Label(l) | AuditScope::Everything(_, Some(l)) => Some(l.clone()),
        AuditScope::Everything(_, None) => None,
    };
    let events = audit::recent(&state.db, &label, q.before, PAGE).await?;
    let older = (events.len() as u64 == PAGE)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    let rows: Vec<Value> = events
        .iter()
        .map(|e| context! {
            id => e.id,
            at => e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor => e.actor_account_id,
            label => e.label,
            action => e.action,
            subject => e.subject,
            details => if e.details.as_object().is_some_and(|o| o.is_empty()) { String::new() } else { e.details.to_string() },
        })
        .collect();
    let labels: Vec<String> = state
        .labels
        .current()
        .labels()
        .map(|l| l.slug.clone())
        .collect();
    Ok(page.render(
        &state,
        "admin_audit.html",
        context! { section => "audit", events => rows, older => older, filter => filter, labels => labels },
    ))
}

async fn job_list(
    State(state): State<AppState>,
    _granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let counts = jobs::counts(&state.db).await?;
    let recent = jobs::recent(&state.db, None, 50).await?;
    let rows: Vec<Value> = recent
        .iter()
        .map(|j| context! {
            id => j.id,
            kind => j.kind,
            status => j.status,
            attempts => j.attempts,
            max_attempts => j.max_attempts,
            last_error => j.last_error,
            created => chrono::DateTime::from_timestamp_millis(j.created_at_ms).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        })
        .collect();
    Ok(page.render(
        &state,
        "admin_jobs.html",
        context! { section => "jobs", counts => Value::from_serialize(&counts), jobs => rows },
    ))
}
