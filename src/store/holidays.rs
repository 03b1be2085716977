//! A delegation's public holidays (`delegation_holidays`): the dates its office does not work
//! whatever their weekday. Public knowledge, kept in clear.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::StoreError;
use super::schema::delegation_holidays;
use crate::domain::DelegationCode;

/// The SQL of the dates of the holidays of the delegation `$delegation` (an SQL expression)
/// that a calendar needs, as a `date[]`: the one definition, for every query that builds a
/// case's calendar. From 400 days back: a working-day duration counted backwards from a date
/// of this year reaches no further.
macro_rules! holidays_of_sql {
    ($delegation:literal) => {
        concat!(
            "ARRAY(SELECT h.day FROM delegation_holidays h WHERE h.delegation = ",
            $delegation,
            " AND h.day >= current_date - 400 ORDER BY h.day)"
        )
    };
}
pub(crate) use holidays_of_sql;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = delegation_holidays)]
pub struct HolidayRow {
    pub day: NaiveDate,
    pub name: String,
}

/// A delegation's holidays, by date.
pub fn holidays_of(conn: &mut PgConnection, delegation: &DelegationCode) -> Result<Vec<HolidayRow>, StoreError> {
    Ok(delegation_holidays::table
        .filter(delegation_holidays::delegation.eq(delegation))
        .order(delegation_holidays::day)
        .select(HolidayRow::as_select())
        .load(conn)?)
}

/// Adds `holidays` to a delegation's, renaming those of dates it already has: how many dates
/// were new. One statement.
pub fn put_holidays(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    holidays: &[HolidayRow],
) -> Result<usize, StoreError> {
    use diesel::sql_types::{Array, Date, Text};
    #[derive(QueryableByName)]
    struct Added {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        added: i64,
    }
    let (days, names): (Vec<NaiveDate>, Vec<&str>) = holidays.iter().map(|h| (h.day, h.name.as_str())).unzip();
    let added: Added = diesel::sql_query(
        "WITH put AS (
             INSERT INTO delegation_holidays (delegation, day, name)
             SELECT $1, given.day, given.name FROM unnest($2::date[], $3::text[]) AS given(day, name)
             ON CONFLICT (delegation, day) DO UPDATE SET name = excluded.name
             RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted) AS added FROM put",
    )
    .bind::<Text, _>(delegation)
    .bind::<Array<Date>, _>(days)
    .bind::<Array<Text>, _>(names)
    .get_result(conn)?;
    Ok(usize::try_from(added.added).unwrap_or_default())
}

/// Removes a delegation's holiday of `day`; whether it had one.
pub fn remove_holiday(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    day: NaiveDate,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(delegation_holidays::table.find((delegation, day))).execute(conn)? > 0)
}
