//! `/healthz` (the process runs) and `/readyz` (the database answers, migrations are applied).

use actix_web::{HttpResponse, web};

use super::AppState;
use super::error::ApiError;
use crate::store::Readiness;

/// What a probe answers when all is well.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` (the process runs) or `ready` (and may serve).
    #[schema(example = "ok")]
    status: &'static str,
}

/// The process runs.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz", security(),
    responses((status = 200, description = "The process runs", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz", security(),
    responses((status = 200, description = "Ready to serve", body = Health)))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.readiness().await {
        Readiness::Ready => Ok(HttpResponse::Ok().json(Health { status: "ready" })),
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
