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

/// Runs `check` and then `write` on one connection of the blocking pool: until `check` has
/// succeeded the answer is its error (problem+json); after, it is a body streamed as `write`
/// writes it, with `describe`'s part of what was checked for the response's headers. A `write`
/// that fails midway cuts the body off (logged, with `what`), so the reader sees it was.
pub(super) async fn checked_then_streamed<T: 'static, D: Send + 'static>(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    what: &'static str,
    check: impl FnOnce(&mut Conn, &Context<'_>) -> Result<T, CaseError> + Send + 'static,
    describe: impl FnOnce(&T) -> D + Send + 'static,
    write: impl FnOnce(T, &mut Conn, &Context<'_>, &mut super::stream::ChunkSender) -> Result<(), CaseError>
    + Send
    + 'static,
) -> Result<
    (
        D,
        impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + 'static,
    ),
    ApiError,
> {
    let (ready, checked) = tokio::sync::oneshot::channel::<Result<D, CaseError>>();
    let (mut sender, body) = super::stream::channel(tokio::runtime::Handle::current(), state.body_timeout);
    let (state, req) = (state.into_inner(), req.clone());
    let work = actix_web::rt::spawn(async move {
        run(&state, caller, &req, None, move |conn, ctx| {
            let checked = match check(conn, ctx) {
                Ok(checked) => checked,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return Ok(());
                }
            };
            let _ = ready.send(Ok(describe(&checked)));
            if let Err(e) = write(checked, conn, ctx, &mut sender) {
                tracing::warn!(error = %e, "{what} cut off");
                sender.fail("the answer could not be completed");
            }
            Ok(())
        })
        .await
    });
    match checked.await {
        Ok(checked) => Ok((checked?, body)),
        // The work never ran (no connection): its own error says why.
        Err(_) => Err(match work.await {
            Ok(Err(e)) => e.into(),
            _ => ApiError::Internal(format!("the {what} stopped before it began").into()),
        }),
    }
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

/// Open a case with its first procedure.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", operation_id = "open_case",
    params(super::api_doc::IdempotencyKey),
    request_body = cases::OpenCaseRequest,
    responses((status = 201, description = "Opened", body = cases::Opened,
            headers(("Location" = String, description = "The case's address"))),
        (status = 403, description = "Only a delegation's focal points and heads open its cases"),
        (status = 422, description = "A field is not valid; `errors` names each")))]
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

/// Cases in the caller's scope, newest first (or soonest due).
///
/// Metadata only, unless the delegation's own staff ask for names (`names=true`): each case is
/// then named, and each case shown is recorded in its access log (`list`) before any name is
/// opened.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", operation_id = "list_cases",
    params(cases::ListQuery),
    responses((status = 200, description = "A page of cases", body = cases::CasePage),
        (status = 403, description = "This role sees no cases, or names were asked by someone not of a delegation's staff"),
        (status = 422, description = "A filter is not valid; `errors` names each")))]
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
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(page))
}

/// Finds cases by reference or by the defender's name.
///
/// The name (or reference) is in the body, never the address. A name is matched through the
/// blind index (the same name however it is spelt in case, accents, word order, hyphens or
/// look-alike letters), within the caller's scope; each case found is recorded in its access
/// log (`search`). At most 50, newest first; nothing is decrypted unless the delegation's own
/// staff ask for names (`names`), opened once the cases found are on record.
#[utoipa::path(post, path = "/api/v1/cases/search", tag = "cases", operation_id = "search_cases",
    request_body = cases::SearchRequest,
    responses((status = 200, description = "The cases found", body = cases::CasePage),
        (status = 403, description = "This role sees no cases, or names were asked by someone not of a delegation's staff"),
        (status = 422, description = "Nothing to search for, or more than 200 characters")))]
pub async fn search_cases(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<cases::SearchRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let page = run(&state, caller, &req, None, move |conn, ctx| {
        cases::search(conn, ctx, request)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(page))
}

/// A case, opened for you.
///
/// Its confidential data, procedures, the actions you may take and upcoming reminders; the read
/// is recorded in the case's access log.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "read_case",
    params(("id" = crate::domain::CaseId, Path, description = "The case")),
    responses((status = 200, description = "The case", body = cases::CaseView,
            headers(("ETag" = String, description = "The case's version, for an edit's If-Match"))),
        (status = 404, description = "No such case in your scope"),
        (status = 410, description = "The case was erased")))]
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
    Ok(versioned(view.version).json(view))
}

/// A procedure, opened for you.
///
/// Its state, version, data and the actions you may take now, as the case's read shows it; the
/// read is recorded in the case's access log. Its ETag is the `expected_version` a transition
/// names.
#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "cases", operation_id = "read_procedure",
    params(("id" = crate::domain::ProcedureId, Path, description = "The procedure")),
    responses((status = 200, description = "The procedure", body = cases::ProcedureView,
            headers(("ETag" = String, description = "The procedure's version, a transition's `expected_version`"))),
        (status = 404, description = "No such procedure in your scope"),
        (status = 410, description = "The case was erased")))]
pub async fn get_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let view = run(&state, caller, &req, None, move |conn, ctx| {
        cases::read_procedure(conn, ctx, id)
    })
    .await?;
    Ok(versioned(view.version).json(view))
}

/// Takes an item of the EUSR review queue, for the calling reviewer.
///
/// So that the office knows who works on it: the queue shows who took it and since when. Taking
/// what you hold already changes nothing; what a colleague holds is 409. The claim is an event
/// of the case's chain (`take_review`) and lapses when the procedure changes. EUSR office only.
#[utoipa::path(put, path = "/api/v1/procedures/{id}/claim", tag = "cases", operation_id = "take_review",
    params(("id" = crate::domain::ProcedureId, Path, description = "A procedure in the EUSR review queue")),
    responses((status = 200, description = "Who holds it now: you", body = cases::Claim),
        (status = 403, description = "Only the EUSR office takes items of its queue"),
        (status = 404, description = "No such procedure in your scope"),
        (status = 409, description = "A colleague holds it, or it is not in the queue"),
        (status = 410, description = "The case was erased")))]
pub async fn take_review(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    claim_review(&state, caller, &id, &req, true).await
}

/// Gives back an item of the EUSR review queue that you hold.
///
/// Giving back what no one holds changes nothing; what a colleague holds is 409. An event of
/// the case's chain (`give_back_review`). EUSR office only.
#[utoipa::path(delete, path = "/api/v1/procedures/{id}/claim", tag = "cases", operation_id = "give_back_review",
    params(("id" = crate::domain::ProcedureId, Path, description = "A procedure in the EUSR review queue")),
    responses((status = 200, description = "Who holds it now: no one", body = cases::Claim),
        (status = 403, description = "Only the EUSR office takes items of its queue"),
        (status = 404, description = "No such procedure in your scope"),
        (status = 409, description = "A colleague holds it, or it is not in the queue"),
        (status = 410, description = "The case was erased")))]
pub async fn give_back_review(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    claim_review(&state, caller, &id, &req, false).await
}

async fn claim_review(
    state: &AppState,
    caller: Caller,
    id: &str,
    req: &HttpRequest,
    take: bool,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(id)?;
    let claim = run(state, caller, req, None, move |conn, ctx| {
        cases::claim(conn, ctx, id, take)
    })
    .await?;
    Ok(HttpResponse::Ok().json(claim))
}

/// A 200 of something read at `version`: never cached (it is opened for one caller), with the
/// version as its ETag.
fn versioned(version: i64) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::ETAG, format!("\"{version}\"")));
    response
}

/// Start another procedure on the case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/procedures", tag = "cases", operation_id = "start_procedure",
    params(("id" = crate::domain::CaseId, Path, description = "The case"), super::api_doc::IdempotencyKey),
    request_body = cases::StartProcedureRequest,
    responses((status = 201, description = "Started", body = cases::StartedProcedure),
        (status = 404, description = "No such case in your scope"),
        (status = 410, description = "The case was erased"),
        (status = 422, description = "No such workflow, or its fields are not valid")))]
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

/// Take an action on a procedure.
#[utoipa::path(post, path = "/api/v1/procedures/{id}/transitions", tag = "cases", operation_id = "take_action",
    params(("id" = crate::domain::ProcedureId, Path, description = "The procedure"), super::api_doc::IdempotencyKey),
    request_body = cases::TransitionRequest,
    responses((status = 200, description = "Taken", body = cases::Transitioned),
        (status = 404, description = "No such procedure in your scope"),
        (status = 409, description = "The procedure changed since you read it (`current_version`)"),
        (status = 410, description = "The case was erased"),
        (status = 422, description = "The action is not one you may take in the procedure's state, or its fields are not valid (`errors` names each)")))]
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

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Events after this sequence number (the previous page's last `seq`).
    #[param(minimum = 0)]
    after: Option<i64>,
    /// How many events (1 to 500; 100 by default).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The pages of the API's ordered reads: their items, and the address of the page after them
/// (absent on the last). One type each, so each is a named schema in the OpenAPI document and
/// a named class in a generated client.
macro_rules! page {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        #[derive(Serialize, utoipa::ToSchema)]
        pub struct $name {
            items: Vec<$item>,
            /// The next page's address; absent on the last page.
            next: Option<String>,
        }

        impl $name {
            /// `page`, whose next page (when there is one) `next` addresses from its last item.
            fn of(page: cases::Paged<$item>, next: impl FnOnce(&$item) -> String) -> Self {
                let next = page.items.last().filter(|_| page.more).map(next);
                Self { items: page.items, next }
            }
        }
    };
}

page!(
    /// A page of a case's timeline, oldest first.
    TimelinePage of cases::EventView
);
page!(
    /// A page of a case's access log, newest first.
    AccessLogPage of crate::store::access_log::AccessRow
);
page!(
    /// A page of the administrative log, newest first.
    AdminLogPage of crate::store::admin_log::Entry
);

/// The case's events, oldest first, a page at a time, opened for you; recorded in the access log.
#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", tag = "cases", operation_id = "case_timeline",
    params(("id" = crate::domain::CaseId, Path, description = "The case"), TimelineQuery),
    responses((status = 200, description = "A page of events", body = TimelinePage),
        (status = 404, description = "No such case in your scope"),
        (status = 410, description = "The case was erased"),
        (status = 422, description = "`limit` or `after` is out of range")))]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<TimelineQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let TimelineQuery { after, limit } = query.into_inner();
    let events = run(&state, caller, &req, None, move |conn, ctx| {
        cases::timeline(conn, ctx, id, after, limit)
    })
    .await?;
    let limit = limit.unwrap_or(cases::DEFAULT_TIMELINE_PAGE);
    let page = TimelinePage::of(events, |last| {
        format!("/api/v1/cases/{id}/timeline?after={}&limit={limit}", last.seq)
    });
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(page))
}

/// Change a case's metadata or confidential keys.
///
/// `If-Match` names the version you read (quoted or not); in `confidential`, `null` removes a key.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "edit_case",
    params(("id" = crate::domain::CaseId, Path, description = "The case"),
        ("If-Match" = String, Header, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, example = "\"1\"",
            description = "The case's version you read (its ETag); a PATCH without it is 428"),
        super::api_doc::IdempotencyKey),
    request_body = cases::CasePatch,
    responses((status = 200, description = "Changed", body = cases::Patched),
        (status = 404, description = "No such case in your scope"),
        (status = 409, description = "The case changed since the version If-Match names (`current_version`)"),
        (status = 410, description = "The case was erased"),
        (status = 422, description = "A field is not valid; `errors` names each"),
        (status = 428, description = "If-Match is missing")))]
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

#[derive(Debug, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Export)]
pub struct ExportRequest {
    /// The age public key the bundle is encrypted to.
    #[schema(
        pattern = "^age1[02-9ac-hj-np-z]{58}$",
        example = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    )]
    pub recipient: String,
}

/// The case, its data and timeline, age-encrypted to `recipient`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/export", tag = "cases", operation_id = "export_case",
    params(("id" = crate::domain::CaseId, Path, description = "The case")),
    request_body = ExportRequest,
    responses((status = 200, description = "An age file", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Content-Disposition" = String, description = "attachment, named by the case's reference"))),
        (status = 404, description = "No such case in your scope"),
        (status = 410, description = "The case was erased"),
        (status = 422, description = "The recipient is not an age public key")))]
pub async fn export_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<ExportRequest>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let recipient = body.into_inner().recipient;
    // The checks and the access log come first, then the bundle is sealed and sent as it is
    // read, on the same connection: the answer is a problem until the first, a stream after.
    let (reference, body) = checked_then_streamed(
        state,
        caller,
        &req,
        "export",
        move |conn, ctx| cases::export_case(conn, ctx, id, &recipient),
        |export| export.reference.clone(),
        |export, conn, ctx, sender| export.write_to(conn, ctx.registry, ctx.keys, sender).map(drop),
    )
    .await?;
    tracing::info!(case.id = %id, "case exported");
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{reference}.age\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Ask for the case to be erased.
///
/// For administrators; a second administrator approves.
#[utoipa::path(post, path = "/api/v1/cases/{id}/erasure", tag = "erasure", operation_id = "request_erasure",
    params(("id" = crate::domain::CaseId, Path, description = "The case"), super::api_doc::IdempotencyKey),
    request_body = EraseRequest,
    responses((status = 201, description = "Asked", body = cases::ErasureRequested),
        (status = 403, description = "For administrators"),
        (status = 404, description = "No such case"),
        (status = 410, description = "The case was erased")))]
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

/// Approve another administrator's erasure request: the case's key is destroyed.
#[utoipa::path(post, path = "/api/v1/erasure-requests/{id}/approve", tag = "erasure", operation_id = "approve_erasure",
    params(("id" = crate::domain::ErasureRequestId, Path, description = "The erasure request"), super::api_doc::IdempotencyKey),
    responses((status = 200, description = "Erased", body = cases::Erased),
        (status = 403, description = "For another administrator than the one who asked"),
        (status = 404, description = "No such request waiting")))]
pub async fn approve_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let idempotent = Idempotent::of(&state, &req, caller.user_id, &serde_json::json!({}), Answer::OK)?;
    let ledger = state.ledger.clone();
    let (response, done) = run_change_keeping(&state, caller, &req, idempotent, Answer::OK, move |conn, ctx| {
        cases::approve_erasure(conn, ctx, &ledger, id)
    })
    .await?;
    if let Some(done) = done {
        erased(&state, &done).await;
    }
    Ok(response)
}

/// After an erasure committed: its ledger line to the file, and the notices. A line that cannot
/// be written now is written by the next background pass, which reconciles the ledger.
pub(super) async fn erased(state: &AppState, done: &cases::Erased) {
    tracing::warn!(case.id = %done.case_id, "case erased: its key is destroyed");
    if let Some(line) = done.ledger_line.clone() {
        let ledger = state.ledger.clone();
        match actix_web::web::block(move || ledger.write(&line)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the erasure could not be written to the ledger file yet"),
            Err(_) => tracing::error!("the erasure could not be written to the ledger file yet"),
        }
    }
    super::grants::tell(state, &done.notice).await;
}

/// The EUSR office's review queue, most urgent then oldest first.
#[utoipa::path(get, path = "/api/v1/queues/{name}", tag = "cases", operation_id = "review_queue",
    params(("name" = QueueName, Path, description = "The queue")),
    responses((status = 200, description = "What waits in the queue", body = Vec<cases::QueueEntry>),
        (status = 403, description = "For the EUSR office"),
        (status = 404, description = "No such queue")))]
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

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// Lines before this one (the previous page's last `id`).
    #[param(minimum = 0)]
    before: Option<i64>,
    /// How many lines (1 to 500; 100 by default).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// Who read, exported or was refused the case, and when, newest first, a page at a time.
///
/// For the owner, the head of delegation and administrators.
#[utoipa::path(get, path = "/api/v1/cases/{id}/access-log", tag = "cases", operation_id = "case_access_log",
    params(("id" = crate::domain::CaseId, Path, description = "The case"), AccessLogQuery),
    responses((status = 200, description = "A page of the access log, newest first", body = AccessLogPage),
        (status = 403, description = "For the owner, the head of delegation and administrators"),
        (status = 404, description = "No such case in your scope"),
        (status = 422, description = "`limit` or `before` is out of range")))]
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<AccessLogQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let AccessLogQuery { before, limit } = query.into_inner();
    let lines = run(&state, caller, &req, None, move |conn, ctx| {
        cases::access_log(conn, ctx, id, before, limit)
    })
    .await?;
    let limit = limit.unwrap_or(cases::DEFAULT_ACCESS_PAGE);
    let page = AccessLogPage::of(lines, |last| {
        format!("/api/v1/cases/{id}/access-log?before={}&limit={limit}", last.id)
    });
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(page))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RemindersQuery {
    /// Which items: `pending` (the default), `dead`, `done` or `cancelled`.
    #[serde(default = "pending")]
    #[param(value_type = Option<crate::domain::ScheduledStatus>)]
    state: String,
}

/// The name of a review queue.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // described, never built: the path keeps the text it checks
pub enum QueueName {
    EusrReview,
}

fn pending() -> String {
    "pending".into()
}

/// Reminders and timers in a state, for administrators.
///
/// What waits, or was given up (`state=dead`), by case reference and message key only.
#[utoipa::path(get, path = "/api/v1/reminders", tag = "operations", operation_id = "scheduled_items",
    params(RemindersQuery),
    responses((status = 200, description = "Reminders and timers in that state", body = Vec<crate::store::scheduled::ScheduledSummary>),
        (status = 403, description = "For administrators"),
        (status = 422, description = "No such state")))]
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

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AdminLogQuery {
    /// Entries before this sequence number (the previous page's last `seq`).
    #[param(minimum = 0)]
    before: Option<i64>,
    /// How many entries (1 to 200; 50 by default).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The administrative log, newest first.
///
/// For administrators (all of it) and heads of delegation (their delegation's acts), each act
/// with its real actor.
#[utoipa::path(get, path = "/api/v1/admin-log", tag = "operations", operation_id = "admin_log",
    params(AdminLogQuery),
    responses((status = 200, description = "A page of the log", body = AdminLogPage),
        (status = 403, description = "For administrators and heads of delegation"),
        (status = 422, description = "`limit` or `before` is out of range")))]
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
    let limit = limit.unwrap_or(crate::cases::DEFAULT_LOG_PAGE);
    let page = AdminLogPage::of(entries, |last| {
        format!("/api/v1/admin-log?before={}&limit={limit}", last.seq)
    });
    Ok(HttpResponse::Ok().json(page))
}

/// Prometheus metrics.
///
/// HTTP requests by route pattern and status with their latency, the database pool, the
/// process, and the scheduled work: counts only, nothing about a case. For the holder of the
/// metrics token (`VIGIL_METRICS_TOKEN_FILE`), clients from `VIGIL_METRICS_FROM`, and
/// administrators.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 403, description = "Neither the metrics token, nor a configured address, nor an administrator")))]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let bearer = super::auth::bearer(&req);
    if !state
        .scrape
        .allows(bearer.as_deref(), super::auth::client_ip_of(&req, &state))
    {
        let presented = bearer.ok_or(ApiError::Unauthorized)?;
        let address = super::auth::client_address_of(&req, &state);
        let (caller, _) = super::auth::check_token(&state, presented, &address).await?;
        if !caller.role.is_admin() {
            return Err(ApiError::Forbidden(crate::domain::Denied::Metrics));
        }
    }
    let exporter =
        crate::metrics::exporter().ok_or_else(|| ApiError::Internal("no metrics recorder is installed".into()))?;
    // The process's figures are worth most when the database is down: they are answered anyway.
    let queues = state
        .db
        .run(|conn| crate::store::scheduled::queue_gauges(conn, Utc::now()))
        .await
        .map_err(|e| tracing::warn!(error = %e, "the metrics are answered without the scheduled queues"))
        .ok();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(exporter.render(state.db.pool_state(), queues.as_ref())))
}
