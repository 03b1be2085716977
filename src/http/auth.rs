//! Bearer-token authentication: the `Caller` extractor. Every failure is the same 401, so a
//! client learns nothing about which part of its token was wrong.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
use crate::crypto::token;
use crate::store::users;

/// The authenticated user of a request.
pub use crate::domain::Principal as Caller;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let address = state
            .as_ref()
            .map(|state| client_address_of(req, state))
            .unwrap_or_default();
        Box::pin(async move {
            let Some(state) = state else {
                return Err(ApiError::Unauthorized);
            };
            // No token at all is no guess: refused, but not counted.
            let Some(presented) = header else {
                return Err(ApiError::Unauthorized);
            };
            check_token(&state, presented, &address).await.map(|(caller, _)| caller)
        })
    }
}

/// The token of an `Authorization: Bearer` header.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            // The scheme is case-insensitive (RFC 9110); the token is not.
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(|token| token.trim().to_owned())
}

/// The client address a request is counted against ([`super::limiter::client_address`]).
pub fn client_address_of(req: &HttpRequest, state: &AppState) -> String {
    client_ip_of(req, state).map(|ip| ip.to_string()).unwrap_or_default()
}

/// The client's IP address: the connection's, or what a trusted proxy says it is.
pub fn client_ip_of(req: &HttpRequest, state: &AppState) -> Option<std::net::IpAddr> {
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    super::limiter::client_address(req.peer_addr().map(|a| a.ip()), forwarded_for, &state.trusted_proxies)
}

/// Whether the browser reached Vigil over TLS, which Vigil itself never terminates: when
/// `VIGIL_PUBLIC_URL` is `https://`, or when a trusted proxy (`VIGIL_TRUSTED_PROXIES`) says so
/// in `X-Forwarded-Proto`. Anyone else's `X-Forwarded-Proto` (or `Forwarded`) is ignored.
pub fn over_tls(req: &HttpRequest, state: &AppState) -> bool {
    let declared = state
        .mailer
        .as_ref()
        .is_some_and(|mailer| mailer.public_url.starts_with("https://"));
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.trusted_proxies.contains(&peer.ip()));
    let forwarded_https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        // A chain of proxies lists one protocol each; the first is the browser's.
        .and_then(|value| value.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    declared || (from_proxy && forwarded_https)
}

/// The caller `presented` stands for, and the token's id; refused (and counted against the
/// client's `address` and the token's prefix) when it is not valid, live and its user active.
/// Too many failures from one address refuse it for a while, whatever it presents; too many
/// wrong secrets for one prefix refuse further wrong ones, never the token itself.
pub async fn check_token(state: &AppState, presented: String, address: &str) -> Result<(Caller, Uuid), ApiError> {
    let prefix = token::prefix_of(&presented).map(str::to_owned);
    let address_key = format!("address:{address}");
    let too_many = |wait: std::time::Duration| ApiError::TooManyAttempts {
        retry_after_secs: wait.as_secs().max(1),
    };
    if let Some(wait) = state
        .auth_limiter
        .retry_after(std::slice::from_ref(&address_key), Instant::now())
    {
        return Err(too_many(wait));
    }
    let prefix_key = prefix.as_ref().map(|p| format!("prefix:{p}"));
    let caller = authenticate(state, presented, prefix).await?;
    match caller {
        Some(caller) => Ok(caller),
        None => {
            let keys: Vec<String> = std::iter::once(address_key).chain(prefix_key.clone()).collect();
            let guessed_too_often = prefix_key.and_then(|key| state.auth_limiter.retry_after(&[key], Instant::now()));
            state.auth_limiter.record_failure(&keys, Instant::now());
            Err(guessed_too_often.map_or(ApiError::Unauthorized, too_many))
        }
    }
}

/// The caller a token stands for, if it is valid, live and its user active.
async fn authenticate(
    state: &AppState,
    presented: String,
    prefix: Option<String>,
) -> Result<Option<(Caller, Uuid)>, ApiError> {
    let Some(prefix) = prefix else {
        return Ok(None);
    };
    let Some((stored, user)) = state.db.run(move |conn| users::token_by_prefix(conn, &prefix)).await? else {
        return Ok(None);
    };
    let valid = token::matches(&presented, &stored.hash)
        && stored.revoked_at.is_none()
        && stored.expires_at > Utc::now()
        && user.disabled_at.is_none();
    let role = Some(user.role);
    Ok(role.filter(|_| valid).map(|role| {
        let caller = Caller {
            user_id: user.id,
            role,
            delegation: user.delegation,
            display_name: user.display_name,
        };
        (caller, stored.id)
    }))
}

/// Who a token belongs to.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    id: crate::domain::UserId,
    role: crate::domain::Role,
    /// The delegation of a focal point or head of delegation.
    delegation: Option<crate::domain::DelegationCode>,
    /// The name colleagues see.
    display_name: String,
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", operation_id = "me",
    responses((status = 200, description = "The caller", body = Me)))]
pub async fn me(caller: Caller) -> web::Json<Me> {
    web::Json(Me {
        id: caller.user_id,
        role: caller.role,
        delegation: caller.delegation,
        display_name: caller.display_name,
    })
}
