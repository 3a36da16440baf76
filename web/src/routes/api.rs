//! The JSON API under `/api/v1/`, described by the OpenAPI document at `/api/openapi.json`.
//! Errors are `application/problem+json`. Authentication is the session cookie (`POST
//! /api/v1/session`); unsafe methods need a JSON body, which no other site can send us.
//!
//! The handlers live with their resource (`labels`, `people`, `privacy_requests`, `role_policies`,
//! `audit`, `jobs`, `session`, `plugins`), beside the pages of the same resource; each resource describes its
//! paths in its own `…Doc`, merged here into one document.
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::Method;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

use crate::error::AppError;
use crate::middleware::two_factor::reachable_before_enrolment;
use crate::routes::guard::{Access, RouteSpec, Routes, Scope};

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

/// People and their roles. The handlers live in `people`; their paths are gathered here so
/// that the resource's module stays about behaviour.
#[derive(OpenApi)]
#[openapi(paths(
    super::people::admin_people,
    super::people::admin_grant,
    super::people::admin_revoke
))]
struct PeopleDoc;

/// What each role may do, platform-wide and per label.
#[derive(OpenApi)]
#[openapi(paths(
    super::role_policies::admin_roles,
    super::role_policies::admin_set_role_policy,
    super::role_policies::admin_label_roles,
    super::role_policies::admin_set_label_role
))]
struct RolePoliciesDoc;

/// The whole document: the common parts, every resource's paths, and what the route table and
/// the server's layers promise of each of them (see [`describe_contract`]).
pub fn document() -> utoipa::openapi::OpenApi {
    use crate::routes::{
        account, accounts, audit, candidates, documents, jobs, labels, plugins, portal,
        privacy_requests, session, two_factor,
    };
    let mut doc = ApiDoc::openapi();
    doc.merge(labels::LabelsDoc::openapi());
    doc.merge(session::SessionDoc::openapi());
    doc.merge(audit::AuditDoc::openapi());
    doc.merge(jobs::JobsDoc::openapi());
    doc.merge(plugins::PluginsDoc::openapi());
    doc.merge(account::AccountDoc::openapi());
    doc.merge(accounts::AccountsDoc::openapi());
    doc.merge(two_factor::TwoFactorDoc::openapi());
    doc.merge(documents::DocumentsDoc::openapi());
    doc.merge(PeopleDoc::openapi());
    doc.merge(privacy_requests::PrivacyRequestsDoc::openapi());
    doc.merge(RolePoliciesDoc::openapi());
    doc.merge(portal::PortalDoc::openapi());
    doc.merge(candidates::CandidatesDoc::openapi());
    describe_contract(&mut doc, &crate::routes::specs());
    doc
}

/// The operations of a path, with their methods.
fn operations_mut(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
    .collect()
}

/// How a permission reads in the document: `roles/grant in the request's label`.
pub fn permission_text(access: &Access) -> String {
    match access {
        Access::Public(reason) => format!("public: {reason}"),
        Access::Requires(p) => {
            let scope = match p.scope {
                Scope::RequestLabel => "the request's label",
                Scope::PathLabel => "the label named by {slug}",
                Scope::Platform => "the platform",
            };
            format!("{}/{} in {scope}", p.resource, p.action)
        }
    }
}

/// Adds to every operation what is true of it because of where it sits, so that no handler has
/// to repeat it (and none can forget it):
/// - `x-permission`: the access the route table gives it, also named in its description;
/// - 401 and 403 where the permission layer can refuse, and 403 wherever the two-factor policy
///   can (an account that must enrol reaches only the enrolment and login paths);
/// - 400 where a path, query or body can be malformed, 404 where a path names something;
/// - 413, 415 and 422 where a JSON body is read (too large, not JSON, refused by validation);
/// - 503 everywhere: the request timeout answers it.
///
/// Answers a handler declares itself (with their own descriptions) are kept.
fn describe_contract(doc: &mut utoipa::openapi::OpenApi, specs: &[RouteSpec]) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations_mut(item) {
            let Some(spec) = specs.iter().find(|s| s.method == method && s.path == path) else {
                continue;
            };
            let permission = permission_text(&spec.access);
            op.description = Some(match op.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\nAccess: {permission}."),
                _ => format!("Access: {permission}."),
            });
            let mut extensions = op.extensions.take().unwrap_or_default();
            extensions.insert("x-permission".into(), serde_json::Value::String(permission));
            op.extensions = Some(extensions);

            let params = op.parameters.as_deref().unwrap_or_default();
            let in_path = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let in_query = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let json_body = op
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.keys().any(|ct| ct == "application/json"));
            let any_body = op.request_body.is_some();
            let mut common: Vec<(u16, &str)> = vec![(
                503,
                "The request took longer than the server's request timeout",
            )];
            if matches!(spec.access, Access::Requires(_)) {
                common.push((401, "Not logged in"));
            }
            if !reachable_before_enrolment(path) {
                common.push((
                    403,
                    "The permission is not held here, or the account's role requires two-factor \
                     login and it has not enrolled yet (`two-factor-required`)",
                ));
            }
            if matches!(spec.access, Access::Requires(_)) {
                common.push((403, "The permission is not held here"));
            }
            if in_path || in_query || any_body {
                common.push((400, "A malformed path, query or body"));
            }
            if in_path {
                common.push((404, "Nothing with this name or id here"));
            }
            if any_body {
                common.push((413, "The body is larger than allowed"));
            }
            if json_body {
                common.push((415, "The body is not sent as application/json"));
                common.push((422, "The body is well-formed but refused by validation"));
            }
            for (status, description) in common {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem(description));
            }
        }
    }
}

/// A problem+json answer.
fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{document, permission_text};
    use crate::routes::guard::Access;

    const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

    /// The document is derived from the handlers' annotations, the table from the router: they
    /// must name the same `/api/v1` operations, each with the access the table gives it.
    #[test]
    fn every_api_route_is_in_the_document_with_its_permission_and_nothing_else() {
        let specs = crate::routes::specs();
        let doc = serde_json::to_value(document()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = BTreeSet::new();
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let method = method.to_uppercase();
                documented.insert((method.clone(), path.clone()));
                let spec = specs
                    .iter()
                    .find(|s| s.method.as_str() == method && s.path == path)
                    .unwrap_or_else(|| panic!("{method} {path} is documented but not routed"));
                assert_eq!(
                    op["x-permission"].as_str(),
                    Some(permission_text(&spec.access).as_str()),
                    "{method} {path} states its permission"
                );
                let responses = op["responses"].as_object().unwrap();
                if matches!(spec.access, Access::Requires(_)) {
                    for status in ["401", "403"] {
                        assert!(
                            responses.contains_key(status),
                            "{method} {path} declares {status}"
                        );
                    }
                }
            }
        }
        let routed: BTreeSet<_> = specs
            .iter()
            .filter(|s| s.path.starts_with("/api/v1/"))
            .map(|s| (s.method.as_str().to_string(), s.path.to_string()))
            .collect();
        let missing: Vec<_> = routed.difference(&documented).collect();
        assert!(missing.is_empty(), "routed but not documented: {missing:?}");
        assert_eq!(documented, routed);
    }
}
