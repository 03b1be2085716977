//! Ids as types: a case's id cannot be passed where a procedure's is expected. Each serialises
//! as the bare value it wraps (the wire format is a UUID or a string, as before); their SQL
//! conversions live in `store::ids`, so this module stays free of I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random id (UUID version 4).
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// The id a stored or sent UUID names; the caller says which kind it is.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A case: one defender's situation.
    CaseId
);
uuid_id!(
    /// A procedure: one workflow running on a case.
    ProcedureId
);
uuid_id!(
    /// A file attached to a case: evidence, sealed to the case's key.
    AttachmentId
);
uuid_id!(
    /// A user of Vigil.
    UserId
);
uuid_id!(
    /// A scheduled item: a reminder occurrence or a timer.
    ScheduledId
);
uuid_id!(
    /// A request to erase a case, waiting for its second admin.
    ErasureRequestId
);
uuid_id!(
    /// A request for a grant that reaches cases, waiting for its second person.
    GrantRequestId
);
uuid_id!(
    /// A form kept across signing in again (`http::ui::kept`).
    FormDraftId
);

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The value a stored or sent string names; the caller says which kind it is.
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

text_id!(
    /// A delegation's code, e.g. `EUD_KE`: the unit every case, user and row belongs to.
    DelegationCode
);
text_id!(
    /// A case's human reference, e.g. `VG-2026-00042`: what emails, lists and operators name.
    Reference
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sent_as_the_bare_values_they_wrap() {
        let id = CaseId::from_uuid(Uuid::from_u128(42));
        let sent = serde_json::to_value(id).unwrap();
        assert_eq!(sent, serde_json::json!(Uuid::from_u128(42).to_string()));
        assert_eq!(serde_json::from_value::<CaseId>(sent).unwrap(), id);
        assert_eq!(id.to_string().parse::<CaseId>().unwrap(), id);
        let code = DelegationCode::new("EUD_KE");
        assert_eq!(serde_json::to_value(&code).unwrap(), serde_json::json!("EUD_KE"));
        assert_eq!(code.to_string(), "EUD_KE");
    }
}
