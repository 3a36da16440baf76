//! People and their roles in the checked label, as console pages and as API: who holds which
//! role, inviting someone, granting and revoking, and what a person may effectively do here.
//! Who is visible and where a role lands are core rules ([`people`]); what may be granted is
//! bounded by `Authz::may_assign`. These handlers only offer and forward.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json};
use etalage_core::CoreError;
use etalage_core::accounts::invite::{Invitation, invite as invite_account};
use etalage_core::accounts::people::{self, PeoplePage, RoleChange};
use etalage_core::authz::{PeopleScope, Role};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppResult;
use crate::extract::PageCtx;
use crate::routes::api::{ApiJson, Problem};
use crate::routes::auth::reset_context;
use crate::routes::guard::{Granted, Routes, Scope, perm};
use crate::routes::request_id;
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::RequestLabel;
    Routes::new()
        .add(
            Method::GET,
            "/admin/people",
            perm("roles", "read", RequestLabel),
            get(list),
        )
        .add(
            Method::POST,
            "/admin/people",
            perm("roles", "grant", RequestLabel),
            post(invite),
        )
        .add(
            Method::GET,
            "/admin/people/{id}",
            perm("roles", "read", RequestLabel),
            get(detail),
        )
        .add(
            Method::POST,
            "/admin/people/{id}/grant",
            perm("roles", "grant", RequestLabel),
            post(grant),
        )
        .add(
            Method::POST,
            "/admin/people/{id}/revoke",
            perm("roles", "grant", RequestLabel),
            post(revoke),
        )
        .add(
            Method::GET,
            "/api/v1/admin/people",
            perm("roles", "read", RequestLabel),
            get(admin_people),
        )
        .add(
            Method::POST,
            "/api/v1/admin/people/{id}/roles",
            perm("roles", "grant", RequestLabel),
            post(admin_grant),
        )
        .add(
            Method::DELETE,
            "/api/v1/admin/people/{id}/roles/{role}",
            perm("roles", "grant", RequestLabel),
            delete(admin_revoke),
        )
}

/// Whose people this request may read: built from the checked permission, so the label is the
/// one the check passed in.
async fn scope(state: &AppState, granted: &Granted) -> AppResult<PeopleScope> {
    Ok(PeopleScope::of(&state.authz, granted.checked()).await?)
}

/// Which page of the people list: `page` (from 1) and `per_page` (1 to 100, 50 when left out).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u64>,
    /// People per page.
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
}

const PER_PAGE: u64 = 50;

async fn visible_people(
    state: &AppState,
    granted: &Granted,
    query: &PageQuery,
) -> AppResult<PeoplePage> {
    Ok(people::visible_people(
        &state.db,
        &state.authz,
        &scope(state, granted).await?,
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(PER_PAGE),
    )
    .await?)
}

/// The roles the viewer may hand out in this label, by name.
async fn assignable_roles(state: &AppState, granted: &Granted) -> AppResult<Vec<&'static str>> {
    Ok(state
        .authz
        .assignable_roles(granted.account()?.id, granted.label())
        .await?
        .into_iter()
        .map(Role::as_str)
        .collect())
}

/// Applies `change` (`RoleChange::Grant` or `RoleChange::Revoke`) with the role named `role` to
/// `id` in the checked label.
async fn change_role(
    state: &AppState,
    granted: &Granted,
    id: i64,
    role: &str,
    change: fn(Role) -> RoleChange,
    headers: &HeaderMap,
) -> AppResult<()> {
    let change = change(Role::parse(role)?);
    people::change_role(
        &state.db,
        &state.authz,
        granted.account()?,
        &scope(state, granted).await?,
        id,
        change,
        request_id(headers),
    )
    .await?;
    Ok(())
}

// ---- pages ----

async fn render_list(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    query: &PageQuery,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let listed = visible_people(state, granted, query).await?;
    let link = |n: u64| {
        page.link(&format!(
            "/admin/people?page={n}&per_page={}",
            listed.per_page
        ))
    };
    let previous = (listed.page > 1).then(|| link(listed.page - 1));
    let next = listed.has_next.then(|| link(listed.page + 1));
    let people: Vec<Value> = listed
        .people
        .into_iter()
        .map(|p| {
            context! {
                id => p.account.id,
                email => p.account.email,
                display_name => p.account.display_name,
                roles => p.roles.iter().map(|(d, r)| format!("{r} @ {d}")).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(page.render_status(
        state,
        status,
        "admin_people.html",
        context! {
            section => "people",
            domain => granted.label(),
            people => people,
            page_number => listed.page,
            previous => previous,
            next => next,
            roles => assignable_roles(state, granted).await?,
            error => error,
            notice => None::<String>,
        },
    ))
}

async fn list(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    render_list(&state, &granted, &page, &query, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    display_name: String,
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let actor = granted.account()?;
    let scope = scope(&state, &granted).await?;
    let result = async {
        let invitation = Invitation {
            email: form.email.clone(),
            display_name: form.display_name.clone(),
            role: Role::parse(&form.role)?,
        };
        invite_account(
            &state.db,
            &state.authz,
            actor,
            &scope,
            &invitation,
            &reset_context(&page),
            request_id(&page.headers),
        )
        .await
    }
    .await;
    match result {
        // Back to the list whatever the invitation did, so the answer does not tell whether the
        // address already had an account elsewhere.
        Ok(_) => Ok(Redirect::to(&page.link("/admin/people")).into_response()),
        Err(CoreError::Invalid { field, message }) => {
            render_list(
                &state,
                &granted,
                &page,
                &PageQuery {
                    page: None,
                    per_page: None,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// One person: their roles, what they may do in this label, and the forms to change it.
async fn detail(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let person =
        people::visible_person(&state.db, &state.authz, &scope(&state, &granted).await?, id)
            .await?;
    let effective = state
        .authz
        .effective_permissions(person.account.id, granted.label())
        .await?;
    let assignable = assignable_roles(&state, &granted).await?;
    // Only a role held where this console would revoke it offers a revoke button; a platform
    // viewer also sees roles in other labels, which are revoked from those labels' consoles.
    let roles: Vec<Value> = person
        .roles
        .iter()
        .map(|(d, r)| {
            let revocable = assignable.contains(&r.as_str())
                && Role::parse(r).is_ok_and(|role| role.domain_in(granted.label()) == d);
            context! { domain => d, role => r, revocable => revocable }
        })
        .collect();
    Ok(page.render(
        &state,
        "admin_person.html",
        context! {
            section => "people",
            domain => granted.label(),
            person => context! { id => person.account.id, email => person.account.email, display_name => person.account.display_name },
            roles => roles,
            effective => effective.iter().map(|(res, act)| format!("{res}: {act}")).collect::<Vec<_>>(),
            assignable => assignable,
        },
    ))
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn grant(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    change_from_form(&state, &granted, &page, id, &form, RoleChange::Grant).await
}

/// The label comes from the checked permission, as in the API; the form names only the role.
async fn revoke(
    State(state): State<AppState>,
    granted: Granted,
    page: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    change_from_form(&state, &granted, &page, id, &form, RoleChange::Revoke).await
}

/// Applies a role form and returns to the person's page.
async fn change_from_form(
    state: &AppState,
    granted: &Granted,
    page: &PageCtx,
    id: i64,
    form: &RoleForm,
    change: fn(Role) -> RoleChange,
) -> AppResult<Response> {
    change_role(state, granted, id, &form.role, change, &page.headers).await?;
    Ok(Redirect::to(&page.link(&format!("/admin/people/{id}"))).into_response())
}

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct RoleDto {
    /// A label slug, or `platform`.
    domain: String,
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    id: i64,
    email: String,
    display_name: String,
    roles: Vec<RoleDto>,
}

/// People with roles in this label (everyone, for platform admins), one page at a time, by
/// e-mail address. The `Link` header points at the previous and next pages (`rel="prev"`,
/// `rel="next"`) when there are any.
#[utoipa::path(get, path = "/api/v1/admin/people", tag = "roles", params(PageQuery),
    responses(
        (status = 200, body = Vec<PersonDto>, headers(("Link" = String, description = "`<…>; rel=\"prev\"`, `<…>; rel=\"next\"` when those pages exist"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`page` below 1 or `per_page` outside 1–100", body = Problem, content_type = "application/problem+json")))]
async fn admin_people(
    State(state): State<AppState>,
    granted: Granted,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let listed = visible_people(&state, &granted, &query).await?;
    let link = |n: u64, rel: &str| {
        format!(
            "</api/v1/admin/people?page={n}&per_page={}>; rel=\"{rel}\"",
            listed.per_page
        )
    };
    let mut links = Vec::new();
    if listed.page > 1 {
        links.push(link(listed.page - 1, "prev"));
    }
    if listed.has_next {
        links.push(link(listed.page + 1, "next"));
    }
    let body = Json(
        listed
            .people
            .into_iter()
            .map(|p| PersonDto {
                id: p.account.id,
                email: p.account.email,
                display_name: p.account.display_name,
                roles: p
                    .roles
                    .into_iter()
                    .map(|(domain, role)| RoleDto { domain, role })
                    .collect(),
            })
            .collect::<Vec<_>>(),
    );
    if links.is_empty() {
        return Ok(body.into_response());
    }
    Ok(([(header::LINK, links.join(", "))], body).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    #[schema(example = "recruiter")]
    role: String,
}

/// Grant a role in this label (`platform-admin`: platform-wide). Refused (403) unless the
/// granter holds every permission the role carries in this label, and for one's own roles.
#[utoipa::path(post, path = "/api/v1/admin/people/{id}/roles", tag = "roles", request_body = GrantRequest,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, description = "The role carries a permission the granter does not hold in this label, or the account is the granter's own", body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn admin_grant(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<GrantRequest>,
) -> AppResult<StatusCode> {
    change_role(
        &state,
        &granted,
        id,
        &body.role,
        RoleChange::Grant,
        &headers,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke a role in this label; effective on the next request. Refused (403) as granting is.
#[utoipa::path(delete, path = "/api/v1/admin/people/{id}/roles/{role}", tag = "roles",
    params(("id" = i64, Path), ("role" = String, Path)),
    responses((status = 204), (status = 403, description = "The role carries a permission the revoker does not hold in this label, or the account is the revoker's own", body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn admin_revoke(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    Path((id, role)): Path<(i64, String)>,
) -> AppResult<StatusCode> {
    change_role(&state, &granted, id, &role, RoleChange::Revoke, &headers).await?;
    Ok(StatusCode::NO_CONTENT)
}
