//! `Idempotency-Key` on every POST that changes something: the first request with a key is
//! carried out and its answer recorded in the change's own transaction; a retry with the same
//! key (by the same user, for the same request) is answered what the first was answered, even
//! when the retries race. The request's body is read for its hash only when a key is sent.
//!
//! The application layer sees none of this: it hands its answer to a [`Recorder`], which this
//! module provides with the key, the hash, the status and the location the answer gets here.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, LOCATION};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use crate::cases::Recorder;
use crate::domain::{Sensitive, UserId};
use crate::store::{Conn, StoreError, idempotency};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// An `Idempotency-Key` header's value: 1 to 200 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The request's key, if it sent one; a malformed one is refused.
    pub fn of(req: &HttpRequest) -> Result<Option<Self>, ApiError> {
        let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
            return Ok(None);
        };
        value
            .to_str()
            .ok()
            .filter(|key| (1..=200).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()))
            .map(|key| Some(Self(key.to_owned())))
            .ok_or_else(|| ApiError::BadRequest("Idempotency-Key must be 1 to 200 visible ASCII characters".into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a success is found again: the `Location` its answer gets, from the answer itself.
pub type Locate = fn(&Value) -> Option<String>;

/// How a change's success is answered: its status, and where what it made is found.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: StatusCode,
    pub locate: Locate,
}

impl Answer {
    /// `200 OK` about what the request's path names.
    pub const OK: Self = Self {
        status: StatusCode::OK,
        locate: nowhere,
    };

    /// `201 Created`, found where `locate` says (or nowhere).
    pub const fn created(locate: Locate) -> Self {
        Self {
            status: StatusCode::CREATED,
            locate,
        }
    }

    /// The response to a success, from its answer as JSON.
    pub fn respond(&self, answer: &Value) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(location) = (self.locate)(answer) {
            response.insert_header((LOCATION, location));
        }
        response.json(answer)
    }
}

/// A change sent with an `Idempotency-Key`: what a retry must match, and what it is answered.
#[derive(Debug, Clone)]
pub struct Idempotent {
    user: UserId,
    key: IdempotencyKey,
    /// A keyed hash (the server's secret) over the method, the path and the canonical JSON body.
    request_hash: [u8; 32],
    answer: Answer,
}

impl Idempotent {
    /// The request's key with the hash of what it asks, or none when it sent no key (then the
    /// body is not serialised at all). The hash is keyed by the server's secret: a reader of the
    /// database cannot test guesses of a sealed value against it.
    pub fn of(
        state: &AppState,
        req: &HttpRequest,
        user: UserId,
        body: &impl Serialize,
        answer: Answer,
    ) -> Result<Option<Self>, ApiError> {
        let Some(key) = IdempotencyKey::of(req)? else {
            return Ok(None);
        };
        let canonical = Sensitive::new(serde_json::to_vec(body).map_err(|e| ApiError::Internal(Box::new(e)))?);
        let request_hash = state.keys.index.keyed_hash(
            "idempotency request",
            &[
                req.method().as_str().as_bytes(),
                req.path().as_bytes(),
                canonical.expose(),
            ],
        );
        Ok(Some(Self {
            user,
            key,
            request_hash,
            answer,
        }))
    }

    /// The answer recorded for this key, if a request with it completed.
    pub async fn replay(&self, state: &AppState) -> Result<Option<HttpResponse>, ApiError> {
        let (user, key) = (self.user, self.key.clone());
        let Some(stored) = state
            .db
            .run(move |conn| idempotency::find(conn, user, key.as_str()))
            .await?
        else {
            return Ok(None);
        };
        if stored.request_hash != self.request_hash {
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
}

impl Recorder for Idempotent {
    /// Records `answer` in the change's transaction. A twin that got there first makes this a
    /// unique violation: the change rolls back and the twin's answer is given instead.
    fn record(&self, conn: &mut Conn, case: Option<crate::domain::CaseId>, answer: &Value) -> Result<(), StoreError> {
        idempotency::record(
            conn,
            &idempotency::StoredResponse {
                user_id: self.user,
                case_id: case,
                key: self.key.as_str().to_owned(),
                request_hash: self.request_hash.to_vec(),
                status: i16::try_from(self.answer.status.as_u16()).unwrap_or(200),
                location: (self.answer.locate)(answer),
                response: answer.clone(),
            },
        )
    }
}

/// No location: the answer is about what the request's path names already.
fn nowhere(_: &Value) -> Option<String> {
    None
}
