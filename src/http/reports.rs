//! `GET /api/v1/reports/{name}`: a report's table, as JSON or CSV.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::auth::Caller;
use super::cases::run;
use super::error::ApiError;
use crate::reports;

/// The query parameters of a report (each filter takes one value).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // described, never built: the handler reads the query as a map, to name what is not allowed
pub struct ReportQuery {
    /// The first month, `YYYY-MM` (UTC); January of this year by default.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$", example = "2026-01")]
    from: Option<String>,
    /// The last month, included; December of `from`'s year by default; at most 60 months on.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$", example = "2026-12")]
    to: Option<String>,
    /// Up to two dimensions, comma-separated: delegation, country, region, theme, risk, month,
    /// year, and for the procedures report workflow and outcome.
    #[param(example = "country,theme")]
    by: Option<String>,
    /// `csv` for CSV (RFC 4180) rather than JSON.
    format: Option<ReportFormat>,
    delegation: Option<String>,
    country: Option<String>,
    region: Option<String>,
    theme: Option<String>,
    risk: Option<String>,
    /// The procedures report only.
    workflow: Option<String>,
}

/// What a report is written as, besides JSON.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // described, never built: the handler reads the query as a map
pub enum ReportFormat {
    Csv,
}

/// A report's figures: counts of cases, suppressed where they would tell fewer than
/// `min_count` cases apart (directly, from the totals beside them, or from a report whose
/// filters differ by one value). Recorded: who ran it and with what, never its figures.
#[utoipa::path(get, path = "/api/v1/reports/{name}", tag = "reports", operation_id = "report",
    params(("name" = crate::domain::ReportName, Path, description = "The report"), ReportQuery),
    responses((status = 200, description = "The report's table (JSON, or CSV with format=csv)",
            content((reports::Report = "application/json"), (String = "text/csv"))),
        (status = 403, description = "For heads of delegation (their delegation), the EUSR office and headquarters' analysts"),
        (status = 404, description = "No such report"),
        (status = 422, description = "A parameter, dimension or value that is not allowed, or a period that is")))]
pub async fn report(
    state: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
    query: web::Query<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (name, parameters) = (name.into_inner(), query.into_inner());
    let format = parameters.get("format").cloned();
    if format.as_deref().is_some_and(|format| format != "csv") {
        return Err(crate::cases::CaseError::invalid("format", crate::cases::Problem::Format).into());
    }
    let settings = state.reports.clone();
    let report = run(&state, caller, &req, None, move |conn, ctx| {
        reports::run(conn, ctx, &settings, &name, &parameters)
    })
    .await?;
    Ok(match format {
        Some(_) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8; header=present")
            .insert_header(("Cache-Control", "no-store"))
            .body(reports::to_csv(&report).map_err(crate::cases::CaseError::Write)?),
        None => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(report),
    })
}
