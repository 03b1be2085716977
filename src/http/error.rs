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
    /// No route matches: the API has no such endpoint (a different thing from a case that is
    /// not there or not yours, which is `NotFound`).
    #[error("no such endpoint; see /openapi.json")]
    NoRoute,
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
    /// Bad input with the fields at fault; the problems never quote values.
    #[error("{detail}")]
    InvalidFields { detail: String, fields: Vec<FieldError> },
    #[error("{0}")]
    Forbidden(crate::domain::Denied),
    #[error("this case was erased")]
    Gone,
    /// A claim on an item of the EUSR queue that another reviewer holds, or an item not in it.
    #[error("{0}")]
    Taken(crate::domain::Denied),
    #[error("too many failed attempts to authenticate; try again later")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("this change needs If-Match with the version you read")]
    PreconditionRequired,
    #[error("{detail}")]
    Conflict { detail: String, current_version: i64 },
    /// The path exists, and takes other methods (named in `Allow`).
    #[error("this address takes {allow} only")]
    MethodNotAllowed { allow: &'static str },
    #[error("the body must be application/json")]
    UnsupportedMediaType,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    /// A body over what Vigil takes (an attachment over its size limit or its case's quota).
    #[error("{0}")]
    TooLarge(Oversize),
    /// The path and query are longer than Vigil reads (`http::MAX_URL`).
    #[error("the address is longer than {limit} bytes")]
    UriTooLong { limit: usize },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            unavailable if unavailable.is_unavailable() => Self::Unavailable("the database does not answer".into()),
            other => Self::Internal(Box::new(other)),
        }
    }
}

/// A field at fault, by its JSON path.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// Sent as its English words; a page says it in its own language.
    #[schema(value_type = String)]
    #[serde(serialize_with = "as_words")]
    pub problem: FieldWords,
}

/// What is wrong with a field, as the layer that found it says it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldWords {
    #[error("{0}")]
    Case(crate::cases::Problem),
    #[error("{0}")]
    Engine(crate::workflow::engine::FieldProblemKind),
}

fn as_words<S: serde::Serializer>(words: &FieldWords, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(words)
}

/// How much an upload may be, when it is more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Oversize {
    #[error("the file is larger than the {limit} bytes allowed")]
    File { limit: u64 },
    #[error("the case's attachments may take {quota} bytes together; this file would pass that")]
    Quota { quota: u64 },
}

/// The body of every error response (RFC 9457). It names what went wrong, never a value the
/// request sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `/problems/<kind>`: each kind is listed in the README.
    #[serde(rename = "type")]
    #[schema(format = "uri-reference", example = "/problems/not-found")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong, in words.
    pub detail: String,
    /// Each field at fault (for `/problems/invalid`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The version now (for `/problems/stale`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// Where the problem types live: `/problems/<kind>`, a URI reference relative to the service,
/// each listed in the README.
pub const PROBLEM_TYPES: &str = "/problems/";

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: String) -> Self {
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        Self {
            kind: format!("{PROBLEM_TYPES}{kind}"),
            title,
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            current_version: None,
        }
    }
}

impl ApiError {
    /// The problem's type, as the last segment of its URI (README, "Problem types").
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound => "not-found",
            Self::NoRoute => "no-such-endpoint",
            Self::Unauthorized => "unauthorized",
            Self::BadRequest(_) => "unreadable-request",
            Self::Invalid(_) | Self::InvalidFields { .. } => "invalid",
            Self::Unavailable(_) => "unavailable",
            Self::Forbidden(_) => "forbidden",
            Self::Gone => "erased",
            Self::Taken(_) => "taken",
            Self::TooManyAttempts { .. } => "too-many-attempts",
            Self::PreconditionRequired => "if-match-required",
            Self::Conflict { .. } => "stale",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::RequestTimeout => "body-timeout",
            Self::TooLarge(_) => "too-large",
            Self::UriTooLong { .. } => "uri-too-long",
            Self::Internal(_) => "internal",
        }
    }

    fn problem(&self) -> Problem {
        let mut problem = Problem::new(self.status_code(), self.kind(), self.to_string());
        match self {
            Self::InvalidFields { fields, .. } => problem.errors = fields.clone(),
            Self::Conflict { current_version, .. } => problem.current_version = Some(*current_version),
            _ => {}
        }
        problem
    }
}

impl From<crate::cases::CaseError> for ApiError {
    fn from(e: crate::cases::CaseError) -> Self {
        use crate::cases::CaseError;
        use crate::workflow::engine::Refusal;
        match e {
            CaseError::Invalid(issues) => Self::InvalidFields {
                detail: "the request is not valid".into(),
                fields: issues
                    .into_iter()
                    .map(|i| FieldError {
                        field: i.field,
                        problem: FieldWords::Case(i.problem),
                    })
                    .collect(),
            },
            CaseError::Forbidden(why) => Self::Forbidden(why),
            CaseError::NotFound => Self::NotFound,
            CaseError::Erased => Self::Gone,
            CaseError::Taken(why) => Self::Taken(why),
            CaseError::StaleCase { current_version } => Self::Conflict {
                detail: format!("the case changed since it was read; read it again (version {current_version})"),
                current_version,
            },
            CaseError::Stale { current_version } => Self::Conflict {
                detail: format!("the procedure changed since it was read; read it again (version {current_version})"),
                current_version,
            },
            CaseError::Refused(Refusal::InvalidData { action, problems }) => Self::InvalidFields {
                detail: format!("the data of action `{action}` is not valid"),
                fields: problems
                    .into_iter()
                    .map(|p| FieldError {
                        field: if p.field.is_empty() {
                            "data".to_owned()
                        } else {
                            format!("data.{}", p.field)
                        },
                        problem: FieldWords::Engine(p.kind),
                    })
                    .collect(),
            },
            CaseError::Refused(refusal) => Self::Invalid(refusal.to_string()),
            CaseError::Store(e) => e.into(),
            CaseError::TooLarge { limit } => Self::TooLarge(Oversize::File { limit }),
            CaseError::QuotaExceeded { quota } => Self::TooLarge(Oversize::Quota { quota }),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) | Self::InvalidFields { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::Gone => StatusCode::GONE,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict { .. } | Self::Taken(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
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
        if let Self::TooManyAttempts { retry_after_secs } = self {
            response.insert_header((actix_web::http::header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let Self::MethodNotAllowed { allow } = self {
            response.insert_header((actix_web::http::header::ALLOW, *allow));
        }
        if let Self::Unavailable(_) = self {
            // Vigil reconnects by itself; a second is long enough for a restart to show.
            response.insert_header((actix_web::http::header::RETRY_AFTER, "1"));
        }
        response.content_type("application/problem+json").json(self.problem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_type_of_its_own_under_problems() {
        let all = [
            ApiError::NotFound,
            ApiError::NoRoute,
            ApiError::Unauthorized,
            ApiError::BadRequest(String::new()),
            ApiError::Invalid(String::new()),
            ApiError::InvalidFields {
                detail: String::new(),
                fields: Vec::new(),
            },
            ApiError::Unavailable(String::new()),
            ApiError::Taken(crate::domain::Denied::TakenByColleague),
            ApiError::Forbidden(crate::domain::Denied::AdminPage),
            ApiError::Gone,
            ApiError::TooManyAttempts { retry_after_secs: 1 },
            ApiError::PreconditionRequired,
            ApiError::Conflict {
                detail: String::new(),
                current_version: 1,
            },
            ApiError::MethodNotAllowed { allow: "GET" },
            ApiError::UnsupportedMediaType,
            ApiError::RequestTimeout,
            ApiError::UriTooLong { limit: 1 },
            ApiError::Internal("x".into()),
        ];
        let mut kinds: Vec<&str> = all.iter().map(ApiError::kind).collect();
        for error in &all {
            assert!(error.problem().kind.starts_with("/problems/"), "{error:?}");
        }
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(
            kinds.len(),
            all.len() - 1,
            "only the two kinds of invalid input share a type"
        );
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        for kind in kinds {
            assert!(
                readme.contains(&format!("`/problems/{kind}`")),
                "the README lists no `{kind}`"
            );
        }
    }
}
