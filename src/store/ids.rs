//! The SQL side of the typed ids of `domain::ids`: each UUID id is bound and read as a
//! PostgreSQL `uuid`, each text id as `text`, nullable or not, so rows and queries carry the
//! types, not bare UUIDs and strings. (The derives diesel offers would put diesel into
//! `domain/`; these impls keep it here.)

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::{
    AttachmentId, CaseId, DelegationCode, ErasureRequestId, FormDraftId, GrantRequestId, ProcedureId, Reference,
    ScheduledId, UserId,
};

macro_rules! uuid_sql {
    ($($id:ty),*) => {$(
        impl ToSql<SqlUuid, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<SqlUuid, Pg>>::to_sql(self.as_uuid(), out)
            }
        }

        impl FromSql<SqlUuid, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <Uuid as FromSql<SqlUuid, Pg>>::from_sql(bytes).map(<$id>::from_uuid)
            }
        }
    )*
    sql_value!(SqlUuid: $($id),*);
    };
}

macro_rules! text_sql {
    ($($id:ty),*) => {$(
        impl ToSql<Text, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <String as FromSql<Text, Pg>>::from_sql(bytes).map(<$id>::new)
            }
        }
    )*
    sql_value!(Text: $($id),*);
    };
}

uuid_sql!(
    AttachmentId,
    CaseId,
    ProcedureId,
    UserId,
    ScheduledId,
    ErasureRequestId,
    GrantRequestId,
    FormDraftId
);
text_sql!(Reference, DelegationCode);
