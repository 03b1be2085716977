//! The SQL side of `domain::vocabulary`: each vocabulary is stored as `text`, spelled as the
//! API spells it; a stored name Vigil does not know is an error, not a guess.

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::{AccessKind, ActorKind, ErasureReason, Risk, Role, ScheduledKind, ScheduledStatus};

macro_rules! text_sql {
    ($($vocabulary:ty),*) => {$(
        impl ToSql<Text, Pg> for $vocabulary {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Nullable<Text>, Pg> for $vocabulary {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Self as ToSql<Text, Pg>>::to_sql(self, out)
            }
        }

        impl FromSql<Text, Pg> for $vocabulary {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                text.parse::<$vocabulary>()
                    .map_err(|_| format!("`{text}` is not a known {}", stringify!($vocabulary)).into())
            }
        }

        impl Queryable<Text, Pg> for $vocabulary {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $vocabulary {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $vocabulary {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<Text> for &'a &'b $vocabulary {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $vocabulary {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $vocabulary {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a, 'b> AsExpression<Nullable<Text>> for &'a &'b $vocabulary {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )*};
}

text_sql!(
    Risk,
    ActorKind,
    AccessKind,
    ScheduledStatus,
    ScheduledKind,
    ErasureReason,
    Role
);
