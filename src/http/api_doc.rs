//! The API's OpenAPI 3.1 document, generated from the handlers' and types' own annotations
//! (utoipa), never written by hand: what a handler answers and what a type holds is declared
//! beside it. Three rules hold for every operation and are applied here, once:
//!
//! - every error is `application/problem+json` ([`Problem`]);
//! - every operation may answer 400 (a request that cannot be read), 414 (its address is
//!   longer than `MAX_URL`), 500 and 503 (with
//!   `Retry-After`); one that needs a token, 401 and 429 (with `Retry-After`); one that reads a
//!   JSON body, 408 (it came too slowly) and 415 (it is not JSON); one that takes an
//!   `Idempotency-Key`, 422 (the key was used for another request);
//! - the names that depend on the loaded workflows (a workflow, an action, a state) are listed as the
//!   server loaded them.

use std::collections::BTreeSet;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, HeaderBuilder, OpenApi as Document, RefOr, ResponseBuilder};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::error::Problem;
use crate::workflow::Registry;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigil",
        description = "Workflow and case management for the cases of human rights defenders at risk. \
            Every error is application/problem+json (RFC 9457); every POST that changes something \
            takes an Idempotency-Key header.",
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        openapi,
        super::cases::metrics,
        super::auth::me,
        super::cases::list_cases,
        super::cases::search_cases,
        super::cases::create_case,
        super::cases::get_case,
        super::cases::get_procedure,
        super::cases::take_review,
        super::cases::give_back_review,
        super::cases::patch_case,
        super::cases::start_procedure,
        super::cases::timeline,
        super::cases::export_case,
        super::attachments::upload,
        super::attachments::list,
        super::attachments::download,
        super::cases::access_log,
        super::cases::transition,
        super::cases::queue,
        super::cases::request_erasure,
        super::grants::pending_erasures,
        super::cases::approve_erasure,
        super::grants::pending_grants,
        super::grants::request_grant,
        super::grants::approve_grant,
        super::grants::refuse_grant,
        super::cases::reminders,
        super::cases::admin_log,
        super::reports::report,
        super::workflows::list,
        super::workflows::get,
        super::workflows::graph,
    ),
    components(schemas(
        Problem,
        crate::cases::CaseOrder,
        crate::cases::StateName,
        super::cases::QueueName,
        super::workflows::GraphFormat,
        super::reports::ReportFormat
    )),
    security(("bearer" = [])),
    tags(
        (name = "cases", description = "Cases, their procedures, timelines and access logs"),
        (name = "attachments", description = "Evidence files on a case, sealed as they arrive, with a chain of custody"),
        (name = "erasure", description = "Erasing a case, under four eyes"),
        (name = "grants", description = "Grants that reach cases, under four eyes"),
        (name = "users", description = "Who you are"),
        (name = "reports", description = "Aggregate figures for the annual report, under disclosure control"),
        (name = "workflows", description = "The loaded workflows: their states, actions and drawings"),
        (name = "operations", description = "Probes, metrics, scheduled work and the administrative log"),
    ),
)]
struct ApiDoc;

/// This document, as served.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi", security(),
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object)))]
pub async fn openapi(served: actix_web::web::Data<Served>) -> Result<actix_web::HttpResponse, super::error::ApiError> {
    let json = served
        .0
        .as_ref()
        .map_err(|e| super::error::ApiError::Internal(e.clone().into()))?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(json.clone()))
}

/// The document as `/openapi.json` serves it, made once for the app that serves it (the loaded
/// workflows do not change while it runs), not at every request.
pub struct Served(Result<String, String>);

impl Served {
    pub fn of(registry: &Registry) -> Self {
        Self(serde_json::to_string(&document(registry)).map_err(|e| e.to_string()))
    }
}

/// The `Idempotency-Key` header of a change.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // described, never built: `idempotency` reads the header
pub struct IdempotencyKey {
    /// A key of your choosing: a retry with the same key and body is answered what the first
    /// request was answered, even when they race; the same key with another body is 422.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 200,
        pattern = "^[!-~]+$",
        example = "open-2026-12-02-0001"
    )]
    key: Option<String>,
}

/// The document, with the names of the workflows, actions and states `registry` holds.
pub fn document(registry: &Registry) -> Document {
    let mut doc = ApiDoc::openapi();
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from `vigil users add`, an administrator's \"Issue a token\", or a one-time link",
                    ))
                    .build(),
            ),
        );
        let workflows: BTreeSet<&str> = registry.iter().map(|w| w.name()).collect();
        let actions: BTreeSet<&str> = registry
            .iter()
            .flat_map(|w| w.definition.actions.keys().map(String::as_str))
            .collect();
        let states: BTreeSet<&str> = registry
            .iter()
            .flat_map(|w| w.definition.states.keys().map(String::as_str))
            .collect();
        listed::<crate::cases::WorkflowName>(&mut components.schemas, &workflows);
        listed::<crate::cases::ActionName>(&mut components.schemas, &actions);
        listed::<crate::cases::StateName>(&mut components.schemas, &states);
        for schema in components.schemas.values_mut() {
            closed_variants(schema);
        }
    }
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.put,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            problems(operation);
        }
    }
    doc
}

/// `S`'s schema (a string) with `names` as its only values.
fn listed<S: ToSchema>(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>, names: &BTreeSet<&str>) {
    let description = match S::schema() {
        RefOr::T(Schema::Object(object)) => object.description,
        _ => None,
    };
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(description)
        .enum_values(Some(names.iter().copied()))
        .into();
    schemas.insert(S::name().into_owned(), schema);
}

/// The variants of a tagged enum (`#[serde(tag = "kind", deny_unknown_fields)]`) are as closed
/// as serde reads them: no field beyond their own (utoipa leaves them open).
fn closed_variants(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::OneOf(one_of)) = schema {
        for variant in &mut one_of.items {
            if let RefOr::T(Schema::Object(object)) = variant
                && object.properties.contains_key("kind")
            {
                object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// The problems every operation may answer, and problem+json for each of its errors.
fn problems(operation: &mut Operation) {
    let secured = operation
        .security
        .as_ref()
        .is_none_or(|requirements| !requirements.is_empty());
    let reads_json = operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.contains_key("application/json"));
    let mut common: Vec<(&str, &str, bool)> = vec![
        ("400", "The request cannot be read (its query, path or body)", false),
        ("414", "The address is longer than 8 KiB", false),
        (
            "500",
            "Something failed inside Vigil; the response names nothing of it",
            false,
        ),
        (
            "503",
            "The database does not answer now; try again after Retry-After",
            true,
        ),
    ];
    if secured {
        common.push(("401", "No valid token", false));
        common.push((
            "429",
            "Too many failed sign-ins from here; try again after Retry-After",
            true,
        ));
    }
    if reads_json {
        common.push(("408", "The body did not arrive in time", false));
        common.push(("415", "The body is not application/json", false));
    }
    let takes_a_key = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == "Idempotency-Key");
    if takes_a_key {
        common.push(("422", "This Idempotency-Key was used for another request", false));
    }
    let responses = &mut operation.responses.responses;
    for (status, description, retry_after) in common {
        responses.entry(status.to_owned()).or_insert_with(|| {
            let mut response = ResponseBuilder::new().description(description);
            if retry_after {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some("Seconds to wait"))
                        .build(),
                );
            }
            RefOr::T(response.build())
        });
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && !status.starts_with('2')
        {
            response.content.insert(
                "application/problem+json".to_owned(),
                Content::new(Some(RefOr::Ref(
                    utoipa::openapi::Ref::from_schema_name(Problem::name()),
                ))),
            );
        }
    }
}
