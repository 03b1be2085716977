//! `/api/v1/workflows`: the loaded definitions, their recorded versions, and their drawings.
//! Definitions describe procedures, not people: nothing here is confidential.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use crate::store;
use crate::workflow::{Definition, graph};

#[derive(Serialize)]
struct Summary<'a> {
    name: &'a str,
    title: &'a str,
    description: &'a str,
    version: &'a str,
    states: usize,
    actions: usize,
}

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

#[derive(Serialize)]
struct VersionInfo {
    version: String,
    recorded_at: chrono::DateTime<chrono::Utc>,
    running_procedures: i64,
    procedures: i64,
    current: bool,
}

#[derive(Serialize)]
struct Detail<'a> {
    name: &'a str,
    version: &'a str,
    definition: &'a Definition,
    versions: Vec<VersionInfo>,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphQuery {
    #[serde(default)]
    format: Option<String>,
    /// A state to mark as current.
    #[serde(default)]
    state: Option<String>,
}

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
    if let Some(current) = &query.state
        && !workflow.definition.states.contains_key(current)
    {
        return Err(ApiError::Invalid(format!(
            "state is none of workflow `{}`'s states (see GET /api/v1/workflows/{})",
            workflow.name(),
            workflow.name()
        )));
    }
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .body(graph::render(workflow, format, query.state.as_deref())))
}
