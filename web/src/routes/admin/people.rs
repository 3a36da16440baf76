//! People and their roles (the roles issue): who holds which role in this label, inviting
//! someone, granting and revoking, and what a person may effectively do here. What an operator
//! may grant is bounded by `Authz::may_assign`; these handlers only offer and forward.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use etalage_core::accounts::invite::{Invitation, invite as invite_account};
use etalage_core::accounts::{self, Account};
use etalage_core::authz::Role;
use etalage_core::domain::PLATFORM_DOMAIN;
use etalage_core::{CoreError, CoreResult};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::auth::reset_context;
use crate::routes::guard::Granted;
use crate::routes::request_id;
use crate::state::AppState;

/// The domain a role is held in when granted from this label's console.
pub fn domain_for(role: Role, label_domain: &str) -> String {
    if role == Role::PlatformAdmin {
        PLATFORM_DOMAIN.to_string()
    } else {
        label_domain.to_string()
    }
}

/// Whether the viewer sees everyone (platform-wide `roles/read`) or only this label's people.
async fn sees_everyone(state: &AppState, viewer: &Account) -> CoreResult<bool> {
    state
        .authz
        .check(&viewer.subject(), PLATFORM_DOMAIN, "roles", "read")
        .await
}

/// The people the viewer may see here, each with the roles shown to them.
pub async fn visible_people(
    state: &AppState,
    granted: &Granted,
) -> AppResult<Vec<(Account, Vec<(String, String)>)>> {
    let viewer = granted.account()?;
    let everyone = sees_everyone(state, viewer).await?;
    let grants = state.authz.grants(None).await?;
    let mut out = Vec::new();
    for account in accounts::list(&state.db).await? {
        let roles: Vec<(String, String)> = grants
            .iter()
            .filter(|g| g.account_id == account.id)
            .filter(|g| everyone || g.domain == granted.domain)
            .map(|g| (g.domain.clone(), g.role.clone()))
            .collect();
        if everyone || !roles.is_empty() {
            out.push((account, roles));
        }
    }
    Ok(out)
}

/// The roles the viewer may hand out in this label.
async fn assignable_roles(state: &AppState, granted: &Granted) -> AppResult<Vec<&'static str>> {
    let viewer = granted.account()?;
    let mut out = Vec::new();
    for role in Role::ALL {
        let domain = domain_for(role, &granted.domain);
        if state
            .authz
            .may_assign(viewer.id, &domain, role)
            .await
            .is_ok()
        {
            out.push(role.as_str());
        }
    }
    Ok(out)
}

async fn render_list(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<Response> {
    let people: Vec<Value> = visible_people(state, granted)
        .await?
        .into_iter()
        .map(|(a, roles)| {
            context! {
                id => a.id,
                email => a.email,
                display_name => a.display_name,
                roles => roles.iter().map(|(d, r)| format!("{r} @ {d}")).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(page.render_status(
        state,
        status,
        "admin_people.html",
        context! {
            section => "people",
            domain => granted.domain,
            people => people,
            roles => assignable_roles(state, granted).await?,
            error => error,
            notice => notice,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
) -> AppResult<Response> {
    render_list(&state, &granted, &page, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    display_name: String,
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let actor = granted.account()?.id;
    let result = async {
        let role = Role::parse(&form.role)?;
        let invitation = Invitation {
            email: form.email.clone(),
            display_name: form.display_name.clone(),
            domain: domain_for(role, &granted.domain),
            role,
        };
        invite_account(
            &state.db,
            &state.authz,
            actor,
            &invitation,
            &reset_context(&page),
            request_id(&page.headers),
        )
        .await
    }
    .await;
    match result {
        Ok(account) => {
            Ok(Redirect::to(&page.link(&format!("/admin/people/{}", account.id))).into_response())
        }
        Err(CoreError::Invalid { field, message }) => {
            render_list(
                &state,
                &granted,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// One person: their roles, what they may do in this label, and the forms to change it.
pub async fn detail(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (account, roles) = visible_people(&state, &granted)
        .await?
        .into_iter()
        .find(|(a, _)| a.id == id)
        .ok_or(CoreError::NotFound("person"))?;
    let effective = state
        .authz
        .effective_permissions(account.id, &granted.domain)
        .await?;
    Ok(page.render(
        &state,
        "admin_person.html",
        context! {
            section => "people",
            domain => granted.domain,
            person => context! { id => account.id, email => account.email, display_name => account.display_name },
            roles => roles.iter().map(|(d, r)| context! { domain => d, role => r }).collect::<Vec<_>>(),
            effective => effective.iter().map(|(res, act)| format!("{res}: {act}")).collect::<Vec<_>>(),
            assignable => assignable_roles(&state, &granted).await?,
        },
    ))
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn grant(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let role = Role::parse(&form.role)?;
    accounts::find_by_id(&state.db, id)
        .await?
        .ok_or(CoreError::NotFound("person"))?;
    state
        .authz
        .grant(
            granted.account()?.id,
            id,
            &domain_for(role, &granted.domain),
            role,
            request_id(&page.headers),
        )
        .await?;
    Ok(Redirect::to(&page.link(&format!("/admin/people/{id}"))).into_response())
}

#[derive(Deserialize)]
pub struct RevokeForm {
    role: String,
    domain: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> AppResult<Response> {
    let role = Role::parse(&form.role)?;
    // Only this label's roles (or platform roles, which may_assign reserves to platform admins).
    if form.domain != granted.domain && form.domain != PLATFORM_DOMAIN {
        return Err(CoreError::Forbidden.into());
    }
    state
        .authz
        .revoke(
            granted.account()?.id,
            id,
            &form.domain,
            role,
            request_id(&page.headers),
        )
        .await?;
    Ok(Redirect::to(&page.link(&format!("/admin/people/{id}"))).into_response())
}
