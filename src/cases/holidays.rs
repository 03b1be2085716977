//! A delegation's public holidays: read by its staff and the administrators, changed by the
//! administrators (an iCalendar file imported, a date entered, a date removed) and by the
//! operator on the command line, each change on the administrative log. They count as days off
//! in every working-day duration and "start of the working day" ([`crate::workflow::Calendar`]):
//! a change moves what its delegation has already scheduled by as much as it moves the moment
//! each item stands for ([`crate::workflow::engine::moved`]), in the same transaction.

use chrono::{Datelike, NaiveDate, TimeZone};
use icalendar::{Component, DatePerhapsTime};

use super::{CaseError, Context, FieldIssue, Problem};
use crate::domain::{AdminAct, DelegationCode, UserId};
use crate::store::Conn as PgConnection;
use crate::store::holidays::{self as rows, HolidayRow};
use crate::store::{admin_log, scheduled, users};
use crate::workflow::engine::{self, Data, Waiting};
use crate::workflow::{Calendar, Registry};

use super::calendar::calendar_from;

/// The most dates one import or entry may bring.
pub const MAX_HOLIDAYS: usize = 1000;

/// The longest a single event may last, in days (a longer one is not a public holiday).
const MAX_EVENT_DAYS: i64 = 31;

/// The longest name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// What changes in a delegation's holidays.
#[derive(Debug, Clone)]
pub enum HolidayChange {
    /// These dates are holidays (a date already one takes the new name); `source` says where
    /// they came from, for the log (`ics`, `form`, `cli`).
    Put {
        holidays: Vec<HolidayRow>,
        source: &'static str,
    },
    /// This date is no longer a holiday.
    Remove(NaiveDate),
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Changed {
    pub added: usize,
    pub renamed: usize,
    pub removed: usize,
    /// Reminders and timers already scheduled that now fall due at another time.
    pub moved: usize,
}

/// The holidays of an iCalendar file: each event's days (from `DTSTART` up to `DTEND`, which
/// is not one of them; one day without it), recurring events (`RRULE`) repeated from `from` to
/// `until`, named by their `SUMMARY`. Times of day are ignored: a holiday is a date.
pub fn from_ics(text: &str, from: NaiveDate, until: NaiveDate) -> Result<Vec<HolidayRow>, CaseError> {
    let calendar: icalendar::Calendar = text
        .parse()
        .map_err(|_| CaseError::invalid("file", Problem::NotCalendar))?;
    let mut found = std::collections::BTreeMap::new();
    for event in calendar.calendar_events() {
        let Some(start) = event.get_start().map(|s| date_of(&s)) else {
            return Err(CaseError::invalid("file", Problem::NoStart));
        };
        let days = match event.get_end().map(|e| date_of(&e)) {
            Some(end) if end > start => (end - start).num_days(),
            _ => 1,
        };
        if days > MAX_EVENT_DAYS {
            return Err(CaseError::invalid(
                "file",
                Problem::EventTooLong { max: MAX_EVENT_DAYS },
            ));
        }
        let name: String = event
            .get_summary()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("Holiday")
            .chars()
            .take(MAX_NAME_CHARS)
            .collect();
        let starts: Vec<NaiveDate> = if event.property_value("RRULE").is_some() {
            let window =
                |date: NaiveDate| icalendar::Tz::UTC.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
            event
                .get_recurrence()
                .map_err(|_| CaseError::invalid("file", Problem::BadRule))?
                .after(window(from))
                .before(window(until))
                .all(u16::try_from(MAX_HOLIDAYS).unwrap_or(u16::MAX))
                .dates
                .iter()
                .map(|at| at.date_naive())
                .collect()
        } else {
            vec![start]
        };
        for first in starts {
            for offset in 0..days {
                let day = first + chrono::Duration::days(offset);
                if (from..=until).contains(&day) {
                    found.entry(day).or_insert_with(|| name.clone());
                }
            }
        }
        if found.len() > MAX_HOLIDAYS {
            return Err(CaseError::invalid(
                "file",
                Problem::TooManyHolidays { max: MAX_HOLIDAYS },
            ));
        }
    }
    Ok(found.into_iter().map(|(day, name)| HolidayRow { day, name }).collect())
}

fn date_of(when: &DatePerhapsTime) -> NaiveDate {
    match when {
        DatePerhapsTime::Date(date) => *date,
        DatePerhapsTime::DateTime(at) => match at {
            icalendar::CalendarDateTime::Floating(local) => local.date(),
            icalendar::CalendarDateTime::Utc(utc) => utc.date_naive(),
            icalendar::CalendarDateTime::WithTimezone { date_time, .. } => date_time.date(),
        },
    }
}

/// The window an import keeps: from a year back to five years ahead of `today`.
pub fn import_window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let back = today.with_year(today.year() - 1).unwrap_or(today);
    let ahead = today.with_year(today.year() + 5).unwrap_or(today);
    (back, ahead)
}

/// A holiday's date as written in a form or on the command line: `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<NaiveDate, CaseError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| CaseError::invalid("day", Problem::Day))
}

/// A holiday entered by hand: a date and a name.
pub fn entered(day: &str, name: &str) -> Result<HolidayRow, CaseError> {
    let mut issues = Vec::new();
    let day = match parse_day(day) {
        Ok(day) => Some(day),
        Err(CaseError::Invalid(problems)) => {
            issues.extend(problems);
            None
        }
        Err(other) => return Err(other),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        issues.push(FieldIssue {
            field: "name".into(),
            problem: Problem::OneLine { max: MAX_NAME_CHARS },
        });
    }
    match day {
        Some(day) if issues.is_empty() => Ok(HolidayRow {
            day,
            name: name.to_owned(),
        }),
        _ => Err(CaseError::Invalid(issues)),
    }
}

/// A delegation's holidays, for its own staff and the administrators.
pub fn holidays(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    delegation: &DelegationCode,
) -> Result<Vec<HolidayRow>, CaseError> {
    let own = ctx.caller.role.is_delegation_staff() && ctx.caller.delegation.as_ref() == Some(delegation);
    if !own && !ctx.caller.role.is_admin() {
        return Err(CaseError::Forbidden(crate::domain::Denied::ReadsHolidays));
    }
    Ok(rows::holidays_of(conn, delegation)?)
}

/// Changes a delegation's holidays, for administrators.
pub fn change_holidays(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    delegation: &DelegationCode,
    change: HolidayChange,
) -> Result<Changed, CaseError> {
    if !ctx.caller.role.is_admin() {
        return Err(CaseError::Forbidden(crate::domain::Denied::SetsHolidays));
    }
    apply(
        conn,
        ctx.registry,
        Some(ctx.caller.user_id),
        delegation,
        change,
        ctx.now,
    )
}

/// Changes a delegation's holidays as `actor` (None: the operator on the command line), moves
/// what is scheduled accordingly, and records it on the administrative log, in one transaction.
pub fn apply(
    conn: &mut PgConnection,
    registry: &Registry,
    actor: Option<UserId>,
    delegation: &DelegationCode,
    change: HolidayChange,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Changed, CaseError> {
    crate::store::transaction(conn, |conn| {
        let Some(office) = users::delegation(conn, delegation.as_str())? else {
            return Err(CaseError::NotFound);
        };
        let days = rows::holidays_of(conn, delegation)?
            .into_iter()
            .map(|h| h.day)
            .collect();
        let before = calendar_from(&office.time_zone, &office.weekend_days, days);
        // The calendar the change makes: its dates added, or its date taken away.
        let mut after = before.clone();
        match &change {
            HolidayChange::Put { holidays, .. } => after.holidays.extend(holidays.iter().map(|h| h.day)),
            HolidayChange::Remove(day) => {
                after.holidays.remove(day);
            }
        }
        let (mut changed, mut detail) = match change {
            HolidayChange::Put { holidays, source } => {
                if holidays.len() > MAX_HOLIDAYS {
                    return Err(CaseError::invalid(
                        "file",
                        Problem::TooManyHolidays { max: MAX_HOLIDAYS },
                    ));
                }
                let added = rows::put_holidays(conn, delegation, &holidays)?;
                let changed = Changed {
                    added,
                    renamed: holidays.len() - added,
                    removed: 0,
                    moved: 0,
                };
                let first = holidays.first().map(|h| h.day);
                let last = holidays.last().map(|h| h.day);
                (
                    changed,
                    serde_json::json!({"added": added, "renamed": changed.renamed, "source": source, "from": first, "until": last}),
                )
            }
            HolidayChange::Remove(day) => {
                let removed = usize::from(rows::remove_holiday(conn, delegation, day)?);
                (
                    Changed {
                        added: 0,
                        renamed: 0,
                        removed,
                        moved: 0,
                    },
                    serde_json::json!({"removed": removed, "day": day}),
                )
            }
        };
        if after != before {
            changed.moved = reschedule(conn, registry, delegation, &before, &after, now)?;
            detail["moved"] = changed.moved.into();
        }
        let entry = admin_log::NewEntry {
            actor,
            act: AdminAct::HolidaysChanged,
            subject: None,
            delegation: Some(delegation.clone()),
            detail,
        };
        admin_log::append(conn, &entry, now)?;
        Ok(changed)
    })
}

/// Moves the pending one-off reminders and timers of `delegation` from the calendar `before`
/// to `after`; how many moved. Each is recounted from plain rows (its procedure's plain fields
/// and the time it was scheduled): nothing sealed is opened.
fn reschedule(
    conn: &mut PgConnection,
    registry: &Registry,
    delegation: &DelegationCode,
    before: &Calendar,
    after: &Calendar,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, CaseError> {
    let mut moved = Vec::new();
    for item in scheduled::movable(conn, delegation, now)? {
        let Some(workflow) = registry.version(&item.workflow, &item.workflow_version) else {
            continue;
        };
        let owner_zone = item.owner_time_zone.as_deref().and_then(|zone| zone.parse().ok());
        let [before, after] = [before, after].map(|calendar| Calendar {
            owner_time_zone: owner_zone,
            ..calendar.clone()
        });
        let plain: Data = match &item.plain_data {
            serde_json::Value::Object(fields) => fields.clone().into_iter().collect(),
            _ => Data::new(),
        };
        let waiting = Waiting {
            state: &item.state,
            kind: item.kind,
            position: usize::try_from(item.position).unwrap_or(usize::MAX),
            entered: item.created_at,
            due_at: item.due_at,
            overdue_from: item.overdue_from,
        };
        if let Some((due_at, overdue_from)) = engine::moved(workflow, &waiting, &plain, &before, &after, now) {
            moved.push(scheduled::Moved {
                id: item.id,
                case_id: item.case_id,
                due_at,
                overdue_from,
            });
        }
    }
    scheduled::move_due(conn, delegation, &moved)?;
    Ok(moved.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    const KENYA: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Holidays//EN\r\n\
        BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261212\r\n\
        SUMMARY:Jamhuri Day\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:2\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261225\r\n\
        DTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas and Boxing Day\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:3\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20250601\r\n\
        RRULE:FREQ=YEARLY\r\nSUMMARY:Madaraka Day\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:4\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261020T000000Z\r\n\
        SUMMARY:Mashujaa Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn an_ics_file_gives_each_events_days_and_repeats_yearly_ones_in_the_window() {
        let found = from_ics(KENYA, date("2026-01-01"), date("2028-12-31")).unwrap();
        let days: Vec<(String, &str)> = found.iter().map(|h| (h.day.to_string(), h.name.as_str())).collect();
        assert_eq!(
            days,
            [
                ("2026-06-01".to_owned(), "Madaraka Day"),
                ("2026-10-20".to_owned(), "Mashujaa Day"),
                ("2026-12-12".to_owned(), "Jamhuri Day"),
                ("2026-12-25".to_owned(), "Christmas and Boxing Day"),
                ("2026-12-26".to_owned(), "Christmas and Boxing Day"),
                ("2027-06-01".to_owned(), "Madaraka Day"),
                ("2028-06-01".to_owned(), "Madaraka Day"),
            ]
        );
    }

    #[test]
    fn what_is_not_a_holiday_calendar_is_refused_without_repeating_it() {
        for bad in [
            "not a calendar at all SECRET",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:SECRET\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260401\r\nSUMMARY:SECRET\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ] {
            let refused = from_ics(bad, date("2026-01-01"), date("2030-01-01")).unwrap_err();
            assert!(!format!("{refused:?}").contains("SECRET"), "{refused:?}");
            assert!(matches!(refused, CaseError::Invalid(_)), "{refused:?}");
        }
    }

    #[test]
    fn a_holiday_entered_by_hand_needs_a_date_and_a_one_line_name() {
        assert_eq!(entered(" 2026-12-25 ", " Christmas ").unwrap().name, "Christmas");
        for (day, name) in [("25/12/2026", "Christmas"), ("2026-12-25", ""), ("2026-12-25", "a\nb")] {
            assert!(entered(day, name).is_err(), "{day} {name}");
        }
        assert_eq!(
            import_window(date("2026-12-04")),
            (date("2025-12-04"), date("2031-12-04"))
        );
    }
}
