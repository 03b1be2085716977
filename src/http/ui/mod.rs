//! The web interface under `/ui`: server-rendered pages (askama templates compiled into the
//! binary) over the same operations as the API (`crate::cases`), so a form meets the same
//! rules, scope and access log as an API call.
//!
//! Every page is sent with a Content-Security-Policy that allows no inline script or style and
//! nothing from elsewhere (the stylesheet ships in the binary), `Cache-Control: no-store`, and
//! no framing. Every form carries its session's CSRF token; sign-in, before there is a session,
//! pairs its form with a cookie instead.

mod admin;
mod approvals;
mod forms;
mod holidays;
mod i18n;
mod kept;
mod pages;
mod session;
mod settings;
mod token_link;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

use super::error::ApiError;
use crate::cases::CaseError;
use crate::store::StoreError;

/// Where askama finds the templates; compiled in only so that a change to it rebuilds the
/// pages (and the packaging test sees that the Docker build needs its folder).
const _ASKAMA_CONFIG: &str = include_str!("askama.toml");

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet, compiled in: no asset comes from elsewhere at run time.
const STYLESHEET: &str = include_str!("static/vigil.css");

/// The `/ui` routes.
pub fn scope() -> impl actix_web::dev::HttpServiceFactory {
    web::scope("/ui")
        // Every page, error pages included, speaks the browser's language until a session says
        // otherwise.
        .wrap_fn(|req, service| {
            let accept = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
            let answer = actix_web::dev::Service::call(service, req);
            i18n::speaking_the_browsers(accept, answer)
        })
        .wrap(
            DefaultHeaders::new()
                .add((header::CONTENT_SECURITY_POLICY, CSP))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::REFERRER_POLICY, "no-referrer"))
                .add((header::CACHE_CONTROL, "no-store")),
        )
        .app_data(web::PayloadConfig::new(256 * 1024))
        .route("", web::get().to(pages::home))
        .route("/", web::get().to(pages::home))
        .route("/static/vigil.css", web::get().to(stylesheet))
        .route("/sign-in", web::get().to(session::sign_in_page))
        .route("/sign-in", web::post().to(session::sign_in))
        .route("/sign-in/link", web::post().to(session::send_link))
        .route("/sign-in/link/{secret}", web::get().to(session::link_page))
        .route("/sign-in/link/{secret}", web::post().to(session::use_link))
        .route("/sign-in/token/{secret}", web::get().to(token_link::link_page))
        .route("/sign-in/token/{secret}", web::post().to(token_link::use_link))
        .route("/sign-out", web::post().to(session::sign_out))
        .route("/kept", web::get().to(kept::kept_page))
        .route("/needs-me", web::get().to(pages::needs_me))
        .route("/cases", web::get().to(pages::cases))
        .route("/cases", web::post().to(pages::open_case))
        .route("/cases/new", web::get().to(pages::new_case))
        .route("/cases/search", web::post().to(pages::search))
        .route("/cases/{id}", web::get().to(pages::case))
        .route("/cases/{id}/edit", web::get().to(pages::edit_case))
        .route("/cases/{id}/edit", web::post().to(pages::update_case))
        .route("/cases/{id}/procedures", web::post().to(pages::start_procedure))
        .route("/cases/{id}/attachments", web::post().to(pages::attach))
        .route("/cases/{id}/attachments/{aid}", web::get().to(pages::download))
        .route("/procedures/{id}/actions/{action}", web::post().to(pages::take_action))
        .route("/procedures/{id}/claim", web::post().to(pages::claim))
        .route("/queues/{name}", web::get().to(pages::queue))
        .route("/reports", web::get().to(pages::reports_page))
        .route("/reports.csv", web::get().to(pages::reports_csv))
        .route("/reports/annual", web::get().to(pages::annual_page))
        .route("/reports/annual.csv", web::get().to(pages::annual_csv))
        .route("/admin", web::get().to(admin::admin))
        .route("/admin/log", web::get().to(admin::admin_log))
        .route("/admin/users", web::post().to(admin::add_user))
        .route("/admin/users/{id}/disable", web::post().to(admin::disable_user))
        .route("/admin/users/{id}/token", web::post().to(admin::issue_token))
        .route("/admin/tokens/revoke", web::post().to(admin::revoke_token))
        .route("/admin/reminders/{id}/retry", web::post().to(admin::retry))
        .route("/admin/erasures", web::post().to(admin::request_erasure))
        .route(
            "/admin/erasures/{id}/approve",
            web::post().to(approvals::approve_erasure),
        )
        .route("/admin/users/{id}/grant", web::post().to(admin::change_user))
        .route("/admin/users/{id}/enable", web::post().to(admin::enable_user))
        .route("/approvals", web::get().to(approvals::approvals))
        .route(
            "/approvals/grants/{id}/{decision}",
            web::post().to(approvals::decide_grant),
        )
        .route("/holidays", web::get().to(holidays::holidays_page))
        .route("/holidays/{code}", web::post().to(holidays::add))
        .route("/holidays/{code}/remove", web::post().to(holidays::remove))
        .route("/holidays/{code}/import", web::post().to(holidays::import))
        .route("/settings", web::get().to(settings::settings_page))
        .route("/settings", web::post().to(settings::save_settings))
        .route("/workflows", web::get().to(pages::workflows))
        .route("/workflows/{name}", web::get().to(pages::workflow))
}

/// `GET /`: a browser that comes to the root is sent to the web interface.
pub async fn root() -> HttpResponse {
    see_other("/ui/")
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

/// What a page handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No live session: the browser is sent to sign in.
    #[error("sign in first")]
    SignIn,
    /// No live session, and the form sent is kept (`kept`): the browser is sent to sign in
    /// with the cookie that opens it.
    #[error("sign in first; what was typed is kept")]
    SignInKept(Box<crate::domain::Sensitive<actix_web::cookie::Cookie<'static>>>),
    /// A form without its session's token (or a sign-in form without its cookie).
    #[error("this form has expired or did not come from Vigil; reload the page and try again")]
    Csrf,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<CaseError> for WebError {
    fn from(e: CaseError) -> Self {
        Self::Api(e.into())
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        Self::Api(e.into())
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        Self::Api(ApiError::Internal(Box::new(e)))
    }
}

#[derive(Template)]
#[template(path = "error.html", config = "src/http/ui/askama.toml")]
struct ErrorPage<'a> {
    tr: i18n::Tr,
    status: i64,
    title: &'a str,
    detail: String,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn | Self::SignInKept(_) => StatusCode::SEE_OTHER,
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Self::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/ui/sign-in"))
                    .finish();
            }
            Self::SignInKept(cookie) => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/ui/sign-in"))
                    .cookie(cookie.expose().clone())
                    .finish();
            }
            _ => {}
        }
        let tr = i18n::Tr(i18n::page_lang());
        let detail = match self {
            Self::Api(ApiError::Internal(cause)) => {
                // Logged once, in the request's span; the page shows no cause.
                tracing::error!(error = %cause, "internal error");
                tr.t("error-internal")
            }
            Self::Api(ApiError::Forbidden(denied) | ApiError::Taken(denied)) => forms::denied_in_words(denied, tr),
            Self::Api(ApiError::NotFound | ApiError::NoRoute) => tr.t("error-detail-not-found"),
            Self::Api(ApiError::Gone) => tr.t("error-detail-gone"),
            Self::Api(ApiError::Conflict { .. }) => tr.t("error-detail-conflict"),
            Self::Api(ApiError::TooManyAttempts { .. }) => tr.t("error-detail-too-many-attempts"),
            Self::Csrf => tr.t("error-detail-csrf"),
            // What else a page can meet (a request too large, a service unavailable) in the
            // API's words.
            other => other.to_string(),
        };
        let title = tr
            .try_t(&format!("error-{}", status.as_u16()))
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
        let page = ErrorPage {
            tr,
            status: i64::from(status.as_u16()),
            title: &title,
            detail,
        };
        let mut response = HttpResponse::build(status);
        if let Self::Api(ApiError::TooManyAttempts { retry_after_secs }) = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        match page.render() {
            Ok(body) => response.content_type("text/html; charset=utf-8").body(body),
            Err(_) => response.content_type("text/plain; charset=utf-8").body(page.detail),
        }
    }
}

/// A rendered page with `status`.
fn page(status: StatusCode, template: &impl Template) -> Result<HttpResponse, WebError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(template.render()?))
}

/// A redirect after a successful POST, so reloading the next page repeats nothing.
fn see_other(location: &str) -> HttpResponse {
    let mut response = HttpResponse::SeeOther().finish();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
