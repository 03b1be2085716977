//! A request's body must arrive within `VIGIL_BODY_TIMEOUT` of the request's start: a client
//! that stalls mid-body (or sends it a byte a minute) is answered 408 and its connection's
//! worker freed, instead of holding them forever. Slow headers are actix-web's own timeout's.

use std::io;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use futures_util::StreamExt;

use super::AppState;

/// A request body as actix-web streams it.
type Body = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<web::Bytes, PayloadError>>>>;

/// What a body cut off by the deadline says, to the extractor reading it.
const TIMED_OUT: &str = "the request body did not arrive in time";

/// Whether `e` is the deadline's.
pub fn timed_out(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(e) if e.kind() == io::ErrorKind::TimedOut)
}

/// Puts the deadline on the request's body, when it has one.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limit = req.app_data::<web::Data<AppState>>().map(|state| state.body_timeout);
    let has_body = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .is_some_and(|length| length != "0")
        || req.headers().contains_key(actix_web::http::header::TRANSFER_ENCODING);
    if let (Some(limit), true) = (limit, has_body) {
        let deadline = tokio::time::Instant::now() + limit;
        let body = req.take_payload();
        // Fused: a reader may look again after the end (multipart's does), and an unfold
        // panics when it is polled after it ended.
        let timed = futures_util::stream::unfold(Some(body), move |body| async move {
            let mut body = body?;
            match tokio::time::timeout_at(deadline, body.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(body))),
                Ok(None) => None,
                Err(_) => Some((
                    Err(PayloadError::Io(io::Error::new(io::ErrorKind::TimedOut, TIMED_OUT))),
                    None,
                )),
            }
        })
        .fuse();
        req.set_payload(Payload::from(Box::pin(timed) as Body));
    }
    next.call(req).await
}
