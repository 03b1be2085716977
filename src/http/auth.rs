//! Bearer-token authentication: the `Caller` extractor. Every failure is the same 401, so a
//! client learns nothing about which part of its token was wrong.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;

use super::AppState;
use super::error::ApiError;
use crate::crypto::token;
use crate::domain::Role;
use crate::store::users;

/// The authenticated user of a request.
pub use crate::domain::Principal as Caller;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| token.trim().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(presented), Some(state)) = (header, state) else {
                return Err(ApiError::Unauthorized);
            };
            let Some(prefix) = token::prefix_of(&presented).map(str::to_owned) else {
                return Err(ApiError::Unauthorized);
            };
            let found = state.db.run(move |conn| users::token_by_prefix(conn, &prefix)).await?;
            let Some((stored, user)) = found else {
                return Err(ApiError::Unauthorized);
            };
            let valid = token::matches(&presented, &stored.hash)
                && stored.revoked_at.is_none()
                && stored.expires_at > Utc::now()
                && user.disabled_at.is_none();
            let role = Role::parse(&user.role).ok_or(ApiError::Unauthorized)?;
            if !valid {
                return Err(ApiError::Unauthorized);
            }
            Ok(Caller {
                user_id: user.id,
                role,
                delegation: user.delegation,
                display_name: user.display_name,
            })
        })
    }
}

/// `GET /api/v1/me`: who the token belongs to.
pub async fn me(caller: Caller) -> web::Json<serde_json::Value> {
    web::Json(serde_json::json!({
        "id": caller.user_id,
        "role": caller.role,
        "delegation": caller.delegation,
        "display_name": caller.display_name,
    }))
}
