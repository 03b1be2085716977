//! The actix-web application: routes, middleware, problem+json errors, and the server's
//! lifecycle (graceful drain on SIGTERM or SIGINT).

pub mod api_doc;
pub mod attachments;
pub mod auth;
mod cases;
mod deadline;
pub mod error;
mod grants;
mod health;
pub mod idempotency;
pub mod limiter;
pub mod probe;
mod reports;
pub mod request_log;
mod stream;
mod ui;
mod workflows;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use std::sync::Arc;

use crate::crypto::Keys;
use crate::store::Db;
use crate::workflow::Registry;
use error::ApiError;

/// The longest path and query read, in bytes: 8 KiB, as nginx's and Apache's defaults; no
/// address of Vigil's comes near it. (Past 64 KiB the HTTP parser refuses the request itself,
/// with an empty 400, before any of Vigil's code runs.)
pub const MAX_URL: usize = 8 * 1024;

/// How long in-flight requests may take to finish once a stop signal arrives.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The loaded workflows, with the older versions procedures still run on.
    pub workflows: Arc<Registry>,
    pub keys: Arc<Keys>,
    /// The largest JSON body accepted, in bytes (`VIGIL_MAX_BODY`).
    pub max_body: usize,
    /// How long a request's body may take to arrive, from the request's start (`VIGIL_BODY_TIMEOUT`).
    pub body_timeout: Duration,
    pub auth_limiter: Arc<limiter::AuthLimiter>,
    /// The reverse proxies whose `X-Forwarded-For` names the client (`VIGIL_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// Who may read `/metrics` besides administrators.
    pub scrape: Arc<crate::metrics::ScrapeAccess>,
    /// Where emails of the web interface (one-time sign-in links) go; none: no links.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// The erasure ledger every approved erasure is signed into.
    pub ledger: Arc<crate::audit::ledger::Ledger>,
    /// Disclosure control's threshold and the regions the reports group by.
    pub reports: Arc<crate::reports::Settings>,
    /// What attachments may take, and how many uploads run at once.
    pub uploads: Arc<attachments::Uploads>,
}

/// The whole application, as `serve` runs it and as in-process tests drive it.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = state.max_body;
    // Installed before the first request, so every request is counted.
    crate::metrics::exporter();
    let openapi = web::Data::new(api_doc::Served::of(&state.workflows));
    App::new()
        .app_data(openapi)
        .app_data(web::Data::new(state))
        // Requests that cannot be read get problem+json like every other error.
        .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::BadRequest(query_error(&e)).into()))
        .app_data(
            web::JsonConfig::default()
                .limit(max_body)
                .error_handler(|e, _| match e {
                    actix_web::error::JsonPayloadError::ContentType => ApiError::UnsupportedMediaType.into(),
                    actix_web::error::JsonPayloadError::Payload(e) if deadline::timed_out(&e) => {
                        ApiError::RequestTimeout.into()
                    }
                    e => ApiError::BadRequest(json_error(&e)).into(),
                }),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| ApiError::BadRequest("the address is not valid".into()).into()),
        )
        .wrap(from_fn(url_limit))
        .wrap(from_fn(deadline::body_deadline))
        .wrap(from_fn(request_log::log_request))
        .service(reading("/healthz").route(get().to(health::healthz)))
        .service(reading("/readyz").route(get().to(health::readyz)))
        .service(reading("/openapi.json").route(get().to(api_doc::openapi)))
        .service(reading("/metrics").route(get().to(cases::metrics)))
        .service(
            web::scope("/api/v1")
                .service(reading("/me").route(get().to(auth::me)))
                .service(
                    both("/cases")
                        .route(get().to(cases::list_cases))
                        .route(web::post().to(cases::create_case)),
                )
                .service(writing("/cases/search").route(web::post().to(cases::search_cases)))
                .service(writing("/cases/{id}/procedures").route(web::post().to(cases::start_procedure)))
                .service(
                    resource("/cases/{id}", "GET, HEAD, PATCH")
                        .route(get().to(cases::get_case))
                        .route(web::patch().to(cases::patch_case)),
                )
                .service(reading("/cases/{id}/timeline").route(get().to(cases::timeline)))
                .service(writing("/cases/{id}/export").route(web::post().to(cases::export_case)))
                .service(
                    both("/cases/{id}/attachments")
                        .route(get().to(attachments::list))
                        .route(web::post().to(attachments::upload)),
                )
                .service(reading("/cases/{id}/attachments/{aid}").route(get().to(attachments::download)))
                .service(reading("/cases/{id}/access-log").route(get().to(cases::access_log)))
                .service(reading("/queues/{name}").route(get().to(cases::queue)))
                .service(reading("/reminders").route(get().to(cases::reminders)))
                .service(reading("/admin-log").route(get().to(cases::admin_log)))
                .service(writing("/cases/{id}/erasure").route(web::post().to(cases::request_erasure)))
                .service(reading("/erasure-requests").route(get().to(grants::pending_erasures)))
                .service(writing("/erasure-requests/{id}/approve").route(web::post().to(cases::approve_erasure)))
                .service(
                    both("/grant-requests")
                        .route(get().to(grants::pending_grants))
                        .route(web::post().to(grants::request_grant)),
                )
                .service(writing("/grant-requests/{id}/approve").route(web::post().to(grants::approve_grant)))
                .service(writing("/grant-requests/{id}/refuse").route(web::post().to(grants::refuse_grant)))
                .service(reading("/procedures/{id}").route(get().to(cases::get_procedure)))
                .service(
                    resource("/procedures/{id}/claim", "PUT, DELETE")
                        .route(web::put().to(cases::take_review))
                        .route(web::delete().to(cases::give_back_review)),
                )
                .service(writing("/procedures/{id}/transitions").route(web::post().to(cases::transition)))
                .service(reading("/reports/{name}").route(get().to(reports::report)))
                .service(reading("/workflows").route(get().to(workflows::list)))
                .service(reading("/workflows/{name}").route(get().to(workflows::get)))
                .service(reading("/workflows/{name}/graph").route(get().to(workflows::graph))),
        )
        .route("/", web::get().to(ui::root))
        .service(ui::scope())
        .default_service(web::to(not_found))
}

/// Refuses an address longer than `MAX_URL` (414 problem+json), before it is routed.
async fn url_limit(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let length = req.uri().path_and_query().map_or(0, |target| target.as_str().len());
    if length > MAX_URL {
        let refused = actix_web::ResponseError::error_response(&ApiError::UriTooLong { limit: MAX_URL });
        return Ok(req.into_response(refused).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// A route for GET, and for HEAD, answered as GET without its body.
fn get() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

/// A resource whose other methods are answered 405 problem+json with `Allow: allow`.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed { allow })
    }))
}

/// A resource read with GET (and HEAD).
fn reading(path: &str) -> actix_web::Resource {
    resource(path, "GET, HEAD")
}

/// A resource changed with POST.
fn writing(path: &str) -> actix_web::Resource {
    resource(path, "POST")
}

/// A resource read with GET (and HEAD) and added to with POST.
fn both(path: &str) -> actix_web::Resource {
    resource(path, "GET, HEAD, POST")
}

/// A JSON body error in words that name no value from the body.
fn json_error(e: &actix_web::error::JsonPayloadError) -> String {
    use actix_web::error::JsonPayloadError;
    match e {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            format!("the body is larger than {limit} bytes")
        }
        JsonPayloadError::ContentType => "the body must be application/json".into(),
        // serde quotes the offending value in type errors: say where, never what.
        JsonPayloadError::Deserialize(e) if e.is_data() && !e.to_string().contains(" field `") => {
            format!(
                "a value has the wrong type or form at line {} column {}",
                e.line(),
                e.column()
            )
        }
        // A missing field is one of ours; an unknown one is the client's, and not repeated.
        JsonPayloadError::Deserialize(e) if e.is_data() => format!(
            "the body is not valid at line {} column {}: {}",
            e.line(),
            e.column(),
            field_problem(&e.to_string())
        ),
        JsonPayloadError::Deserialize(e) => {
            format!("the body is not JSON (at line {} column {})", e.line(), e.column())
        }
        _ => "the body cannot be read".into(),
    }
}

/// A query string error in words that name no value from it.
fn query_error(e: &actix_web::error::QueryPayloadError) -> String {
    use actix_web::error::QueryPayloadError;
    match e {
        QueryPayloadError::Deserialize(e) => format!("the query is not valid: {}", field_problem(&e.to_string())),
        _ => "the query is not valid".into(),
    }
}

/// What serde says of a field, without what the client sent: a missing field is named (it is
/// one of ours), an unknown one is not (it is the client's), and only the fields that are taken
/// are listed; any other problem is named by kind alone.
fn field_problem(serde_message: &str) -> String {
    let message = serde_message.split(" at line ").next().unwrap_or_default();
    if let Some(missing) = message.strip_prefix("missing field ") {
        format!("missing field {missing}")
    } else if let Some((_, allowed)) = message
        .strip_prefix("unknown field ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        format!("a field is not one this request takes (expected {allowed})")
    } else if message.starts_with("unknown field ") {
        "a field is not one this request takes".into()
    } else {
        "a value has the wrong type or form".into()
    }
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
}

/// One pass of background work, started anew every time.
pub type Job = Arc<dyn Fn() -> futures_util::future::BoxFuture<'static, ()> + Send + Sync>;

/// Work the server runs in the background every `every` (timers and reminders).
pub struct Background {
    pub every: Duration,
    pub job: Job,
}

/// [`serve`] on an actix-web system of its own, for a command that has no runtime yet.
pub fn serve_blocking(listener: TcpListener, state: AppState, background: Option<Background>) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(serve(listener, state, background))
}

/// Serves on `listener` until SIGTERM or SIGINT, then drains in-flight requests for at most
/// [`SHUTDOWN_GRACE`], stops the background work, and returns.
pub async fn serve(listener: TcpListener, state: AppState, background: Option<Background>) -> std::io::Result<()> {
    let server = HttpServer::new(move || app(state.clone()))
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        let signal = stop_signal().await;
        tracing::info!(signal, "stopping: draining in-flight requests");
        handle.stop(true).await;
    });
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let worker = background.map(|background| {
        actix_web::rt::spawn(async move {
            let mut interval = tokio::time::interval(background.every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => {
                        (background.job)().await;
                    }
                    _ = stopped.changed() => break,
                }
            }
        })
    });
    let served = server.await;
    let _ = stop.send(true);
    if let Some(worker) = worker {
        // A pass under way finishes (it is short and transactional); no new one starts.
        let _ = worker.await;
    }
    tracing::info!("background work stopped");
    served
}

/// Waits for SIGTERM or SIGINT; returns its name.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => {
            // Without signal handlers the process still stops on the default action.
            tracing::warn!("cannot install signal handlers");
            std::future::pending().await
        }
    }
}
