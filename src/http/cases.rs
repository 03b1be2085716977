//! `/api/v1/cases` and `/api/v1/procedures`: opening and reading cases, taking transitions.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::Utc;
use uuid::Uuid;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::request_log::RequestId;
use crate::cases::{self, CaseError, Context, ListQuery, OpenCaseRequest, StartProcedureRequest, TransitionRequest};
use crate::store::Conn;

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    // An id that is no UUID names nothing: the same 404 as an unknown one.
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// Runs a case operation on the blocking pool, in the request's context.
async fn run<T: Send + 'static>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    operation: impl FnOnce(&mut Conn, &Context<'_>) -> Result<T, CaseError> + Send + 'static,
) -> Result<T, ApiError> {
    let (workflows, keys) = (state.workflows.clone(), state.keys.clone());
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    let outcome = state
        .db
        .run(move |conn| {
            let ctx = Context {
                registry: &workflows,
                keys: &keys,
                caller: &caller,
                now: Utc::now(),
                request_id: request_id.as_deref(),
            };
            Ok(operation(conn, &ctx))
        })
        .await?;
    Ok(outcome?)
}

pub async fn create_case(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OpenCaseRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let opened = run(&state, caller, &req, move |conn, ctx| {
        cases::open_case(conn, ctx, request)
    })
    .await?;
    tracing::info!(case.id = %opened.id, case.reference = %opened.reference, "case opened");
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/cases/{}", opened.id),
        ))
        .json(opened))
}

pub async fn get_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let view = run(&state, caller, &req, move |conn, ctx| cases::read_case(conn, ctx, id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(view))
}

pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<TransitionRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let request = body.into_inner();
    let done = run(&state, caller, &req, move |conn, ctx| {
        cases::transition(conn, ctx, id, request)
    })
    .await?;
    tracing::info!(procedure.id = %done.procedure_id, from = %done.from, to = %done.state, "transition");
    Ok(HttpResponse::Ok().json(done))
}

pub async fn list_cases(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = run(&state, caller, &req, move |conn, ctx| {
        cases::list_cases(conn, ctx, query)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

pub async fn start_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StartProcedureRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let request = body.into_inner();
    let started = run(&state, caller, &req, move |conn, ctx| {
        cases::start_procedure(conn, ctx, id, request)
    })
    .await?;
    tracing::info!(case.id = %id, procedure.id = %started.id, workflow = %started.workflow, "procedure started");
    Ok(HttpResponse::Created().json(started))
}
