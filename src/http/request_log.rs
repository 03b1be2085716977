//! One log line per request (method, route, status, duration, request id) and the
//! `X-Request-Id` header. Bodies, query strings and raw paths are never logged: only the
//! route pattern, which holds no data.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Keeps a caller's id when it is a plain token (so a proxy's id carries through), else makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let started = Instant::now();
    let span = tracing::info_span!("request", request.id = %id);
    let result = next.call(req).instrument(span.clone()).await;
    let took = started.elapsed();
    // Microsecond precision is plenty, and keeps the log line short.
    let duration_ms = (took.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let route = res.request().match_pattern();
            crate::metrics::observe_request(&method, route.clone(), res.status().as_u16(), took);
            let route = route.unwrap_or_else(|| "-".to_owned());
            tracing::info!(
                http.method = %method,
                http.route = %route,
                http.status = res.status().as_u16(),
                duration_ms,
                "request"
            );
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(res)
        }
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            crate::metrics::observe_request(&method, None, status, took);
            tracing::info!(
                http.method = %method,
                http.status = status,
                duration_ms,
                "request"
            );
            Err(e)
        }
    }
}
