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
use super::{WebError, page, see_other};
use crate::crypto::token;
use crate::domain::{Principal, Role};
use crate::http::AppState;
use crate::http::auth::check_token;
use crate::http::error::ApiError;
use crate::store::sessions::{self, NewSession};

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
    id_hash: [u8; 32],
}

impl Session {
    /// Refuses a form that does not carry this session's CSRF token.
    pub fn check(&self, form: &Submitted) -> Result<(), WebError> {
        same_secret(form.get("csrf"), &self.csrf)
    }
}

fn same_secret(presented: Option<&str>, expected: &str) -> Result<(), WebError> {
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
            let role = Role::parse(&live.user.role).ok_or(WebError::SignIn)?;
            let zone = live
                .user
                .time_zone
                .as_deref()
                .or(live.delegation_time_zone.as_deref())
                .and_then(|zone| zone.parse().ok())
                .unwrap_or(chrono_tz::UTC);
            Ok(Session {
                caller: Principal {
                    user_id: live.user.id,
                    role,
                    delegation: live.user.delegation,
                    display_name: live.user.display_name,
                },
                csrf: live.session.csrf,
                zone,
                id_hash,
            })
        })
    }
}

/// Whether the request reached Vigil over TLS (directly or through a proxy that says so).
fn over_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

fn cookie<'c>(req: &HttpRequest, name: &'c str, value: String, path: &'c str) -> Cookie<'c> {
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
    csrf: String,
    error: Option<String>,
}

/// `GET /ui/sign-in`: the form, paired with this browser by a cookie.
pub async fn sign_in_page(req: HttpRequest) -> Result<HttpResponse, WebError> {
    sign_in_form(&req, StatusCode::OK, None)
}

fn sign_in_form(req: &HttpRequest, status: StatusCode, error: Option<String>) -> Result<HttpResponse, WebError> {
    let csrf = token::random_secret().map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut response = page(
        status,
        &SignInPage {
            csrf: csrf.clone(),
            error,
        },
    )?;
    let mut pairing = cookie(req, SIGN_IN_COOKIE, csrf, "/ui/sign-in");
    pairing.set_max_age(CookieDuration::hours(1));
    response
        .add_cookie(&pairing)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(response)
}

/// `POST /ui/sign-in`: an API token in, a session cookie out. The token is checked (and
/// failures limited) exactly as for the API; a refused one is never shown back.
pub async fn sign_in(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    let paired = req
        .cookie(SIGN_IN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    same_secret(form.get("csrf"), &paired)?;
    let presented = form.text("token").to_owned();
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let (caller, token_id) = match check_token(&state, presented, &address).await {
        Ok(found) => found,
        Err(ApiError::Unauthorized) => {
            return sign_in_form(
                &req,
                StatusCode::UNAUTHORIZED,
                Some("That token is not valid, has expired or was revoked.".into()),
            );
        }
        Err(ApiError::TooManyAttempts { retry_after_secs }) => {
            return sign_in_form(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                Some(format!(
                    "Too many failed attempts from here. Try again in {} minutes.",
                    retry_after_secs.div_ceil(60)
                )),
            );
        }
        Err(other) => return Err(other.into()),
    };
    let secret = token::random_secret().map_err(|e| ApiError::Internal(Box::new(e)))?;
    let csrf = token::random_secret().map_err(|e| ApiError::Internal(Box::new(e)))?;
    let now = Utc::now();
    let new = NewSession {
        id_hash: token::hash(&secret).to_vec(),
        user_id: caller.user_id,
        token_id: Some(token_id),
        csrf,
        created_at: now,
        last_seen_at: now,
        expires_at: now + LIFETIME,
    };
    state
        .db
        .run(move |conn| sessions::insert(conn, &new, now - IDLE))
        .await?;
    tracing::info!(user.id = %caller.user_id, "signed in to the web interface");
    let mut response = see_other("/ui/cases");
    let mut session = cookie(&req, COOKIE, secret, "/ui");
    session.set_max_age(CookieDuration::seconds(LIFETIME.num_seconds()));
    response
        .add_cookie(&session)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut spent = cookie(&req, SIGN_IN_COOKIE, String::new(), "/ui/sign-in");
    spent.make_removal();
    response
        .add_cookie(&spent)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(response)
}

/// `POST /ui/sign-out`: the session ends on the server, and its cookie in the browser.
pub async fn sign_out(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    session.check(&Submitted::parse(&body))?;
    let id_hash = session.id_hash;
    state.db.run(move |conn| sessions::end(conn, &id_hash)).await?;
    let mut response = see_other("/ui/sign-in");
    let mut gone = cookie(&req, COOKIE, String::new(), "/ui");
    gone.make_removal();
    response
        .add_cookie(&gone)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(response)
}
