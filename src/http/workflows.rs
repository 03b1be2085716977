//! `/api/v1/workflows`: the loaded definitions, their recorded versions, and their drawings.
//! Definitions describe procedures, not people: nothing here is confidential.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use crate::store;
use crate::workflow::{Definition, graph};

/// A loaded workflow, in brief.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WorkflowSummary)]
struct Summary<'a> {
    name: &'a str,
    title: &'a str,
    description: &'a str,
    /// The hash of its definition: what procedures record they run on.
    version: &'a str,
    /// How many states it has.
    states: usize,
    /// How many actions it has.
    actions: usize,
}

/// The loaded workflows.
#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", operation_id = "list_workflows", security(),
    responses((status = 200, description = "Every loaded workflow", body = Vec<Summary>)))]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    let summaries: Vec<Summary<'_>> = state
        .workflows
        .iter()
        .map(|w| Summary {
            name: w.name(),
            title: &w.definition.title,
            description: &w.definition.description,
            version: &w.version,
            states: w.definition.states.len(),
            actions: w.definition.actions.len(),
        })
        .collect();
    HttpResponse::Ok().json(summaries)
}

/// A version of a workflow that procedures have run on.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WorkflowVersion)]
struct VersionInfo {
    version: String,
    recorded_at: chrono::DateTime<chrono::Utc>,
    running_procedures: i64,
    procedures: i64,
    current: bool,
}

/// A workflow's definition (as its file in `workflows/` declares it) and its recorded versions.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WorkflowDetail)]
struct Detail<'a> {
    name: &'a str,
    version: &'a str,
    /// The states, actions, fields, reminders and timers, as the workflow file declares them.
    #[schema(value_type = Object)]
    definition: &'a Definition,
    versions: Vec<VersionInfo>,
}

/// One workflow's definition and recorded versions.
#[utoipa::path(get, path = "/api/v1/workflows/{name}", tag = "workflows", operation_id = "get_workflow", security(),
    params(("name" = crate::cases::WorkflowName, Path, description = "The workflow's name")),
    responses((status = 200, description = "The workflow", body = Detail),
        (status = 404, description = "No loaded workflow has this name")))]
pub async fn get(state: web::Data<AppState>, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let workflow = state.workflows.get(&name).ok_or(ApiError::NotFound)?.clone();
    let recorded = state.db.run(store::workflows::list).await?;
    let versions = recorded
        .into_iter()
        .filter(|row| row.name == workflow.name())
        .map(|row| VersionInfo {
            current: row.version == workflow.version,
            version: row.version,
            recorded_at: row.recorded_at,
            running_procedures: row.running,
            procedures: row.total,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Detail {
        name: workflow.name(),
        version: &workflow.version,
        definition: &workflow.definition,
        versions,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// `dot` (the default) or `mermaid`.
    #[serde(default)]
    #[param(value_type = Option<GraphFormat>)]
    format: Option<String>,
    /// A state of the workflow to mark as current.
    #[serde(default)]
    #[param(value_type = Option<crate::cases::StateName>)]
    state: Option<String>,
}

/// How a workflow is drawn.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // described, never built: the query keeps the text it checks
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// The state machine as DOT or Mermaid.
#[utoipa::path(get, path = "/api/v1/workflows/{name}/graph", tag = "workflows", operation_id = "workflow_graph", security(),
    params(("name" = crate::cases::WorkflowName, Path, description = "The workflow's name"), GraphQuery),
    responses((status = 200, description = "The drawing", content(
            (String = "text/vnd.graphviz"), (String = "text/plain"))),
        (status = 404, description = "No loaded workflow has this name, or it has no such state"),
        (status = 422, description = "The format is neither dot nor mermaid")))]
pub async fn graph(
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<GraphQuery>,
) -> Result<HttpResponse, ApiError> {
    let workflow = state.workflows.get(&name).ok_or(ApiError::NotFound)?;
    let (format, content_type) = match query.format.as_deref() {
        None | Some("dot") => (graph::Format::Dot, "text/vnd.graphviz; charset=utf-8"),
        Some("mermaid") => (graph::Format::Mermaid, "text/plain; charset=utf-8"),
        Some(_) => return Err(ApiError::Invalid("format must be dot or mermaid".into())),
    };
    // A drawing with a state the workflow does not have marked is not there to be had.
    if let Some(current) = &query.state
        && !workflow.definition.states.contains_key(current)
    {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .body(graph::render(workflow, format, query.state.as_deref())))
}
