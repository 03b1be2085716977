//! The SQL side of the typed ids of `domain::ids`: each UUID id is bound and read as a
//! PostgreSQL `uuid`, each text id as `text`, nullable or not, so rows and queries carry the
//! types, not bare UUIDs and strings.
//! (The derives diesel offers would put diesel into `domain/`; these impls keep it here.)

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::{CaseId, DelegationCode, ErasureRequestId, ProcedureId, Reference, ScheduledId, UserId};

macro_rules! uuid_sql {
    ($($id:ty),*) => {$(
        impl ToSql<SqlUuid, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<SqlUuid, Pg>>::to_sql(self.as_uuid(), out)
            }
        }

        impl ToSql<Nullable<SqlUuid>, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Self as ToSql<SqlUuid, Pg>>::to_sql(self, out)
            }
        }

        impl FromSql<SqlUuid, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <Uuid as FromSql<SqlUuid, Pg>>::from_sql(bytes).map(<$id>::from_uuid)
            }
        }

        impl Queryable<SqlUuid, Pg> for $id {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<SqlUuid> for $id {
            type Expression = Bound<SqlUuid, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<SqlUuid> for &'a $id {
            type Expression = Bound<SqlUuid, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<SqlUuid> for &'a &'b $id {
            type Expression = Bound<SqlUuid, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<Nullable<SqlUuid>> for &'a &'b $id {
            type Expression = Bound<Nullable<SqlUuid>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<SqlUuid>> for $id {
            type Expression = Bound<Nullable<SqlUuid>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<SqlUuid>> for &'a $id {
            type Expression = Bound<Nullable<SqlUuid>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )*};
}

uuid_sql!(CaseId, ProcedureId, UserId, ScheduledId, ErasureRequestId);

macro_rules! text_sql {
    ($($id:ty),*) => {$(
        impl ToSql<Text, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Nullable<Text>, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Self as ToSql<Text, Pg>>::to_sql(self, out)
            }
        }

        impl FromSql<Text, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <String as FromSql<Text, Pg>>::from_sql(bytes).map(<$id>::new)
            }
        }

        impl Queryable<Text, Pg> for $id {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $id {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $id {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<Text> for &'a &'b $id {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $id {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $id {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )*};
}

text_sql!(Reference, DelegationCode);
