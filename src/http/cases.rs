//! `/api/v1/cases` and `/api/v1/procedures`: opening, listing and reading cases, starting
//! procedures and taking transitions. Every POST honours an `Idempotency-Key` header.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, LOCATION};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::request_log::RequestId;
use crate::cases::{
    self, CaseError, CasePatch, Context, EraseRequest, Idempotency, ListQuery, OpenCaseRequest, StartProcedureRequest,
    TransitionRequest,
};
use crate::store::{Conn, idempotency};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    // An id that is no UUID names nothing: the same 404 as an unknown one.
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// Runs a case operation on the blocking pool, in the request's context.
pub(super) async fn run<T: Send + 'static>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    idempotency: Option<Idempotency>,
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
                idempotency: idempotency.as_ref(),
                completes: None,
            };
            Ok(operation(conn, &ctx))
        })
        .await?
}

/// The `Idempotency-Key` of a request, with a hash of what it asks.
fn idempotency_of(
    req: &HttpRequest,
    body: &impl Serialize,
    status: StatusCode,
) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=200).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| ApiError::BadRequest("Idempotency-Key must be 1 to 200 visible ASCII characters".into()))?;
    let canonical = serde_json::to_vec(body).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update([0]);
    hasher.update(req.path().as_bytes());
    hasher.update([0]);
    hasher.update(&canonical);
    Ok(Some(Idempotency {
        key: key.to_owned(),
        request_hash: hasher.finalize().into(),
        status: status.as_u16(),
    }))
}

/// The stored answer to an earlier request with the same key, if there is one.
async fn replay(
    state: &AppState,
    caller: &Caller,
    idempotency: &Idempotency,
) -> Result<Option<HttpResponse>, ApiError> {
    let (user, key) = (caller.user_id, idempotency.key.clone());
    let Some(stored) = state.db.run(move |conn| idempotency::find(conn, user, &key)).await? else {
        return Ok(None);
    };
    if stored.request_hash != idempotency.request_hash {
        return Err(ApiError::Invalid(
            "this Idempotency-Key was used for another request".into(),
        ));
    }
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response.insert_header((REPLAYED, "true"));
    if let Some(location) = stored.location {
        response.insert_header((LOCATION, location));
    }
    Ok(Some(response.json(stored.response)))
}

/// Runs a change once per `Idempotency-Key`: a retry answers what the first request answered.
async fn run_change<T: Serialize + Send + 'static>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    body: &impl Serialize,
    status: StatusCode,
    location: impl FnOnce(&T) -> Option<String>,
    operation: impl FnOnce(&mut Conn, &Context<'_>) -> Result<T, CaseError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let idempotency = idempotency_of(req, body, status)?;
    if let Some(idempotency) = &idempotency
        && let Some(response) = replay(state, &caller, idempotency).await?
    {
        return Ok(response);
    }
    match run(state, caller.clone(), req, idempotency.clone(), operation).await {
        Ok(done) => {
            let mut response = HttpResponse::build(status);
            if let Some(location) = location(&done) {
                response.insert_header((LOCATION, location));
            }
            Ok(response.json(done))
        }
        // A twin with the same key committed first: answer as it did.
        Err(CaseError::Replayed) => match &idempotency {
            Some(idempotency) => replay(state, &caller, idempotency).await?.ok_or(ApiError::NotFound),
            None => Err(ApiError::NotFound),
        },
        Err(e) => Err(e.into()),
    }
}

pub async fn create_case(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OpenCaseRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let hashed = serde_json::to_value(&request).map_err(|e| ApiError::Internal(Box::new(e)))?;
    run_change(
        &state,
        caller,
        &req,
        &hashed,
        StatusCode::CREATED,
        |opened: &cases::Opened| {
            tracing::info!(case.id = %opened.id, case.reference = %opened.reference, "case opened");
            Some(format!("/api/v1/cases/{}", opened.id))
        },
        move |conn, ctx| cases::open_case(conn, ctx, request),
    )
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
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
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
    let hashed = serde_json::to_value(&request).map_err(|e| ApiError::Internal(Box::new(e)))?;
    run_change(
        &state,
        caller,
        &req,
        &hashed,
        StatusCode::CREATED,
        |_: &cases::StartedProcedure| None,
        move |conn, ctx| cases::start_procedure(conn, ctx, id, request),
    )
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
    let hashed = serde_json::to_value(&request).map_err(|e| ApiError::Internal(Box::new(e)))?;
    run_change(
        &state,
        caller,
        &req,
        &hashed,
        StatusCode::OK,
        |done: &cases::Transitioned| {
            tracing::info!(procedure.id = %done.procedure_id, from = %done.from, to = %done.state, "transition");
            None
        },
        move |conn, ctx| cases::transition(conn, ctx, id, request),
    )
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
    let hashed = serde_json::json!({ "if_match": expected, "patch": patch });
    run_change(
        &state,
        caller,
        &req,
        &hashed,
        StatusCode::OK,
        |_: &cases::Patched| None,
        move |conn, ctx| cases::patch_case(conn, ctx, id, expected, patch),
    )
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
    let hashed = serde_json::to_value(&request).map_err(|e| ApiError::Internal(Box::new(e)))?;
    run_change(
        &state,
        caller,
        &req,
        &hashed,
        StatusCode::CREATED,
        |_: &cases::ErasureRequested| None,
        move |conn, ctx| cases::request_erasure(conn, ctx, id, request),
    )
    .await
}

/// `POST /erasure-requests/{id}/approve`: another admin approves, and the case is shredded.
pub async fn approve_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    run_change(
        &state,
        caller,
        &req,
        &serde_json::json!({}),
        StatusCode::OK,
        |erased: &cases::Erased| {
            tracing::warn!(case.id = %erased.case_id, "case erased: its key is destroyed");
            None
        },
        move |conn, ctx| cases::approve_erasure(conn, ctx, id),
    )
    .await
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

/// `GET /metrics`: Prometheus's text format, for admins.
pub async fn metrics(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let gauges = run(&state, caller, &req, None, crate::metrics::gauges).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&crate::metrics::COUNTERS, &gauges)))
}
