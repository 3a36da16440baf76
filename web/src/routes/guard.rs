//! Every route is registered with the access it needs, in one table. Routes that touch data
//! carry a permission (resource, action, and where the label comes from); the enforcement layer
//! checks it with casbin before the handler runs and hands the handler a [`Granted`]. A test
//! walks the table and fails on any data route without a permission.
use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use etalage_core::CoreError;
use etalage_core::accounts::Account;
use etalage_core::authz::{ANONYMOUS, Checked, subject_of};
use etalage_core::domain::PLATFORM_DOMAIN;

use crate::error::AppError;
use crate::extract::{CurrentUser, LabelCtx};
use crate::state::AppState;

/// Which label a permission is checked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The label of the request (its host or `/l/{slug}/` prefix).
    RequestLabel,
    /// The label named by the route's `{slug}` parameter.
    PathLabel,
    /// The platform itself: only platform-wide roles pass.
    Platform,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    pub resource: &'static str,
    pub action: &'static str,
    pub scope: Scope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Open to anyone; the reason is part of the table so reviewers see why.
    Public(&'static str),
    Requires(Permission),
}

pub const fn perm(resource: &'static str, action: &'static str, scope: Scope) -> Access {
    Access::Requires(Permission {
        resource,
        action,
        scope,
    })
}

#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The routes of one resource, with their access.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    /// Adds `handler` (a single-method router such as `get(list)`) at `path` with `access`.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let handler = match access {
            Access::Public(_) => handler,
            Access::Requires(permission) => handler.route_layer(axum::middleware::from_fn(
                move |req: Request, next: Next| enforce(permission, req, next),
            )),
        };
        self.router = self.router.route(path, handler);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

/// Proof that the request passed its route's permission check: for whom, which permission, in
/// which label. Its fields are private and only [`enforce`] makes one (from the core's
/// [`Checked`]), so a handler holding it was reached through the check, and acts on
/// [`Granted::label`] — never on a label named in the path or the body.
#[derive(Clone, Debug)]
pub struct Granted {
    account: Option<Account>,
    permission: Permission,
    checked: Checked,
}

impl Granted {
    /// The label the check passed in (`platform` for platform routes).
    pub fn label(&self) -> &str {
        self.checked.domain()
    }

    /// The permission that was checked.
    pub fn permission(&self) -> Permission {
        self.permission
    }

    /// The core's proof of the same check, for reads that take a scope built from it.
    pub fn checked(&self) -> &Checked {
        &self.checked
    }

    /// The account, for routes that anonymous visitors can never pass.
    pub fn account(&self) -> Result<&Account, AppError> {
        self.account
            .as_ref()
            .ok_or(AppError::Core(CoreError::Unauthenticated))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Granted {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Only the enforcement layer inserts it; a handler asking for it on an unguarded route
        // is a bug, and it fails closed.
        parts
            .extensions
            .get::<Granted>()
            .cloned()
            .ok_or_else(|| AppError::Internal("route has no permission check".into()))
    }
}

async fn enforce(permission: Permission, req: Request, next: Next) -> Response {
    let Some(state) = req.extensions().get::<AppState>().cloned() else {
        return AppError::Internal("application state missing".into()).into_response();
    };
    let (mut parts, body) = req.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(CurrentUser(user)) => user,
        Err(err) => return err.into_response(),
    };
    let domain = match permission.scope {
        Scope::Platform => PLATFORM_DOMAIN.to_string(),
        Scope::RequestLabel => match parts.extensions.get::<LabelCtx>() {
            Some(label) => label.label.slug.clone(),
            None => return AppError::NotFound.into_response(),
        },
        Scope::PathLabel => {
            let slug = match RawPathParams::from_request_parts(&mut parts, &state).await {
                Ok(params) => params
                    .iter()
                    .find(|(name, _)| *name == "slug")
                    .map(|(_, value)| value.to_string()),
                Err(_) => None,
            };
            match slug {
                // Unknown labels are 404 for everyone: existence is no secret, but there is
                // nothing to authorise against.
                Some(slug) if state.labels.current().get(&slug).is_some() => slug,
                _ => return AppError::NotFound.into_response(),
            }
        }
    };
    let subject = user
        .as_ref()
        .map(|a| subject_of(a.id))
        .unwrap_or_else(|| ANONYMOUS.to_string());
    let checked = match state
        .authz
        .checked(&subject, &domain, permission.resource, permission.action)
        .await
    {
        Ok(Some(checked)) => checked,
        Ok(None) => return denied(&parts, user.is_some()),
        Err(err) => return AppError::Core(err).into_response(),
    };
    parts.extensions.insert(Granted {
        account: user,
        permission,
        checked,
    });
    next.run(Request::from_parts(parts, body)).await
}

/// Anonymous people are sent to log in (pages) or told to (API); others are refused.
fn denied(parts: &Parts, logged_in: bool) -> Response {
    if logged_in {
        return AppError::Core(CoreError::Forbidden).into_response();
    }
    if parts.uri.path().starts_with("/api/") {
        return AppError::Core(CoreError::Unauthenticated).into_response();
    }
    let base = parts
        .extensions
        .get::<LabelCtx>()
        .map(|l| l.base.clone())
        .unwrap_or_default();
    let next = format!(
        "{base}{}",
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let target = format!(
        "{base}/login?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}
