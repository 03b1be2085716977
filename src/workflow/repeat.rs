//! Repeating schedules: the five-field cron form people write (`minute hour day-of-month month
//! day-of-week`, day-of-week 0 or 7 for Sunday, 1 for Monday … 6 for Saturday, or names such as
//! `MON-FRI`), evaluated on a calendar's local wall-clock time.
//!
//! The `cron` crate wants a seconds field and counts day-of-week from Sunday = 1, so a schedule
//! is translated once, when it is parsed. Restricting both day-of-month and day-of-week is
//! refused: Vixie cron fires when either matches, the `cron` crate when both do, and a
//! workflow should not depend on which reading a reader assumes.
//!
//! Across DST changes, a wall time that occurs twice fires once (at its first occurrence) and
//! a wall time that does not exist (in a spring-forward gap) fires at the end of the gap.

use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};

use super::calendar::Calendar;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{expression}` is not a schedule: {reason}")]
pub struct BadSchedule {
    pub expression: String,
    pub reason: String,
}

/// A validated five-field cron schedule.
#[derive(Debug, Clone)]
pub struct Repeat {
    source: String,
    schedule: cron::Schedule,
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl FromStr for Repeat {
    type Err = BadSchedule;

    fn from_str(expression: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| BadSchedule {
            expression: expression.to_owned(),
            reason: reason.to_owned(),
        };
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let [minute, hour, day_of_month, month, day_of_week] = fields[..] else {
            return Err(bad(
                "write five fields: minute hour day-of-month month day-of-week, such as `0 9 * * MON`",
            ));
        };
        if day_of_month != "*" && day_of_month != "?" && day_of_week != "*" && day_of_week != "?" {
            return Err(bad("restrict day-of-month or day-of-week, not both"));
        }
        let day_of_week = translate_days_of_week(day_of_week).map_err(|reason| bad(&reason))?;
        let full = format!("0 {minute} {hour} {day_of_month} {month} {day_of_week}");
        let schedule = cron::Schedule::from_str(&full).map_err(|e| bad(&e.to_string()))?;
        Ok(Self {
            source: expression.to_owned(),
            schedule,
        })
    }
}

/// Numeric days of week in the usual reading (0 or 7 Sunday … 6 Saturday) become names, which
/// the `cron` crate reads unambiguously; names and `*` pass through.
fn translate_days_of_week(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".to_owned());
    }
    let mut days = Vec::new();
    for item in field.split(',') {
        if item.chars().any(|c| c.is_ascii_alphabetic()) {
            days.push(item.to_ascii_uppercase());
            continue;
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (
                range,
                step.parse::<usize>().map_err(|_| format!("bad step in `{item}`"))?,
            ),
            None => (item, 1),
        };
        if step == 0 {
            return Err(format!("bad step in `{item}`"));
        }
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (day_number(a)?, day_number(b)?),
            None if range == "*" => (0, 6),
            None => (day_number(range)?, day_number(range)?),
        };
        if first > last {
            return Err(format!("day range `{range}` runs backwards"));
        }
        days.extend((first..=last).step_by(step).map(|day| DAY_NAMES[day % 7].to_owned()));
    }
    days.dedup();
    Ok(days.join(","))
}

fn day_number(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|day| *day <= 7)
        .ok_or_else(|| format!("`{text}` is not a day of week (0 to 7)"))
}

impl Repeat {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first occurrence strictly after `after`, in `calendar`'s local time.
    pub fn next_after(&self, calendar: &Calendar, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // The schedule runs on "floating" wall-clock time: local times written as if UTC, so
        // the cron crate never sees a DST change; each candidate is then placed in the zone.
        let floating_start = Utc.from_utc_datetime(&calendar.local(after)) - chrono::Duration::hours(3);
        self.schedule
            .after(&floating_start)
            .take(5000)
            .map(|floating| calendar.instant(floating.naive_utc()))
            .find(|instant| *instant > after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn brussels() -> Calendar {
        Calendar {
            time_zone: chrono_tz::Europe::Brussels,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            holidays: Default::default(),
            owner_time_zone: None,
        }
    }

    #[test]
    fn monday_is_1_and_sunday_is_0_or_7_as_people_write_it() {
        let calendar = Calendar::default();
        let saturday = utc("2026-11-28T12:00:00Z");
        let monday: Repeat = "0 9 * * 1".parse().unwrap();
        assert_eq!(
            monday.next_after(&calendar, saturday),
            Some(utc("2026-11-30T09:00:00Z"))
        );
        for sunday in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"] {
            let repeat: Repeat = sunday.parse().unwrap();
            assert_eq!(
                repeat.next_after(&calendar, saturday),
                Some(utc("2026-11-29T09:00:00Z")),
                "{sunday}"
            );
        }
        let weekdays: Repeat = "30 8 * * 1-5".parse().unwrap();
        assert_eq!(
            weekdays.next_after(&calendar, saturday),
            Some(utc("2026-11-30T08:30:00Z"))
        );
    }

    #[test]
    fn bad_schedules_are_refused_with_a_reason() {
        for bad in [
            "0 9 * *",
            "0 9 * * * *",
            "0 9 1 * MON",
            "61 9 * * *",
            "0 9 * * 8",
            "0 9 * * 5-1",
            "x y z a b",
        ] {
            assert!(bad.parse::<Repeat>().is_err(), "{bad}");
        }
    }

    #[test]
    fn times_are_local_to_the_calendar() {
        let repeat: Repeat = "0 9 * * *".parse().unwrap();
        // 09:00 in Brussels in winter is 08:00 UTC.
        assert_eq!(
            repeat.next_after(&brussels(), utc("2026-11-28T12:00:00Z")),
            Some(utc("2026-11-29T08:00:00Z"))
        );
    }

    #[test]
    fn a_wall_time_that_occurs_twice_fires_once() {
        // On 25 October 2026 Brussels goes from 03:00 CEST back to 02:00 CET: 02:30 happens twice.
        let repeat: Repeat = "30 2 * * *".parse().unwrap();
        let calendar = brussels();
        let first = repeat.next_after(&calendar, utc("2026-10-24T12:00:00Z")).unwrap();
        assert_eq!(first, utc("2026-10-25T00:30:00Z"));
        let second = repeat.next_after(&calendar, first).unwrap();
        assert_eq!(second, utc("2026-10-26T01:30:00Z"), "fired twice in the repeated hour");
    }

    #[test]
    fn a_wall_time_in_a_gap_fires_at_the_end_of_the_gap_once() {
        // On 29 March 2026 Brussels skips from 02:00 to 03:00: 02:30 does not exist that day.
        let repeat: Repeat = "30 2 * * *".parse().unwrap();
        let calendar = brussels();
        let fired = repeat.next_after(&calendar, utc("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(fired, utc("2026-03-29T01:00:00Z"));
        assert_eq!(
            repeat.next_after(&calendar, fired).unwrap(),
            utc("2026-03-30T00:30:00Z")
        );
    }

    #[test]
    fn an_hourly_schedule_fires_every_hour_through_both_dst_changes() {
        let repeat: Repeat = "0 * * * *".parse().unwrap();
        let calendar = brussels();
        for start in ["2026-03-28T20:00:00Z", "2026-10-24T20:00:00Z"] {
            let mut at = utc(start);
            let mut fired = Vec::new();
            for _ in 0..12 {
                at = repeat.next_after(&calendar, at).unwrap();
                fired.push(at);
            }
            for pair in fired.windows(2) {
                let gap = pair[1] - pair[0];
                // One hour apart, except across a gap or a repeated hour, but never zero or negative.
                assert!(
                    gap > chrono::Duration::zero() && gap <= chrono::Duration::hours(2),
                    "{pair:?}"
                );
            }
        }
    }
}
