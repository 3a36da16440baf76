//! The candidate's side (CAN-1, CAN-2, CAN-3, PRV-1, PRV-4, PRV-5): signing up through a label,
//! confirming the address, logging in with a mailed code, and the portal — profile,
//! availability, consents, "my privacy", export and erasure. Pages and API call the same core
//! functions. The candidate acted on is always the session's own; no request names one.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json};
use etalage_core::CoreError;
use etalage_core::accounts::reset::ResetContext;
use etalage_core::audit::Actor;
use etalage_core::candidates::login_code;
use etalage_core::candidates::{
    self, Availability, CandidateView, ProfileInput, PurposeChoices, Signup, Through,
};
use etalage_core::privacy::erasure::{self, ErasureReceipt, Via};
use etalage_core::privacy::{export, overview};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, AppResult};
use crate::extract::{ClientIp, LabelCtx, PageCtx};
use crate::routes::account::SignedIn;
use crate::routes::api::{ApiJson, Problem};
use crate::routes::auth::{reset_context, start_session};
use crate::routes::guard::{Access, Granted, Routes, Scope, perm};
use crate::state::AppState;

pub fn routes() -> Routes {
    use Scope::RequestLabel;
    const SIGNUP: Access = Access::Public("signing up and logging in need no login");
    const OWN: Access = Access::Public(
        "one's own candidate profile; a login is required by `SignedIn`, and the profile is the session's own",
    );
    let read = perm("profile", "read", RequestLabel);
    let update = perm("profile", "update", RequestLabel);
    Routes::new()
        .add(Method::GET, "/signup", SIGNUP, get(signup_form))
        .add(Method::POST, "/signup", SIGNUP, post(signup))
        .add(
            Method::GET,
            "/verify-email/{token}",
            SIGNUP,
            get(verify_form),
        )
        .add(Method::POST, "/verify-email/{token}", SIGNUP, post(verify))
        .add(Method::GET, "/login/code", SIGNUP, get(code_form))
        .add(
            Method::POST,
            "/login/code/request",
            SIGNUP,
            post(code_request),
        )
        .add(Method::POST, "/login/code", SIGNUP, post(code_login))
        .add(
            Method::GET,
            "/login/code/{token}",
            SIGNUP,
            get(code_link_form),
        )
        .add(
            Method::POST,
            "/login/code/{token}",
            SIGNUP,
            post(code_link_login),
        )
        .add(Method::GET, "/portal", OWN, get(portal))
        .add(Method::POST, "/portal/join", OWN, post(join_form))
        .add(Method::POST, "/portal/profile", update, post(profile_form))
        .add(
            Method::POST,
            "/portal/availability",
            update,
            post(availability_form),
        )
        .add(
            Method::POST,
            "/portal/consents",
            update,
            post(consents_form),
        )
        .add(Method::GET, "/portal/privacy", read, get(privacy_page))
        .add(Method::GET, "/portal/export", read, get(export_download))
        .add(Method::POST, "/portal/erase", update, post(erase_form))
        .add(
            Method::POST,
            "/api/v1/candidates",
            SIGNUP,
            post(register_candidate),
        )
        .add(
            Method::POST,
            "/api/v1/email-verifications",
            SIGNUP,
            post(verify_email),
        )
        .add(
            Method::POST,
            "/api/v1/login-codes",
            SIGNUP,
            post(request_login_code),
        )
        .add(
            Method::POST,
            "/api/v1/session/code",
            SIGNUP,
            post(login_with_code),
        )
        .add(Method::POST, "/api/v1/me/labels", OWN, post(join_label))
        .add(Method::GET, "/api/v1/me/profile", read, get(get_my_profile))
        .add(
            Method::PUT,
            "/api/v1/me/profile",
            update,
            put(update_my_profile),
        )
        .add(
            Method::PUT,
            "/api/v1/me/availability",
            update,
            put(set_my_availability),
        )
        .add(
            Method::PUT,
            "/api/v1/me/consents",
            update,
            put(set_my_consents),
        )
        .add(Method::GET, "/api/v1/me/export", read, get(export_my_data))
        .add(
            Method::GET,
            "/api/v1/me/disclosures",
            read,
            get(list_my_disclosures),
        )
        .add(Method::POST, "/api/v1/me/erasure", update, post(erase_me))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        register_candidate,
        verify_email,
        request_login_code,
        login_with_code,
        join_label,
        get_my_profile,
        update_my_profile,
        set_my_availability,
        set_my_consents,
        export_my_data,
        list_my_disclosures,
        erase_me
    ),
    components(schemas(
        RegisterRequest,
        ProfileDto,
        ProfileUpdate,
        VerifyRequest,
        EmailRequest,
        CodeLoginRequest,
        JoinRequest,
        AvailabilityRequest,
        ConsentsRequest,
        PrivacyDto,
        EraseRequest,
        ReceiptDto
    ))
)]
pub struct PortalDoc;

/// The label the request came through, as core needs it for sign-up and consent.
pub fn through(page_label: &LabelCtx, mail: ResetContext) -> Through {
    Through {
        slug: page_label.label.slug.clone(),
        current_statement_version: page_label.label.current_version.to_string(),
        mail,
    }
}

fn through_page(page: &PageCtx) -> Through {
    through(&page.label, reset_context(page))
}

// ---- API types ----

/// The optional profile fields (CAN-1), as sent and as returned.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    #[schema(max_length = 120)]
    name: Option<String>,
    #[schema(example = "+31 6 12345678")]
    phone: Option<String>,
    #[schema(max_length = 80)]
    place: Option<String>,
    /// One of the twelve Dutch provinces.
    #[schema(example = "Utrecht")]
    province: Option<String>,
    #[schema(max_length = 120)]
    desired_work: Option<String>,
    #[schema(minimum = 1, maximum = 60)]
    hours_per_week: Option<i32>,
    skills: Option<Vec<String>>,
    #[schema(minimum = 0, maximum = 60)]
    years_experience: Option<i32>,
    #[schema(max_length = 120)]
    education: Option<String>,
    languages: Option<Vec<String>>,
    /// Dutch categories: AM, A1, A2, A, B, BE, C1, C1E, C, CE, D1, D1E, D, DE, T.
    driving_licences: Option<Vec<String>>,
    #[schema(value_type = Option<String>, format = Date)]
    available_from: Option<chrono::NaiveDate>,
    #[schema(max_length = 2000)]
    summary: Option<String>,
}

impl From<ProfileUpdate> for ProfileInput {
    fn from(p: ProfileUpdate) -> Self {
        ProfileInput {
            name: p.name,
            phone: p.phone,
            place: p.place,
            province: p.province,
            desired_work: p.desired_work,
            hours_per_week: p.hours_per_week,
            skills: p.skills,
            years_experience: p.years_experience,
            education: p.education,
            languages: p.languages,
            driving_licences: p.driving_licences,
            available_from: p.available_from,
            summary: p.summary,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(min_length = 1, max_length = 120)]
    name: String,
    #[schema(format = Email, min_length = 3)]
    email: String,
    #[schema(min_length = 10)]
    password: String,
    /// The label's current privacy statement version, which the person accepts.
    #[schema(example = "1.3")]
    accept_privacy_statement_version: String,
    #[serde(default)]
    other_labels: bool,
    #[serde(default)]
    showcase: bool,
    #[serde(default)]
    vacancy_mails: bool,
    #[serde(default)]
    profile: Option<ProfileUpdate>,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileDto {
    id: i64,
    email: String,
    email_verified: bool,
    name: Option<String>,
    phone: Option<String>,
    place: Option<String>,
    province: Option<String>,
    desired_work: Option<String>,
    hours_per_week: Option<i32>,
    skills: Vec<String>,
    years_experience: Option<i32>,
    education: Option<String>,
    languages: Vec<String>,
    driving_licences: Vec<String>,
    #[schema(value_type = Option<String>, format = Date)]
    available_from: Option<chrono::NaiveDate>,
    summary: Option<String>,
    /// `available` or `passive`.
    availability: String,
    visible_to_all_labels: bool,
    in_showcase: bool,
    vacancy_mails: bool,
    /// The labels the candidate came through.
    labels: Vec<String>,
    /// A newer statement of this label that the candidate has not accepted yet.
    statement_to_accept: Option<String>,
}

impl ProfileDto {
    fn new(v: CandidateView, statement_to_accept: Option<String>) -> Self {
        ProfileDto {
            id: v.id,
            email: v.email,
            email_verified: v.email_verified,
            name: v.name,
            phone: v.phone,
            place: v.place,
            province: v.province,
            desired_work: v.desired_work,
            hours_per_week: v.hours_per_week,
            skills: v.skills,
            years_experience: v.years_experience,
            education: v.education,
            languages: v.languages,
            driving_licences: v.driving_licences,
            available_from: v.available_from,
            summary: v.summary,
            availability: v.availability,
            visible_to_all_labels: v.visible_to_all_labels,
            in_showcase: v.in_showcase,
            vacancy_mails: v.vacancy_mails,
            labels: v.labels,
            statement_to_accept,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[schema(min_length = 1)]
    token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    #[schema(format = Email, min_length = 3)]
    email: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeLoginRequest {
    #[schema(format = Email, min_length = 3)]
    email: String,
    #[schema(pattern = "^[0-9]{6}$", example = "042137")]
    code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    #[schema(example = "1.3")]
    accept_privacy_statement_version: String,
    #[serde(default)]
    other_labels: Option<bool>,
    #[serde(default)]
    showcase: Option<bool>,
    #[serde(default)]
    vacancy_mails: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// `available`, `passive`, or `unavailable` (always: erases everything, and needs
    /// `confirm_erasure: true`).
    #[schema(example = "passive")]
    availability: String,
    #[serde(default)]
    confirm_erasure: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsRequest {
    other_labels: Option<bool>,
    showcase: Option<bool>,
    vacancy_mails: Option<bool>,
    /// Accept this (current) version of the label's privacy statement.
    accept_privacy_statement_version: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PrivacyDto {
    #[schema(value_type = Vec<Object>)]
    disclosures: Vec<overview::MyDisclosure>,
    #[schema(value_type = Vec<Object>)]
    staff_accesses: Vec<overview::StaffAccess>,
    #[schema(value_type = Vec<Object>)]
    consents: Vec<candidates::consent::ConsentEntry>,
    #[schema(value_type = Vec<Object>)]
    privacy_requests: Vec<etalage_core::privacy::requests::PrivacyRequest>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Must be `true`: erasure cannot be undone.
    confirm: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptDto {
    receipt_id: String,
    erased_at: chrono::DateTime<chrono::Utc>,
    via: String,
    data_groups: Vec<String>,
    processors_told: Vec<String>,
}

impl From<ErasureReceipt> for ReceiptDto {
    fn from(r: ErasureReceipt) -> Self {
        ReceiptDto {
            receipt_id: r.receipt_id,
            erased_at: r.erased_at,
            via: r.via,
            data_groups: r.data_groups,
            processors_told: r.processors_told,
        }
    }
}

// ---- shared steps ----

async fn profile_dto(state: &AppState, me_id: i64, through: &Through) -> AppResult<ProfileDto> {
    let row = candidates::require_of_account(&state.db, me_id).await?;
    let pending = candidates::statement_to_accept(&state.db, row.id, through).await?;
    let view = candidates::my_profile(
        &state.db,
        &etalage_core::accounts::find_by_id(&state.db, me_id)
            .await?
            .ok_or(AppError::Core(CoreError::Unauthenticated))?,
    )
    .await?;
    Ok(ProfileDto::new(view, pending))
}

async fn erase_self(state: &AppState, account_id: i64) -> AppResult<ErasureReceipt> {
    let row = candidates::require_of_account(&state.db, account_id).await?;
    let receipt = erasure::erase_candidate(
        &state.db,
        &state.documents.store,
        row.id,
        Via::Candidate,
        Actor::Account(account_id),
    )
    .await?;
    // The erased account's roles leave the enforcer with it.
    state.authz.reload().await?;
    Ok(receipt)
}

async fn export_zip(state: &AppState, account_id: i64, locale: &str) -> AppResult<Response> {
    let row = candidates::require_of_account(&state.db, account_id).await?;
    let listed = etalage_core::documents::list(&state.db, &state.documents.key, row.id).await?;
    let mut files = Vec::with_capacity(listed.len());
    for d in &listed {
        let (_, bytes) =
            etalage_core::documents::open(&state.db, &state.documents, row.id, &d.id).await?;
        files.push(export::ExportFile::document(&d.id, &d.name, bytes));
    }
    let doc = export::document(&state.db, row, listed).await?;
    let bytes = export::zip(&doc, &files, locale)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"my-data.zip\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Starts a session for `account` (who just proved their mailbox) and goes to `path`.
async fn logged_in_to(
    state: &AppState,
    page: &PageCtx,
    account: &etalage_core::accounts::Account,
    path: &str,
) -> AppResult<Response> {
    let cookie = start_session(state, &page.headers, account, &page.label.label.slug).await?;
    let mut response = Redirect::to(&page.link(path)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

fn clear_session(headers: &HeaderMap, response: &mut Response) {
    if let Some(clear) = crate::cookies::build(
        headers,
        crate::cookies::SESSION,
        "",
        cookie::SameSite::Lax,
        Some(0),
    ) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
}

// ---- API ----

/// Sign up as a job seeker through this label (CAN-1). Answers 202 whether or not the address
/// is known; a new address gets a verification mail, a known one a mail inviting its owner to
/// log in and link their existing profile to this label.
#[utoipa::path(post, path = "/api/v1/candidates", tag = "candidates", request_body = RegisterRequest,
    responses((status = 202, description = "Check your mail"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_candidate(
    State(state): State<AppState>,
    page: PageCtx,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> AppResult<StatusCode> {
    let signup = Signup {
        name: body.name,
        email: body.email,
        password: body.password,
        profile: body.profile.unwrap_or_default().into(),
        accepted_statement_version: Some(body.accept_privacy_statement_version),
        purposes: PurposeChoices {
            other_labels: Some(body.other_labels),
            showcase: Some(body.showcase),
            vacancy_mails: Some(body.vacancy_mails),
        },
        form: "api",
    };
    candidates::register(&state.db, &through_page(&page), signup).await?;
    state.authz.reload().await?;
    Ok(StatusCode::ACCEPTED)
}

/// Confirm an e-mail address with the token of the mailed link.
#[utoipa::path(post, path = "/api/v1/email-verifications", tag = "candidates", request_body = VerifyRequest,
    responses((status = 204), (status = 409, body = Problem, content_type = "application/problem+json", description = "Expired or used")))]
async fn verify_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<VerifyRequest>,
) -> AppResult<StatusCode> {
    candidates::verify_email(&state.db, &body.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mail a one-time login code (six digits and a link) to a candidate's address. Answers 202
/// whether or not the address is known.
#[utoipa::path(post, path = "/api/v1/login-codes", tag = "candidates", request_body = EmailRequest,
    responses((status = 202), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request_login_code(
    State(state): State<AppState>,
    page: PageCtx,
    ApiJson(body): ApiJson<EmailRequest>,
) -> AppResult<StatusCode> {
    login_code::request(&state.db, &body.email, &reset_context(&page)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Log in with a mailed code; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session/code", tag = "candidates", request_body = CodeLoginRequest,
    responses((status = 200, body = crate::routes::session::AccountDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn login_with_code(
    State(state): State<AppState>,
    label: LabelCtx,
    headers: HeaderMap,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<CodeLoginRequest>,
) -> AppResult<Response> {
    let account =
        login_code::login_with_code(&state.db, &state.throttle, &body.email, &body.code, &client)
            .await?;
    let cookie = start_session(&state, &headers, &account, &label.label.slug).await?;
    let mut response = Json(crate::routes::session::AccountDto::from(account)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Link one's profile to this label, accepting its current privacy statement (CAN-2: one
/// person is one candidate across labels).
#[utoipa::path(post, path = "/api/v1/me/labels", tag = "candidates", request_body = JoinRequest,
    responses((status = 200, body = ProfileDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn join_label(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    ApiJson(body): ApiJson<JoinRequest>,
) -> AppResult<Json<ProfileDto>> {
    let through = through_page(&page);
    candidates::join_label(
        &state.db,
        &me.account,
        &through,
        &body.accept_privacy_statement_version,
        PurposeChoices {
            other_labels: body.other_labels,
            showcase: body.showcase,
            vacancy_mails: body.vacancy_mails,
        },
        "api",
    )
    .await?;
    // The candidate role in this label is new: the enforcer learns it now.
    state.authz.reload().await?;
    Ok(Json(profile_dto(&state, me.account.id, &through).await?))
}

/// The candidate's own profile.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "candidates", responses((status = 200, body = ProfileDto)))]
async fn get_my_profile(
    State(state): State<AppState>,
    page: PageCtx,
    granted: Granted,
) -> AppResult<Json<ProfileDto>> {
    let me = granted.account()?;
    Ok(Json(
        profile_dto(&state, me.id, &through_page(&page)).await?,
    ))
}

/// Change the candidate's own profile; fields left out stay as they are, an empty string clears one.
#[utoipa::path(put, path = "/api/v1/me/profile", tag = "candidates", request_body = ProfileUpdate,
    responses((status = 200, body = ProfileDto)))]
async fn update_my_profile(
    State(state): State<AppState>,
    page: PageCtx,
    granted: Granted,
    ApiJson(body): ApiJson<ProfileUpdate>,
) -> AppResult<Json<ProfileDto>> {
    let me = granted.account()?;
    candidates::update_my_profile(&state.db, me, body.into()).await?;
    Ok(Json(
        profile_dto(&state, me.id, &through_page(&page)).await?,
    ))
}

/// Available, passive, or unavailable for good — which erases everything (CAN-3) and needs
/// `confirm_erasure: true`; the answer is then the erasure receipt.
#[utoipa::path(put, path = "/api/v1/me/availability", tag = "candidates", request_body = AvailabilityRequest,
    responses((status = 200, body = ProfileDto), (status = 202, body = ReceiptDto, description = "Erased"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_my_availability(
    State(state): State<AppState>,
    page: PageCtx,
    granted: Granted,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AvailabilityRequest>,
) -> AppResult<Response> {
    let me = granted.account()?;
    if body.availability == "unavailable" {
        if !body.confirm_erasure {
            return Err(CoreError::invalid(
                "confirm_erasure",
                "unavailable for good erases your profile and everything we hold about you; confirm with confirm_erasure: true",
            )
            .into());
        }
        let receipt = erase_self(&state, me.id).await?;
        let mut response = (StatusCode::ACCEPTED, Json(ReceiptDto::from(receipt))).into_response();
        clear_session(&headers, &mut response);
        return Ok(response);
    }
    let availability = Availability::parse(&body.availability).ok_or_else(|| {
        CoreError::invalid("availability", "must be available, passive or unavailable")
    })?;
    candidates::set_my_availability(&state.db, me, availability).await?;
    Ok(Json(profile_dto(&state, me.id, &through_page(&page)).await?).into_response())
}

/// Switch purposes (visible to other labels, talent showcase, vacancy mails), each a ledger
/// entry, and accept the label's current statement.
#[utoipa::path(put, path = "/api/v1/me/consents", tag = "candidates", request_body = ConsentsRequest,
    responses((status = 200, body = ProfileDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_my_consents(
    State(state): State<AppState>,
    page: PageCtx,
    granted: Granted,
    ApiJson(body): ApiJson<ConsentsRequest>,
) -> AppResult<Json<ProfileDto>> {
    let me = granted.account()?;
    let through = through_page(&page);
    candidates::set_my_consents(
        &state.db,
        me,
        &through,
        PurposeChoices {
            other_labels: body.other_labels,
            showcase: body.showcase,
            vacancy_mails: body.vacancy_mails,
        },
        body.accept_privacy_statement_version.as_deref(),
        "api",
    )
    .await?;
    Ok(Json(profile_dto(&state, me.id, &through).await?))
}

/// Everything held about the candidate, as one zip: `data.json`, the original documents and a
/// short summary page (PRV-1, portability).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "candidates",
    responses((status = 200, content_type = "application/zip", description = "The export")))]
async fn export_my_data(
    State(state): State<AppState>,
    page: PageCtx,
    granted: Granted,
) -> AppResult<Response> {
    export_zip(&state, granted.account()?.id, page.lang.code()).await
}

/// "My privacy" (PRV-5): every disclosure, every staff access, the consent ledger.
#[utoipa::path(get, path = "/api/v1/me/disclosures", tag = "candidates", responses((status = 200, body = PrivacyDto)))]
async fn list_my_disclosures(
    State(state): State<AppState>,
    granted: Granted,
) -> AppResult<Json<PrivacyDto>> {
    let me = granted.account()?;
    let row = candidates::require_of_account(&state.db, me.id).await?;
    let o = overview::overview(&state.db, row.id, Some(me.id)).await?;
    Ok(Json(PrivacyDto {
        disclosures: o.disclosures,
        staff_accesses: o.staff_accesses,
        consents: o.consents,
        privacy_requests: o.privacy_requests,
    }))
}

/// Erase me (CAN-3): the profile, documents, consents, login and everything else, at once.
/// Answers with the erasure receipt, which names nobody; the session ends.
#[utoipa::path(post, path = "/api/v1/me/erasure", tag = "candidates", request_body = EraseRequest,
    responses((status = 202, body = ReceiptDto), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn erase_me(
    State(state): State<AppState>,
    granted: Granted,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EraseRequest>,
) -> AppResult<Response> {
    if !body.confirm {
        return Err(CoreError::invalid("confirm", "must be true: erasure cannot be undone").into());
    }
    let receipt = erase_self(&state, granted.account()?.id).await?;
    let mut response = (StatusCode::ACCEPTED, Json(ReceiptDto::from(receipt))).into_response();
    clear_session(&headers, &mut response);
    Ok(response)
}

// ---- pages ----

#[derive(Deserialize, Default)]
struct SignupForm {
    name: String,
    email: String,
    password: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    desired_work: String,
    #[serde(default)]
    hours_per_week: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    accept_statement: Option<String>,
    #[serde(default)]
    other_labels: Option<String>,
    #[serde(default)]
    showcase: Option<String>,
    #[serde(default)]
    vacancy_mails: Option<String>,
}

fn split_list(raw: &str) -> Option<Vec<String>> {
    let items: Vec<String> = raw
        .split([',', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some(items)
}

fn parse_hours(raw: &str) -> Result<Option<i32>, CoreError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| CoreError::invalid("hours_per_week", "must be a whole number"))
}

fn signup_values(form: &SignupForm) -> minijinja::Value {
    context! {
        name => form.name, email => form.email, phone => form.phone, place => form.place,
        province => form.province, desired_work => form.desired_work,
        hours_per_week => form.hours_per_week, skills => form.skills, summary => form.summary,
    }
}

async fn signup_form(State(state): State<AppState>, page: PageCtx) -> AppResult<Response> {
    Ok(page.render(
        &state,
        "signup.html",
        context! { form => signup_values(&SignupForm::default()), provinces => candidates::profile::PROVINCES },
    ))
}

async fn signup(
    State(state): State<AppState>,
    page: PageCtx,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    let result = async {
        let profile = ProfileInput {
            phone: Some(form.phone.clone()),
            place: Some(form.place.clone()),
            province: Some(form.province.clone()),
            desired_work: Some(form.desired_work.clone()),
            hours_per_week: parse_hours(&form.hours_per_week)?,
            skills: split_list(&form.skills),
            summary: Some(form.summary.clone()),
            ..Default::default()
        };
        let signup = Signup {
            name: form.name.clone(),
            email: form.email.clone(),
            password: form.password.clone(),
            profile,
            accepted_statement_version: form.accept_statement.clone().filter(|v| !v.is_empty()),
            purposes: PurposeChoices {
                other_labels: Some(form.other_labels.is_some()),
                showcase: Some(form.showcase.is_some()),
                vacancy_mails: Some(form.vacancy_mails.is_some()),
            },
            form: "signup-form",
        };
        candidates::register(&state.db, &through_page(&page), signup).await?;
        state.authz.reload().await
    }
    .await;
    match result {
        Ok(()) => Ok(page.render(&state, "signup_sent.html", context! {})),
        Err(CoreError::Invalid { field, message }) => Ok(page.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "signup.html",
            context! {
                form => signup_values(&form),
                provinces => candidates::profile::PROVINCES,
                error => format!("{field}: {message}"),
            },
        )),
        Err(other) => Err(other.into()),
    }
}

async fn verify_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    // A page with a button, not the verification itself: mail scanners open links.
    Ok(page.render(&state, "verify_email.html", context! { token => token }))
}

async fn verify(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    match candidates::verify_email(&state.db, &token).await {
        Ok(account_id) => {
            // Opening the link proves the mailbox; the owner is logged in, as with a login code.
            let account = match account_id {
                Some(id) => etalage_core::accounts::find_by_id(&state.db, id).await?,
                None => None,
            };
            let Some(account) = account else {
                return Ok(Redirect::to(&page.link("/login")).into_response());
            };
            logged_in_to(&state, &page, &account, "/portal?notice=verified").await
        }
        Err(CoreError::Conflict(message)) => Ok(page.render_status(
            &state,
            StatusCode::CONFLICT,
            "verify_email.html",
            context! { error => message },
        )),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct CodeRequestForm {
    email: String,
}

#[derive(Deserialize)]
struct CodeLoginForm {
    email: String,
    code: String,
}

async fn code_form(State(state): State<AppState>, page: PageCtx) -> AppResult<Response> {
    Ok(page.render(&state, "login_code.html", context! {}))
}

async fn code_request(
    State(state): State<AppState>,
    page: PageCtx,
    Form(form): Form<CodeRequestForm>,
) -> AppResult<Response> {
    match login_code::request(&state.db, &form.email, &reset_context(&page)).await {
        Ok(()) => Ok(page.render(
            &state,
            "login_code.html",
            context! { sent => true, email => form.email },
        )),
        Err(CoreError::Invalid { field, message }) => Ok(page.render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "login_code.html",
            context! { email => form.email, error => format!("{field}: {message}") },
        )),
        Err(other) => Err(other.into()),
    }
}

async fn code_login(
    State(state): State<AppState>,
    page: PageCtx,
    ClientIp(client): ClientIp,
    Form(form): Form<CodeLoginForm>,
) -> AppResult<Response> {
    match login_code::login_with_code(&state.db, &state.throttle, &form.email, &form.code, &client)
        .await
    {
        Ok(account) => logged_in_to(&state, &page, &account, "/portal").await,
        Err(CoreError::Unauthenticated) => Ok(page.render_status(
            &state,
            StatusCode::UNAUTHORIZED,
            "login_code.html",
            context! { sent => true, email => form.email, error => page.t("login_code_wrong") },
        )),
        Err(other) => Err(other.into()),
    }
}

async fn code_link_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    Ok(page.render(&state, "login_code.html", context! { token => token }))
}

async fn code_link_login(
    State(state): State<AppState>,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    match login_code::login_with_link(&state.db, &token).await {
        Ok(account) => logged_in_to(&state, &page, &account, "/portal").await,
        Err(CoreError::Conflict(message)) => Ok(page.render_status(
            &state,
            StatusCode::CONFLICT,
            "login_code.html",
            context! { error => message },
        )),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

/// The portal: the profile when the candidate is linked to this label and has accepted its
/// current statement; otherwise the statement to accept (a new version, PRV-4, or this label
/// for the first time, CAN-2).
async fn portal(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    render_portal(&state, &page, &me, StatusCode::OK, q.notice, None).await
}

async fn render_portal(
    state: &AppState,
    page: &PageCtx,
    me: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> AppResult<Response> {
    let through = through_page(page);
    let row = candidates::of_account(&state.db, me.account.id).await?;
    let statement = page
        .label
        .label
        .current_statement()
        .map(|s| crate::markdown::to_html(&s.body));
    let linked = match &row {
        Some(r) => candidates::labels_of(&state.db, r.id)
            .await?
            .contains(&through.slug),
        None => false,
    };
    let pending = match &row {
        Some(r) if linked => candidates::statement_to_accept(&state.db, r.id, &through).await?,
        _ => None,
    };
    if !linked || pending.is_some() {
        return Ok(page.render_status(
            state,
            status,
            "portal_join.html",
            context! {
                joining => !linked,
                version => through.current_statement_version,
                statement => statement,
                error => error,
            },
        ));
    }
    let view = candidates::my_profile(&state.db, &me.account).await?;
    let notice = notice.map(|n| match n.as_str() {
        "verified" => page.t("notice_verified").to_string(),
        "saved" => page.t("notice_saved").to_string(),
        _ => String::new(),
    });
    Ok(page.render_status(
        state,
        status,
        "portal.html",
        context! {
            profile => view,
            skills => view.skills.join(", "),
            provinces => candidates::profile::PROVINCES,
            notice => notice.filter(|n| !n.is_empty()),
            error => error,
        },
    ))
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    accept_statement: Option<String>,
    #[serde(default)]
    other_labels: Option<String>,
    #[serde(default)]
    showcase: Option<String>,
    #[serde(default)]
    vacancy_mails: Option<String>,
}

async fn join_form(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    Form(form): Form<JoinForm>,
) -> AppResult<Response> {
    let through = through_page(&page);
    let version = form.accept_statement.clone().unwrap_or_default();
    let already = match candidates::of_account(&state.db, me.account.id).await? {
        Some(r) => candidates::labels_of(&state.db, r.id)
            .await?
            .contains(&through.slug),
        None => false,
    };
    let result = if already {
        candidates::set_my_consents(
            &state.db,
            &me.account,
            &through,
            PurposeChoices::default(),
            Some(version.as_str()),
            "statement-form",
        )
        .await
    } else {
        candidates::join_label(
            &state.db,
            &me.account,
            &through,
            &version,
            PurposeChoices {
                other_labels: form.other_labels.as_ref().map(|_| true),
                showcase: form.showcase.as_ref().map(|_| true),
                vacancy_mails: form.vacancy_mails.as_ref().map(|_| true),
            },
            "join-form",
        )
        .await
    };
    state.authz.reload().await?;
    match result {
        Ok(_) => Ok(Redirect::to(&page.link("/portal?notice=saved")).into_response()),
        Err(CoreError::Invalid { message, .. }) => {
            render_portal(
                &state,
                &page,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct ProfileForm {
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    desired_work: String,
    #[serde(default)]
    hours_per_week: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    summary: String,
}

async fn profile_form(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let result = async {
        let input = ProfileInput {
            name: Some(form.name.clone()),
            phone: Some(form.phone.clone()),
            place: Some(form.place.clone()),
            province: Some(form.province.clone()),
            desired_work: Some(form.desired_work.clone()),
            hours_per_week: parse_hours(&form.hours_per_week)?,
            skills: split_list(&form.skills),
            summary: Some(form.summary.clone()),
            ..Default::default()
        };
        candidates::update_my_profile(&state.db, &me.account, input).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&page.link("/portal?notice=saved")).into_response()),
        Err(CoreError::Invalid { field, message }) => {
            render_portal(
                &state,
                &page,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(format!("{field}: {message}")),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct AvailabilityForm {
    availability: String,
}

async fn availability_form(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    Form(form): Form<AvailabilityForm>,
) -> AppResult<Response> {
    let availability = Availability::parse(&form.availability)
        .ok_or_else(|| CoreError::invalid("availability", "must be available or passive"))?;
    candidates::set_my_availability(&state.db, &me.account, availability).await?;
    Ok(Redirect::to(&page.link("/portal?notice=saved")).into_response())
}

#[derive(Deserialize)]
struct ConsentsForm {
    #[serde(default)]
    other_labels: Option<String>,
    #[serde(default)]
    showcase: Option<String>,
    #[serde(default)]
    vacancy_mails: Option<String>,
}

async fn consents_form(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    Form(form): Form<ConsentsForm>,
) -> AppResult<Response> {
    // Unticked boxes are not sent: each purpose is set to whether its box was ticked.
    candidates::set_my_consents(
        &state.db,
        &me.account,
        &through_page(&page),
        PurposeChoices {
            other_labels: Some(form.other_labels.is_some()),
            showcase: Some(form.showcase.is_some()),
            vacancy_mails: Some(form.vacancy_mails.is_some()),
        },
        None,
        "portal",
    )
    .await?;
    Ok(Redirect::to(&page.link("/portal?notice=saved")).into_response())
}

async fn privacy_page(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
) -> AppResult<Response> {
    let row = candidates::require_of_account(&state.db, me.account.id).await?;
    let o = overview::overview(&state.db, row.id, Some(me.account.id)).await?;
    Ok(page.render(&state, "portal_privacy.html", context! { overview => o }))
}

async fn export_download(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
) -> AppResult<Response> {
    export_zip(&state, me.account.id, page.lang.code()).await
}

#[derive(Deserialize)]
struct EraseForm {
    #[serde(default)]
    confirm: Option<String>,
}

async fn erase_form(
    State(state): State<AppState>,
    page: PageCtx,
    me: SignedIn,
    Form(form): Form<EraseForm>,
) -> AppResult<Response> {
    if form.confirm.is_none() {
        return render_portal(
            &state,
            &page,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(page.t("erase_confirm_needed").to_string()),
        )
        .await;
    }
    let receipt = erase_self(&state, me.account.id).await?;
    let mut response = page.render(
        &state,
        "portal_erased.html",
        context! { receipt => receipt },
    );
    clear_session(&page.headers, &mut response);
    Ok(response)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// The operationIds issue 8 names are the public contract: black-box checks drive the
    /// server through them.
    #[test]
    fn can_1_the_candidate_and_privacy_operations_carry_their_agreed_names() {
        let doc = serde_json::to_value(crate::routes::api::document()).unwrap();
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(|item| item.as_object())
            .flat_map(|item| item.values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for wanted in [
            "register_candidate",
            "verify_email",
            "request_login_code",
            "get_my_profile",
            "update_my_profile",
            "upload_my_document",
            "delete_my_document",
            "set_my_availability",
            "set_my_consents",
            "export_my_data",
            "list_my_disclosures",
            "erase_me",
            "list_candidates",
            "get_candidate",
            "erase_candidate",
            "create_privacy_request",
            "list_privacy_requests",
            "update_privacy_request",
        ] {
            assert!(
                ids.contains(&wanted),
                "{wanted} is missing from the API document"
            );
        }
    }
}
