//! A case's calendar: its delegation's time zone, weekend and public holidays, with its owner's
//! own time zone when they set one, for deadlines and repeating reminders.

use chrono::Weekday;

use super::CaseError;
use crate::domain::DelegationCode;
use crate::domain::UserId;
use crate::store::cases::LockedCase;
use crate::store::{Conn as PgConnection, StoreError, users};
use crate::workflow::Calendar;

pub(super) fn calendar(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    owner: UserId,
) -> Result<Calendar, CaseError> {
    calendar_for_case(conn, delegation, owner)?
        .ok_or_else(|| CaseError::Inconsistent(format!("delegation {delegation} is missing")))
}

/// The calendar of a case: its delegation's, with its owner's own time zone when they set one
/// (one query for both).
pub fn calendar_for_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    owner: UserId,
) -> Result<Option<Calendar>, StoreError> {
    Ok(
        users::delegation_and_owner_zone(conn, delegation.as_str(), owner)?.map(|(row, holidays, owner_zone)| {
            let mut calendar = calendar_from(&row.time_zone, &row.weekend_days, holidays);
            calendar.owner_time_zone = owner_zone.and_then(|zone| zone.parse().ok());
            calendar
        }),
    )
}

/// The calendar of a case whose row a transition locked, from what the lock read with it.
pub(super) fn calendar_of_locked(locked: &LockedCase) -> Calendar {
    let mut calendar = calendar_from(
        &locked.delegation_time_zone,
        &locked.weekend_days,
        locked.holidays.clone(),
    );
    calendar.owner_time_zone = locked.owner_time_zone.as_deref().and_then(|zone| zone.parse().ok());
    calendar
}

pub(super) fn calendar_from(
    time_zone: &str,
    weekend_days: &[Option<i16>],
    holidays: Vec<chrono::NaiveDate>,
) -> Calendar {
    let weekend = weekend_days
        .iter()
        .flatten()
        .filter_map(|day| u8::try_from(*day - 1).ok().and_then(|d| Weekday::try_from(d).ok()))
        .collect();
    Calendar {
        time_zone: time_zone.parse().unwrap_or(chrono_tz::UTC),
        weekend,
        holidays: holidays.into_iter().collect(),
        owner_time_zone: None,
    }
}
