//! The actix-web application: routes, middleware, problem+json errors, and the server's
//! lifecycle (graceful drain on SIGTERM or SIGINT).

pub mod auth;
pub mod error;
mod health;
pub mod probe;
pub mod request_log;
mod workflows;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use std::sync::Arc;

use crate::startup::Keys;
use crate::store::Db;
use crate::workflow::Registry;
use error::ApiError;

/// How long in-flight requests may take to finish once a stop signal arrives.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The loaded workflows, with the older versions procedures still run on.
    pub workflows: Arc<Registry>,
    pub keys: Arc<Keys>,
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
    App::new()
        .app_data(web::Data::new(state))
        // Requests that cannot be read get problem+json like every other error.
        .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()))
        .app_data(web::PathConfig::default().error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()))
        .wrap(from_fn(request_log::log_request))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::scope("/api/v1")
                .route("/me", web::get().to(auth::me))
                .route("/workflows", web::get().to(workflows::list))
                .route("/workflows/{name}", web::get().to(workflows::get))
                .route("/workflows/{name}/graph", web::get().to(workflows::graph)),
        )
        .default_service(web::to(not_found))
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// Serves on `listener` until SIGTERM or SIGINT, then drains in-flight requests for at most
/// [`SHUTDOWN_GRACE`] and returns.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
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
    server.await
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
