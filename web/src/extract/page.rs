//! Everything a page needs besides its own data: label, language, user, CSRF token.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use cookie::SameSite;
use etalage_tenants::Label;
use minijinja::{Value, context};

use crate::cookies;
use crate::error::AppError;
use crate::extract::{CsrfToken, CurrentUser, LabelCtx};
use crate::i18n::{self, Lang};
use crate::state::AppState;

/// The language for this request: `?lang=` (remembered in a cookie), then the cookie, then the
/// browser's Accept-Language, then the label's default — always one the label offers.
pub fn lang_for(
    headers: &HeaderMap,
    query: Option<&str>,
    label: &Label,
) -> (Lang, Option<HeaderValue>) {
    let offered = |lang: Lang| label.locales.iter().any(|l| l == lang.code());
    let from_query = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v))
    });
    if let Some(lang) = from_query.filter(|l| offered(*l)) {
        let cookie = cookies::build(
            headers,
            cookies::LANG,
            lang.code(),
            SameSite::Lax,
            Some(365 * 24 * 3600),
        );
        return (lang, cookie);
    }
    if let Some(lang) = cookies::get(headers, cookies::LANG)
        .and_then(|v| Lang::parse(&v))
        .filter(|l| offered(*l))
    {
        return (lang, None);
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or_default()))
        .find(|l| offered(*l));
    let lang = accepted
        .or_else(|| Lang::parse(&label.default_locale))
        .unwrap_or(Lang::Nl);
    (lang, None)
}

pub struct PageCtx {
    pub label: LabelCtx,
    pub lang: Lang,
    pub user: CurrentUser,
    pub csrf: CsrfToken,
    pub path: String,
    /// Whether to show the console link: the user may see this label's people.
    pub can_admin: bool,
    set_cookies: Vec<HeaderValue>,
    pub headers: HeaderMap,
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let label = LabelCtx::from_request_parts(parts, state).await?;
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let Ok(csrf) = CsrfToken::from_request_parts(parts, state).await;
        let (lang, lang_cookie) = lang_for(&parts.headers, parts.uri.query(), &label.label);
        let set_cookies = csrf
            .set_cookie
            .iter()
            .chain(lang_cookie.iter())
            .cloned()
            .collect();
        let can_admin = match &user.0 {
            Some(account) => {
                state
                    .authz
                    .check(&account.subject(), &label.label.slug, "roles", "read")
                    .await?
            }
            None => false,
        };
        Ok(PageCtx {
            can_admin,
            path: parts.uri.path().to_string(),
            label,
            lang,
            user,
            csrf,
            set_cookies,
            headers: parts.headers.clone(),
        })
    }
}

/// The label as templates see it.
pub fn label_value(label: &Label) -> Value {
    context! {
        slug => label.slug,
        name => label.name,
        tagline => label.tagline,
        contact_email => label.contact_email,
        controller => label.controller,
        chamber_of_commerce => label.chamber_of_commerce,
        current_version => label.current_version.to_string(),
        primary_color => label.primary_color.to_string(),
        accent_color => label.accent_color.to_string(),
        text_on_primary => label.text_on_primary.to_string(),
        locales => label.locales,
    }
}

impl PageCtx {
    /// Renders `template` with the common context merged under `page`.
    pub fn render(&self, state: &AppState, template: &str, page: Value) -> Response {
        self.render_status(state, StatusCode::OK, template, page)
    }

    pub fn render_status(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        page: Value,
    ) -> Response {
        let other = if self.lang == Lang::Nl {
            Lang::En
        } else {
            Lang::Nl
        };
        let offers_other = self.label.label.locales.iter().any(|l| l == other.code());
        let ctx = context! {
            label => label_value(&self.label.label),
            base => self.label.base,
            lang => self.lang.code(),
            other_lang => if offers_other { Some(other.code()) } else { None },
            path => self.path,
            t => Value::from_serialize(i18n::messages(self.lang)),
            user => self.user.0.as_ref().map(|u| context! {
                email => u.email,
                display_name => u.display_name,
                is_platform_admin => u.is_platform_admin,
                can_admin => self.can_admin,
            }),
            csrf => self.csrf.token,
            page => page,
        };
        let mut response = match state.templates.render(template, ctx) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => err.into_response(),
        };
        for cookie in &self.set_cookies {
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie.clone());
        }
        // Pages may show personal data; no shared cache may keep them.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// A link inside this label (`/login` → `/l/werkweb/login` on a shared host).
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.label.base, path)
    }
}
