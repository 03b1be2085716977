//! How the API describes what [`validate`](super::validate) and the workflows check, for the
//! OpenAPI document: types that are never built, only described. Names that depend on the
//! loaded workflows (a workflow, an action, a state) are plain strings here; the served document lists
//! the loaded ones (`http::api_doc`).

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::AdditionalProperties};
use utoipa::{PartialSchema, ToSchema};

/// A new case's confidential data: `defender_name` (a non-empty string) and any other keys.
pub struct NewConfidential;

impl PartialSchema for NewConfidential {
    fn schema() -> RefOr<Schema> {
        confidential(
            "Everything about the person, sealed with the case's key: `defender_name` (required) and any other keys",
        )
        .required("defender_name")
        .into()
    }
}

impl ToSchema for NewConfidential {
    fn name() -> Cow<'static, str> {
        "NewConfidential".into()
    }
}

/// Confidential keys to set, `null` removing one; `defender_name` may change, never go.
pub struct ConfidentialChange;

impl PartialSchema for ConfidentialChange {
    fn schema() -> RefOr<Schema> {
        confidential("Confidential keys to set; `null` removes a key (never `defender_name`, which may only change)")
            .into()
    }
}

impl ToSchema for ConfidentialChange {
    fn name() -> Cow<'static, str> {
        "ConfidentialChange".into()
    }
}

/// A confidential object: `defender_name`, a text that holds more than white space, and any
/// other keys.
fn confidential(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some(description))
        .property(
            "defender_name",
            ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"\S")),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
}

/// A string named `$name` in the document, which [`api_doc`](crate::http::api_doc) lists the
/// loaded workflows' names of.
macro_rules! loaded_name {
    ($(#[doc = $doc:literal])* $name:ident, $description:literal) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                stringify!($name).into()
            }
        }
    };
}

loaded_name!(
    /// The name of a loaded workflow.
    WorkflowName,
    "The name of a loaded workflow (GET /api/v1/workflows)"
);
loaded_name!(
    /// The name of an action of a loaded workflow.
    ActionName,
    "An action of the procedure's workflow, as its case lists under `actions`"
);
loaded_name!(
    /// The name of a state of a loaded workflow.
    StateName,
    "A state of a loaded workflow (GET /api/v1/workflows/{name})"
);
