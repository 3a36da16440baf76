//! What each role may do (platform admins): the role × permission matrix, editable within the
//! catalogue. Changes apply to every label at once, since permissions are label-independent.
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use etalage_core::authz::{Role, catalogue};
use minijinja::{Value, context};

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::guard::Granted;
use crate::routes::request_id;
use crate::state::AppState;

pub async fn matrix(
    State(state): State<AppState>,
    _granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let pairs = catalogue();
    let mut roles = Vec::new();
    for role in Role::ALL {
        let held = state.authz.role_policy(role).await;
        roles.push(context! {
            name => role.as_str(),
            editable => role != Role::PlatformAdmin,
            cells => pairs
                .iter()
                .map(|p| context! { key => format!("{}/{}", p.0, p.1), held => held.contains(p) })
                .collect::<Vec<Value>>(),
        });
    }
    let rows: Vec<String> = pairs.iter().map(|(r, a)| format!("{r}/{a}")).collect();
    Ok(page.render(
        &state,
        "admin_roles.html",
        context! { section => "roles", rows => rows, roles => roles },
    ))
}

pub async fn update(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(role): Path<String>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let role = Role::parse(&role)?;
    let permissions: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "perm")
        .filter_map(|(_, v)| {
            v.split_once('/')
                .map(|(r, a)| (r.to_string(), a.to_string()))
        })
        .collect();
    state
        .authz
        .set_role_policy(
            granted.account()?.id,
            role,
            &permissions,
            request_id(&page.headers),
        )
        .await?;
    Ok(Redirect::to(&page.link("/admin/roles")).into_response())
}

/// What each role below the viewer's may do in this label, and the forms to narrow it.
pub async fn label_matrix(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    let viewer = granted.account()?.id;
    let mut roles = Vec::new();
    for role in Role::ALL {
        if role == Role::PlatformAdmin {
            continue;
        }
        let editable = state
            .authz
            .may_assign(viewer, &granted.domain, role)
            .await
            .is_ok();
        let cells = state
            .authz
            .label_role_policy(&granted.domain, role)
            .await?
            .into_iter()
            .map(|(r, a, on)| context! { key => format!("{r}/{a}"), held => on })
            .collect::<Vec<Value>>();
        roles.push(context! { name => role.as_str(), editable => editable, cells => cells });
    }
    Ok(page.render(
        &state,
        "admin_label_roles.html",
        context! { section => "labels", slug => granted.domain, roles => roles },
    ))
}

pub async fn label_update(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path((_, role)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let role = Role::parse(&role)?;
    let keep: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "perm")
        .filter_map(|(_, v)| {
            v.split_once('/')
                .map(|(r, a)| (r.to_string(), a.to_string()))
        })
        .collect();
    state
        .authz
        .set_label_role_policy(
            granted.account()?.id,
            &granted.domain,
            role,
            &keep,
            request_id(&page.headers),
        )
        .await?;
    Ok(
        Redirect::to(&page.link(&format!("/admin/labels/{}/roles", granted.domain)))
            .into_response(),
    )
}
