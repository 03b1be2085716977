//! `/healthz` (the process runs) and `/readyz` (the database answers, migrations are applied).

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use crate::store::Readiness;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.readiness().await {
        Readiness::Ready => Ok(HttpResponse::Ok().json(json!({ "status": "ready" }))),
        Readiness::DatabaseUnavailable(cause) => {
            tracing::warn!(error = %cause, "not ready: the database does not answer");
            Err(ApiError::Unavailable("the database does not answer".into()))
        }
        Readiness::MigrationsPending(versions) => Err(ApiError::Unavailable(format!(
            "{} database migration(s) pending: {}; run `vigil migrate`",
            versions.len(),
            versions.join(", ")
        ))),
    }
}
