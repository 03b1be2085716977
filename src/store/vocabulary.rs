//! The SQL side of `domain::vocabulary`: each vocabulary is stored as `text`, spelled as the
//! API spells it; a stored name Vigil does not know is an error, not a guess.

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::{
    AccessKind, ActorKind, AdminAct, Approver, Decision, ErasureReason, GrantKind, Risk, Role, ScheduledKind,
    ScheduledStatus, TokenDelivery,
};

macro_rules! vocabulary_sql {
    ($($vocabulary:ty),*) => {$(
        impl ToSql<Text, Pg> for $vocabulary {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $vocabulary {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                text.parse::<$vocabulary>()
                    .map_err(|_| format!("`{text}` is not a known {}", stringify!($vocabulary)).into())
            }
        }
    )*
    sql_value!(Text: $($vocabulary),*);
    };
}

vocabulary_sql!(
    Risk,
    ActorKind,
    AccessKind,
    ScheduledStatus,
    ScheduledKind,
    ErasureReason,
    Role,
    TokenDelivery,
    AdminAct,
    GrantKind,
    Approver,
    Decision
);
