//! `/api/v1/cases` and `/api/v1/procedures`: opening, listing and reading cases, starting
//! procedures and taking transitions. Every POST honours an `Idempotency-Key` header.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Serialize;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::idempotency::{Answer, Idempotent};
use super::request_log::RequestId;
use crate::cases::{
    self, CaseError, CasePatch, Context, EraseRequest, ListQuery, OpenCaseRequest, StartProcedureRequest,
    TransitionRequest,
};
use crate::store::Conn;

/// A case opened: `201 Created`, at the case's own address.
const OPENED: Answer = Answer::created(|opened| opened["id"].as_str().map(|id| format!("/api/v1/cases/{id}")));

/// Something made on what the path names (a procedure, an erasure request): `201 Created`.
const STARTED: Answer = Answer::created(|_| None);

pub(super) fn parse_id<Id: std::str::FromStr>(raw: &str) -> Result<Id, ApiError> {
    // An id that is no UUID names nothing: the same 404 as an unknown one.
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// Runs a case operation on the blocking pool, in the request's context.
pub(super) async fn run<T: Send + 'static>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    idempotency: Option<Idempotent>,
    operation: impl FnOnce(&mut Conn, &Context<'_>) -> Result<T, CaseError> + Send + 'static,
) -> Result<T, CaseError> {
    let (workflows, keys) = (state.workflows.clone(), state.keys.clone());
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    state
        .db
        .run(move |conn| {
            let ctx = Context {
                registry: &workflows,
                keys: &keys,
                caller: &caller,
                now: Utc::now(),
                request_id: request_id.as_deref(),
                idempotency: idempotency.as_ref().map(|i| i as &dyn cases::Recorder),
                completes: None,
            };
            Ok(operation(conn, &ctx))
        })
        .await?
}

/// Runs a change once per `Idempotency-Key`: a retry answers what the first request answered,
/// also when it raced the first and lost (the change it found done is refused as stale, or its
/// record of the answer collides with the first's). `idempotent` is the request's key with the
/// hash of what it asks ([`Idempotent::of`], before the operation takes the request).
async fn run_change<T: Serialize + Send + 'static>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    idempotent: Option<Idempotent>,
    answer: Answer,
    operation: impl FnOnce(&mut Conn, &Context<'_>) -> Result<T, CaseError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    run_change_keeping(state, caller, req, idempotent, answer, operation)
        .await
        .map(|(response, _)| response)
}

/// As [`run_change`], also handing back what the change returned when it ran now (None when
/// the answer is a replay of an earlier one), for what follows its commit (a notice to send).
pub(super) async fn run_change_keeping<T: Serialize + Send + 'static>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    idempotent: Option<Idempotent>,
    answer: Answer,
    operation: impl FnOnce(&mut Conn, &Context<'_>) -> Result<T, CaseError> + Send + 'static,
) -> Result<(HttpResponse, Option<T>), ApiError> {
    if let Some(idempotent) = &idempotent
        && let Some(response) = idempotent.replay(state).await?
    {
        return Ok((response, None));
    }
    match run(state, caller, req, idempotent.clone(), operation).await {
        Ok(done) => {
            let json = serde_json::to_value(&done).map_err(|e| ApiError::Internal(Box::new(e)))?;
            Ok((answer.respond(&json), Some(done)))
        }
        // Whatever stopped a retry (it found the change done: a stale version, a request
        // decided, a twin waiting; or its record collided with the first's), the first
        // request's answer is its answer once that one committed.
        Err(e) => match &idempotent {
            Some(idempotent) => match idempotent.replay(state).await? {
                Some(response) => Ok((response, None)),
                None => Err(e.into()),
            },
            None => Err(e.into()),
        },
    }
}

pub async fn create_case(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OpenCaseRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &request, OPENED)?;
    run_change(&state, caller, &req, idempotent, OPENED, move |conn, ctx| {
        let opened = cases::open_case(conn, ctx, request)?;
        tracing::info!(case.id = %opened.id, case.reference = %opened.reference, "case opened");
        Ok(opened)
    })
    .await
}

pub async fn list_cases(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = run(&state, caller, &req, None, move |conn, ctx| {
        cases::list_cases(conn, ctx, query)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

pub async fn get_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let view = run(&state, caller, &req, None, move |conn, ctx| {
        cases::read_case(conn, ctx, id)
    })
    .await?;
    // The version an edit's If-Match names: what a client keeps to change the case later.
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::ETAG, format!("\"{}\"", view.version)))
        .json(view))
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
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &request, STARTED)?;
    run_change(&state, caller, &req, idempotent, STARTED, move |conn, ctx| {
        cases::start_procedure(conn, ctx, id, request)
    })
    .await
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
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &request, Answer::OK)?;
    run_change(&state, caller, &req, idempotent, Answer::OK, move |conn, ctx| {
        let done = cases::transition(conn, ctx, id, request)?;
        tracing::info!(procedure.id = %done.procedure_id, from = %done.from, to = %done.state, "transition");
        Ok(done)
    })
    .await
}

pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let events = run(&state, caller, &req, None, move |conn, ctx| {
        cases::timeline(conn, ctx, id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(events))
}

/// `PATCH /cases/{id}` with `If-Match: <version>` (quoted or not).
pub async fn patch_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<CasePatch>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let expected = req
        .headers()
        .get(actix_web::http::header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?
        .to_str()
        .ok()
        .and_then(|v| v.trim().trim_start_matches("W/").trim_matches('"').parse::<i64>().ok())
        .ok_or_else(|| ApiError::BadRequest("If-Match must be the case version you read, e.g. \"3\"".into()))?;
    let patch = body.into_inner();
    /// What a retry must repeat: the version it read, and the patch.
    #[derive(Serialize)]
    struct Asked<'a> {
        if_match: i64,
        patch: &'a CasePatch,
    }
    let asked = Asked {
        if_match: expected,
        patch: &patch,
    };
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &asked, Answer::OK)?;
    run_change(&state, caller, &req, idempotent, Answer::OK, move |conn, ctx| {
        cases::patch_case(conn, ctx, id, expected, patch)
    })
    .await
}

#[derive(Debug, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub recipient: String,
}

/// `POST /cases/{id}/export`: an age-encrypted bundle for `recipient`.
pub async fn export_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ExportRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let recipient = body.into_inner().recipient;
    let (reference, sealed) = run(&state, caller, &req, None, move |conn, ctx| {
        cases::export_case(conn, ctx, id, &recipient)
    })
    .await?;
    tracing::info!(case.id = %id, "case exported");
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{reference}.age\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(sealed))
}

/// `POST /cases/{id}/erasure`: an admin asks for the case to be erased.
pub async fn request_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<EraseRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let request = body.into_inner();
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &request, STARTED)?;
    let (response, done) = run_change_keeping(&state, caller, &req, idempotent, STARTED, move |conn, ctx| {
        cases::request_erasure(conn, ctx, id, request)
    })
    .await?;
    if let Some(done) = done {
        super::grants::tell(&state, &done.notice).await;
    }
    Ok(response)
}

/// `POST /erasure-requests/{id}/approve`: another admin approves, and the case is shredded.
pub async fn approve_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &serde_json::json!({}), Answer::OK)?;
    let (response, done) = run_change_keeping(&state, caller, &req, idempotent, Answer::OK, move |conn, ctx| {
        let erased = cases::approve_erasure(conn, ctx, id)?;
        tracing::warn!(case.id = %erased.case_id, "case erased: its key is destroyed");
        Ok(erased)
    })
    .await?;
    if let Some(done) = done {
        super::grants::tell(&state, &done.notice).await;
    }
    Ok(response)
}

/// `GET /queues/{name}`: the EUSR office's review queue.
pub async fn queue(
    state: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let items = run(&state, caller, &req, None, move |conn, ctx| {
        cases::review_queue(conn, ctx, &name)
    })
    .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// `GET /cases/{id}/access-log`: who read, exported or was refused the case, and when.
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let entries = run(&state, caller, &req, None, move |conn, ctx| {
        cases::access_log(conn, ctx, id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(entries))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemindersQuery {
    #[serde(default = "pending")]
    state: String,
}

fn pending() -> String {
    "pending".into()
}

/// `GET /reminders?state=dead`: what waits, or was given up, for admins.
pub async fn reminders(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RemindersQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let wanted = query.into_inner().state;
    let items = run(&state, caller, &req, None, move |conn, ctx| {
        crate::reminders::admin::scheduled(conn, ctx, &wanted)
    })
    .await?;
    Ok(HttpResponse::Ok().json(items))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminLogQuery {
    /// Entries before this sequence number (the previous page's last `seq`).
    before: Option<i64>,
    #[serde(default = "log_page")]
    limit: i64,
}

fn log_page() -> i64 {
    50
}

/// `GET /api/v1/admin-log`: the administrative log, newest first, for administrators (all of
/// it) and heads of delegation (their delegation's acts).
pub async fn admin_log(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AdminLogQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let AdminLogQuery { before, limit } = query.into_inner();
    let entries = run(&state, caller, &req, None, move |conn, ctx| {
        crate::cases::admin_log_page(conn, ctx, before, limit)
    })
    .await?;
    let next = (entries.len() as i64 == limit.clamp(1, crate::cases::MAX_LOG_PAGE))
        .then(|| {
            entries
                .last()
                .map(|e| format!("/api/v1/admin-log?before={}&limit={limit}", e.seq))
        })
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": entries, "next": next })))
}

/// `GET /metrics`: Prometheus's text format, for admins.
pub async fn metrics(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let gauges = run(&state, caller, &req, None, crate::metrics::gauges).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&crate::metrics::COUNTERS, &gauges)))
}
