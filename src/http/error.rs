//! problem+json (RFC 9457) at the edge: every module error maps to an `ApiError` here, where
//! its status is decided.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no resource at this address")]
    NotFound,
    #[error("a valid API token is required (Authorization: Bearer vgl_…)")]
    Unauthorized,
    /// A request that cannot be read (bad JSON, bad query); the message names no value.
    #[error("{0}")]
    BadRequest(String),
    /// Bad input; the message is shown to the client and must hold no confidential value.
    #[error("{0}")]
    Invalid(String),
    /// The reason is shown to the client: it must name no internals.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Pool(_) | StoreError::Connect(_) => Self::Unavailable("the database does not answer".into()),
            other => Self::Internal(Box::new(other)),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: String) -> Self {
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        Self {
            kind: "about:blank".to_owned(),
            title,
            status: status.as_u16(),
            detail,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::Internal(cause) = self {
            // Logged once, here, inside the request's span (which carries the request id the
            // client gets in `X-Request-Id`); the client sees no cause.
            tracing::error!(error = %cause, "internal error");
        }
        let mut response = HttpResponse::build(status);
        if let Self::Unauthorized = self {
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, "Bearer"));
        }
        response
            .content_type("application/problem+json")
            .json(Problem::new(status, self.to_string()))
    }
}
