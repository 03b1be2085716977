//! Signing in and out of the web interface, and the `Session` extractor.
//!
//! A session is a random secret in a cookie (`HttpOnly`, `SameSite=Strict`, `Secure` when the
//! request came over TLS, scoped to `/ui`); the database keeps only its SHA-256. It ends after
//! [`IDLE`] without a request, after [`LIFETIME`] whatever the activity, when its user is
//! disabled, when the API token it was opened with is revoked or expires, or on signing out.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;
use chrono::{Duration, Utc};
use chrono_tz::Tz;
use subtle::ConstantTimeEq;

use super::forms::Submitted;
use super::i18n::{Lang, Tr};
use super::{WebError, page, see_other};
use crate::crypto::token;
use crate::domain::Principal;
use crate::domain::UserId;
use crate::http::AppState;
use crate::http::auth::check_token;
use crate::http::error::ApiError;
use crate::mail;
use crate::store::sessions::{self, NewLink, NewSession};
use crate::store::users;
use uuid::Uuid;

pub const COOKIE: &str = "vigil_session";
/// The cookie pairing a sign-in form with the browser it was sent to.
const SIGN_IN_COOKIE: &str = "vigil_sign_in";
/// A session ends this long after its last request.
pub const IDLE: Duration = Duration::minutes(30);
/// A session ends this long after signing in, whatever the activity.
pub const LIFETIME: Duration = Duration::hours(12);
/// A session's last use is written at most this often.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The signed-in user of a page request.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Principal,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// The user's time zone, else their delegation's, else UTC: the wall clock of the pages.
    pub zone: Tz,
    /// The pages' language: the user's setting, else the browser's (`super::i18n`).
    pub tr: Tr,
    id_hash: [u8; 32],
}

impl Session {
    /// Refuses a form that does not carry this session's CSRF token.
    pub fn check(&self, form: &Submitted) -> Result<(), WebError> {
        self.check_token(form.get("csrf"))
    }

    /// Refuses a token that is not this session's (a form's `csrf` field, read by its handler).
    pub fn check_token(&self, presented: Option<&str>) -> Result<(), WebError> {
        same_secret(presented, &self.csrf)
    }
}

/// Refuses a form sent before there is a session (signing in) that does not carry the token
/// of the cookie the form came with.
pub(super) fn check_paired(req: &HttpRequest, form: &Submitted) -> Result<(), WebError> {
    let paired = req
        .cookie(SIGN_IN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    same_secret(form.get("csrf"), &paired)
}

pub(super) fn same_secret(presented: Option<&str>, expected: &str) -> Result<(), WebError> {
    let presented = presented.unwrap_or_default();
    if !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

impl FromRequest for Session {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let secret = req.cookie(COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // Negotiated only for a user whose setting is none of the pages' languages.
        let accept = Lang::accepted(req).map(str::to_owned);
        Box::pin(async move {
            let (Some(secret), Some(state)) = (secret, state) else {
                return Err(WebError::SignIn);
            };
            let id_hash = token::hash(&secret);
            let now = Utc::now();
            let live = state
                .db
                .run(move |conn| {
                    let live = sessions::live(conn, &id_hash, now, now - IDLE)?;
                    if let Some(live) = &live
                        && live.session.last_seen_at < now - TOUCH_EVERY
                    {
                        sessions::touch(conn, &id_hash, now)?;
                    }
                    Ok(live)
                })
                .await?
                .ok_or(WebError::SignIn)?;
            let role = live.user.role;
            let zone = live
                .user
                .time_zone
                .as_deref()
                .or(live.delegation_time_zone.as_deref())
                .and_then(|zone| zone.parse().ok())
                .unwrap_or(chrono_tz::UTC);
            let tr = Tr(Lang::chosen(live.user.language.as_deref(), accept.as_deref()));
            super::i18n::speak(tr.0);
            Ok(Session {
                caller: Principal {
                    user_id: live.user.id,
                    role,
                    delegation: live.user.delegation,
                    display_name: live.user.display_name,
                },
                csrf: live.session.csrf,
                zone,
                tr,
                id_hash,
            })
        })
    }
}

/// Whether the request reached Vigil over TLS (directly or through a proxy that says so).
fn over_tls(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<AppState>>()
        .is_some_and(|state| crate::http::auth::over_tls(req, state))
}

pub(super) fn cookie<'c>(req: &HttpRequest, name: &'c str, value: String, path: &'c str) -> Cookie<'c> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(over_tls(req))
        .finish()
}

#[derive(Template)]
#[template(path = "sign_in.html", config = "src/http/ui/askama.toml")]
struct SignInPage {
    tr: Tr,
    csrf: String,
    error: Option<String>,
    /// The browser holds a form kept from a session that ended (`super::kept`).
    kept: bool,
}

/// `GET /ui/sign-in`: the form, paired with this browser by a cookie.
pub async fn sign_in_page(req: HttpRequest) -> Result<HttpResponse, WebError> {
    sign_in_form(&req, StatusCode::OK, None)
}

/// The sign-in page in the browser's language; `error` says why the last attempt failed.
fn sign_in_form(req: &HttpRequest, status: StatusCode, error: Option<String>) -> Result<HttpResponse, WebError> {
    let kept = super::kept::holds_kept(req);
    let tr = signing_in(req);
    paired_page(req, status, |csrf| SignInPage { tr, csrf, error, kept })
}

/// The language of the pages before there is a session: the browser's.
pub(super) fn signing_in(req: &HttpRequest) -> Tr {
    Tr(Lang::for_request(req, None))
}

/// A page with a form sent before there is a session (signing in): the form's token, made
/// here, is also set as a cookie that `check_paired` compares it with.
pub(super) fn paired_page<T: Template>(
    req: &HttpRequest,
    status: StatusCode,
    template: impl FnOnce(String) -> T,
) -> Result<HttpResponse, WebError> {
    let csrf = secret()?;
    let mut response = page(status, &template(csrf.clone()))?;
    let mut pairing = cookie(req, SIGN_IN_COOKIE, csrf, "/ui/sign-in");
    pairing.set_max_age(CookieDuration::hours(1));
    response
        .add_cookie(&pairing)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(response)
}

/// A new random secret (a session's, a link's or a form's token).
fn secret() -> Result<String, WebError> {
    Ok(token::random_secret().map_err(|e| ApiError::Internal(Box::new(e)))?)
}

/// `POST /ui/sign-in`: an API token in, a session cookie out. The token is checked (and
/// failures limited) exactly as for the API; a refused one is never shown back.
pub async fn sign_in(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    check_paired(&req, &form)?;
    let presented = form.text("token").to_owned();
    let address = crate::http::auth::client_address_of(&req, &state);
    let (caller, token_id) = match check_token(&state, presented, &address).await {
        Ok(found) => found,
        Err(ApiError::Unauthorized) => {
            return sign_in_form(
                &req,
                StatusCode::UNAUTHORIZED,
                Some(signing_in(&req).t("sign-in-refused")),
            );
        }
        Err(ApiError::TooManyAttempts { retry_after_secs }) => {
            return sign_in_form(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                Some(signing_in(&req).count(
                    "sign-in-too-many",
                    i64::try_from(retry_after_secs.div_ceil(60)).unwrap_or(i64::MAX),
                )),
            );
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(user.id = %caller.user_id, "signed in to the web interface with an API token");
    start_session(&state, &req, caller.user_id, Some(token_id)).await
}

/// Opens a session for `user` (signed in with the API token `token_id`, or by a link) and
/// sends the browser with the session's cookie to what needs them, or back to the form it
/// holds kept from a session that ended (`super::kept`).
async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    user: UserId,
    token_id: Option<Uuid>,
) -> Result<HttpResponse, WebError> {
    let (cookie_secret, csrf) = (secret()?, secret()?);
    let now = Utc::now();
    let new = NewSession {
        id_hash: token::hash(&cookie_secret).to_vec(),
        user_id: user,
        token_id,
        csrf,
        created_at: now,
        last_seen_at: now,
        expires_at: now + LIFETIME,
    };
    state.db.run(move |conn| sessions::insert(conn, &new)).await?;
    let mut response = see_other(if super::kept::holds_kept(req) {
        super::kept::PAGE
    } else {
        "/ui/"
    });
    let mut session = cookie(req, COOKIE, cookie_secret, "/ui");
    session.set_max_age(CookieDuration::seconds(LIFETIME.num_seconds()));
    response
        .add_cookie(&session)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut spent = cookie(req, SIGN_IN_COOKIE, String::new(), "/ui/sign-in");
    spent.make_removal();
    response
        .add_cookie(&spent)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(response)
}

/// A sign-in link works this long after it is sent, once.
pub const LINK_LIFETIME: Duration = Duration::minutes(15);

#[derive(Template)]
#[template(path = "link_sent.html", config = "src/http/ui/askama.toml")]
struct LinkSentPage {
    tr: Tr,
    minutes: i64,
}

/// `POST /ui/sign-in/link`: emails a one-time sign-in link to the address, if it is an active
/// user's. The answer is the same whether it is or not, and comes before the email is sent, so
/// it tells nobody which addresses have accounts; requests are limited per client address and
/// per email address like failed sign-ins.
pub async fn send_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    check_paired(&req, &form)?;
    let email = form.text("email").to_lowercase();
    let Some(mailer) = state.mailer.clone() else {
        return sign_in_form(
            &req,
            StatusCode::SERVICE_UNAVAILABLE,
            Some(signing_in(&req).t("sign-in-links-off")),
        );
    };
    let address = crate::http::auth::client_address_of(&req, &state);
    let keys = [format!("link-address:{address}"), format!("link-email:{email}")];
    let now = std::time::Instant::now();
    if let Some(wait) = state.auth_limiter.retry_after(&keys, now) {
        return sign_in_form(
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            Some(signing_in(&req).count(
                "sign-in-links-too-many",
                i64::try_from(wait.as_secs().div_ceil(60).max(1)).unwrap_or(i64::MAX),
            )),
        );
    }
    // Every request counts: each is a guess at an address as much as a wrong token is.
    state.auth_limiter.record_failure(&keys, now);
    let db = state.db.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = email_link(&db, &mailer, &email).await {
            tracing::warn!(to = %crate::telemetry::mask_email(&email), error = %e, "no sign-in link sent");
        }
    });
    page(
        StatusCode::OK,
        &LinkSentPage {
            tr: signing_in(&req),
            minutes: LINK_LIFETIME.num_minutes(),
        },
    )
}

/// Makes a link for the active user with this `email`, if there is one, and emails it.
async fn email_link(
    db: &crate::store::Db,
    mailer: &crate::mail::Mailer,
    email: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let wanted = email.to_owned();
    let Some(user) = db.run(move |conn| users::user_by_email(conn, &wanted)).await? else {
        return Ok(());
    };
    if user.disabled_at.is_some() {
        return Ok(());
    }
    let secret = token::random_secret()?;
    let now = Utc::now();
    let link = NewLink {
        id_hash: token::hash(&secret).to_vec(),
        user_id: user.id,
        created_at: now,
        expires_at: now + LINK_LIFETIME,
    };
    db.run(move |conn| sessions::insert_link(conn, &link)).await?;
    let url = format!("{}ui/sign-in/link/{secret}", mailer.public_url);
    let words = mailer.catalog.words_for(user.language.as_deref());
    let message = mail::message::sign_in_link(&url, LINK_LIFETIME.num_minutes(), words);
    mail::deliver(&mailer.outbox, &mailer.from, &user.email, message).await?;
    tracing::info!(user.id = %user.id, "sign-in link sent");
    Ok(())
}

#[derive(Template)]
#[template(path = "link.html", config = "src/http/ui/askama.toml")]
struct LinkPage {
    tr: Tr,
    csrf: String,
    action: String,
}

/// `GET /ui/sign-in/link/{secret}`: a button that uses the link. Opening the address alone
/// uses nothing, so a mail scanner that follows links does not spend it.
pub async fn link_page(req: HttpRequest, secret: web::Path<String>) -> Result<HttpResponse, WebError> {
    let action = link_action("/ui/sign-in/link", &secret);
    let tr = signing_in(&req);
    paired_page(&req, StatusCode::OK, |csrf| LinkPage { tr, csrf, action })
}

/// Where the button of a one-time link's page posts: the link's own path, its secret encoded.
pub(super) fn link_action(base: &str, secret: &str) -> String {
    format!(
        "{base}/{}",
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
    )
}

/// `POST /ui/sign-in/link/{secret}`: uses the link, once, and opens a session.
pub async fn use_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    secret: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    check_paired(&req, &form)?;
    let id_hash = token::hash(&secret);
    let now = Utc::now();
    match state
        .db
        .run(move |conn| sessions::use_link(conn, &id_hash, now))
        .await?
    {
        Some(user) => {
            tracing::info!(user.id = %user, "signed in to the web interface with a link");
            start_session(&state, &req, user, None).await
        }
        None => sign_in_form(
            &req,
            StatusCode::UNAUTHORIZED,
            Some(signing_in(&req).t("sign-in-link-spent")),
        ),
    }
}

/// `POST /ui/sign-out`: the session ends on the server, and its cookie in the browser; a form
/// its person had kept is dropped.
pub async fn sign_out(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    session.check(&Submitted::parse(&body))?;
    let (id_hash, user) = (session.id_hash, session.caller.user_id);
    state
        .db
        .run(move |conn| {
            sessions::end(conn, &id_hash)?;
            crate::store::drafts::discard(conn, user)
        })
        .await?;
    let mut response = see_other("/ui/sign-in");
    let mut gone = cookie(&req, COOKIE, String::new(), "/ui");
    gone.make_removal();
    for spent in [gone, super::kept::removal(&req)] {
        response
            .add_cookie(&spent)
            .map_err(|e| ApiError::Internal(Box::new(e)))?;
    }
    Ok(response)
}
