//! Durations (`48h`, `3d`, `2w`, `5wd`) and the calendar they are counted in: a delegation's
//! time zone and the days its office does not work (its weekend and its public holidays).

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration as ChronoDuration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// A delegation's calendar. Days and working days keep the local wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub time_zone: Tz,
    /// The days of the week the office does not work; never all seven.
    pub weekend: Vec<Weekday>,
    /// The dates the office does not work whatever their weekday: its public holidays.
    pub holidays: BTreeSet<NaiveDate>,
    /// The case owner's own time zone, when they have one: reminders to the owner alone
    /// repeat on their wall clock (see [`Calendar::for_recipients`]).
    pub owner_time_zone: Option<Tz>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self {
            time_zone: Tz::UTC,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            holidays: BTreeSet::new(),
            owner_time_zone: None,
        }
    }
}

/// The local time a reminder relative to a date (with no time of day) is due at.
pub const DAY_START: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(time) => time,
    None => panic!("09:00 is a valid time"),
};

/// The end of working hours, local time: a reminder sent late waits for the next morning.
pub const DAY_END: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(time) => time,
    None => panic!("17:00 is a valid time"),
};

impl Calendar {
    /// The calendar a repeating reminder to `to` runs on: the owner's time zone when the
    /// reminder goes to the owner alone and they have one, else the delegation's. (A reminder
    /// to several people has one due time; it follows the office they share.)
    pub fn for_recipients(&self, to: &[String]) -> Calendar {
        match (to, self.owner_time_zone) {
            ([only], Some(time_zone)) if only == "owner" => Calendar {
                time_zone,
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !self.weekend.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    /// The instant of a local wall-clock time: the earlier one when the clock goes back and
    /// the time occurs twice, the first valid minute after a gap when the clock goes forward.
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut probe = local;
        // A DST gap is at most a few hours; a minute-by-minute walk finds its end.
        for _ in 0..(24 * 60) {
            if let Some(instant) = self.time_zone.from_local_datetime(&probe).earliest() {
                return instant.with_timezone(&Utc);
            }
            probe += ChronoDuration::minutes(1);
        }
        Utc.from_utc_datetime(&local)
    }

    pub fn local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.time_zone).naive_local()
    }

    /// The start of a date-only field's day: 09:00 local time.
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        self.instant(date.and_time(DAY_START))
    }

    /// `instant` when it falls in working hours (from 09:00 to 17:00 local on a working day),
    /// else the start of the next working hours.
    pub fn next_working_moment(&self, instant: DateTime<Utc>) -> DateTime<Utc> {
        let local = self.local(instant);
        let (date, time) = (local.date(), local.time());
        if self.is_working_day(date) && (DAY_START..DAY_END).contains(&time) {
            return instant;
        }
        let mut day = if time < DAY_START {
            date
        } else {
            date + ChronoDuration::days(1)
        };
        // A delegation works at least one day a week (`commands::parse_weekend`), so days off
        // in a row are at most six of the weekend and every holiday.
        for _ in 0..(7 + self.holidays.len()) {
            if self.is_working_day(day) {
                break;
            }
            day += ChronoDuration::days(1);
        }
        self.day_start(day)
    }

    /// The start (09:00 local) of the day `instant` falls on.
    pub fn start_of_day_of(&self, instant: DateTime<Utc>) -> DateTime<Utc> {
        self.day_start(self.local(instant).date())
    }

    /// `instant` moved by `duration`, forwards or backwards.
    pub fn shift(&self, instant: DateTime<Utc>, duration: Duration, direction: Direction) -> DateTime<Utc> {
        let sign = match direction {
            Direction::Forward => 1,
            Direction::Backward => -1,
        };
        match duration {
            Duration::Hours(hours) => instant + ChronoDuration::hours(sign * i64::from(hours)),
            Duration::Days(days) => self.shift_local_days(instant, sign * i64::from(days)),
            Duration::Weeks(weeks) => self.shift_local_days(instant, sign * 7 * i64::from(weeks)),
            Duration::WorkingDays(days) => self.shift_working_days(instant, days, direction),
        }
    }

    fn shift_local_days(&self, instant: DateTime<Utc>, days: i64) -> DateTime<Utc> {
        let local = self.local(instant);
        self.instant(local + ChronoDuration::days(days))
    }

    /// Counts `days` working days from `instant`'s local date, keeping its time of day: five
    /// working days after a Thursday is the next Thursday with a Saturday–Sunday weekend.
    /// Starting on a day off counts from the next working day.
    fn shift_working_days(&self, instant: DateTime<Utc>, days: u32, direction: Direction) -> DateTime<Utc> {
        let local = self.local(instant);
        let step = match direction {
            Direction::Forward => ChronoDuration::days(1),
            Direction::Backward => ChronoDuration::days(-1),
        };
        let mut date = local.date();
        let mut left = days;
        while left > 0 {
            date += step;
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        self.instant(date.and_time(local.time()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// A duration as written in a workflow file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    Hours(u32),
    /// Calendar days: the same local time so many days later.
    Days(u32),
    Weeks(u32),
    /// Days the delegation works.
    WorkingDays(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a duration: write a whole number and a unit, h (hours), d (days), w (weeks) or wd (working days), such as 48h, 3d or 5wd"
)]
pub struct BadDuration(pub String);

impl std::str::FromStr for Duration {
    type Err = BadDuration;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadDuration(text.to_owned());
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(split);
        let number: u32 = number.parse().map_err(|_| bad())?;
        if number == 0 || number > 3650 {
            return Err(bad());
        }
        match unit {
            "h" => Ok(Self::Hours(number)),
            "d" => Ok(Self::Days(number)),
            "w" => Ok(Self::Weeks(number)),
            "wd" => Ok(Self::WorkingDays(number)),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Hours(n) => write!(f, "{n}h"),
            Self::Days(n) => write!(f, "{n}d"),
            Self::Weeks(n) => write!(f, "{n}w"),
            Self::WorkingDays(n) => write!(f, "{n}wd"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn durations_parse_in_every_unit_and_refuse_the_rest() {
        assert_eq!("48h".parse(), Ok(Duration::Hours(48)));
        assert_eq!("3d".parse(), Ok(Duration::Days(3)));
        assert_eq!("2w".parse(), Ok(Duration::Weeks(2)));
        assert_eq!("5wd".parse(), Ok(Duration::WorkingDays(5)));
        for bad in ["", "5", "d", "0d", "-1d", "1.5d", "3 d", "5y", "99999d"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_next_working_moment_is_now_in_working_hours_else_the_next_morning_that_works() {
        let calendar = Calendar::default();
        for (now, next) in [
            ("2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z"), // Thursday, working
            ("2026-11-26T07:30:00Z", "2026-11-26T09:00:00Z"), // before 09:00
            ("2026-11-26T17:00:00Z", "2026-11-27T09:00:00Z"), // at 17:00: the next day
            ("2026-11-27T18:00:00Z", "2026-11-30T09:00:00Z"), // Friday evening: Monday
            ("2026-11-28T12:00:00Z", "2026-11-30T09:00:00Z"), // Saturday
        ] {
            assert_eq!(calendar.next_working_moment(utc(now)), utc(next), "{now}");
        }
        // In the delegation's own hours: 18:00 in Nairobi is 15:00 UTC.
        let nairobi = Calendar {
            time_zone: chrono_tz::Africa::Nairobi,
            ..Calendar::default()
        };
        assert_eq!(
            nairobi.next_working_moment(utc("2026-11-26T15:00:00Z")),
            utc("2026-11-27T06:00:00Z")
        );
    }

    #[test]
    fn five_working_days_after_thursday_is_next_thursday() {
        let calendar = Calendar::default();
        let thursday = utc("2026-11-26T10:00:00Z");
        assert_eq!(
            calendar.shift(thursday, Duration::WorkingDays(5), Direction::Forward),
            utc("2026-12-03T10:00:00Z")
        );
        assert_eq!(
            calendar.shift(thursday, Duration::WorkingDays(1), Direction::Forward),
            utc("2026-11-27T10:00:00Z")
        );
        assert_eq!(
            calendar.shift(thursday, Duration::WorkingDays(2), Direction::Forward),
            utc("2026-11-30T10:00:00Z")
        );
    }

    #[test]
    fn holidays_are_days_off_for_working_days_and_the_next_working_moment() {
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        // Jamhuri Day (Saturday 12 December 2026 here moved to a Friday for the test's sake),
        // and Christmas and Boxing Day: Friday 25 and Monday 28 December off.
        let calendar = Calendar {
            holidays: [date("2026-12-11"), date("2026-12-25"), date("2026-12-28")].into(),
            ..Calendar::default()
        };
        assert!(!calendar.is_working_day(date("2026-12-25")));
        assert!(calendar.is_working_day(date("2026-12-24")));
        // Two working days after Thursday 10 December: Tuesday 15 (Friday 11 is a holiday).
        assert_eq!(
            calendar.shift(
                utc("2026-12-10T10:00:00Z"),
                Duration::WorkingDays(2),
                Direction::Forward
            ),
            utc("2026-12-15T10:00:00Z")
        );
        // Thursday 24 December after hours: Tuesday 29 at 09:00, past a four-day break.
        assert_eq!(
            calendar.next_working_moment(utc("2026-12-24T18:00:00Z")),
            utc("2026-12-29T09:00:00Z")
        );
        // Backwards too: one working day before Tuesday 29 December is Thursday 24.
        assert_eq!(
            calendar.shift(
                utc("2026-12-29T10:00:00Z"),
                Duration::WorkingDays(1),
                Direction::Backward
            ),
            utc("2026-12-24T10:00:00Z")
        );
        // A run of holidays longer than a week is crossed, not given up on.
        let long = Calendar {
            holidays: (1..=20).map(|d| date(&format!("2027-01-{d:02}"))).collect(),
            ..Calendar::default()
        };
        assert_eq!(
            long.next_working_moment(utc("2027-01-01T10:00:00Z")),
            utc("2027-01-21T09:00:00Z")
        );
    }

    #[test]
    fn a_reminder_to_the_owner_alone_follows_the_owners_time_zone() {
        let calendar = Calendar {
            time_zone: chrono_tz::Africa::Nairobi,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            holidays: Default::default(),
            owner_time_zone: Some(chrono_tz::Europe::Brussels),
        };
        let owner = calendar.for_recipients(&["owner".into()]);
        assert_eq!(owner.time_zone, chrono_tz::Europe::Brussels);
        assert_eq!(owner.weekend, calendar.weekend);
        let both = calendar.for_recipients(&["owner".into(), "head_of_delegation".into()]);
        assert_eq!(both.time_zone, chrono_tz::Africa::Nairobi);
        let none = Calendar {
            owner_time_zone: None,
            ..calendar
        };
        assert_eq!(
            none.for_recipients(&["owner".into()]).time_zone,
            chrono_tz::Africa::Nairobi
        );
    }

    #[test]
    fn a_friday_saturday_weekend_is_honoured() {
        let calendar = Calendar {
            time_zone: chrono_tz::Asia::Riyadh,
            weekend: vec![Weekday::Fri, Weekday::Sat],
            holidays: Default::default(),
            owner_time_zone: None,
        };
        // Thursday 12:00 in Riyadh (09:00 UTC): one working day later is Sunday.
        let thursday = utc("2026-11-26T09:00:00Z");
        assert_eq!(
            calendar.shift(thursday, Duration::WorkingDays(1), Direction::Forward),
            utc("2026-11-29T09:00:00Z")
        );
    }

    #[test]
    fn working_days_backwards_skip_the_weekend() {
        let calendar = Calendar::default();
        let monday = utc("2026-11-30T09:00:00Z");
        assert_eq!(
            calendar.shift(monday, Duration::WorkingDays(1), Direction::Backward),
            utc("2026-11-27T09:00:00Z")
        );
    }

    #[test]
    fn days_keep_the_local_time_across_a_dst_change() {
        let calendar = Calendar {
            time_zone: chrono_tz::Europe::Brussels,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            holidays: Default::default(),
            owner_time_zone: None,
        };
        // 09:00 in Brussels on Saturday 24 October 2026 (CEST, UTC+2); DST ends on the 25th.
        let before = utc("2026-10-24T07:00:00Z");
        assert_eq!(
            calendar.shift(before, Duration::Days(1), Direction::Forward),
            utc("2026-10-25T08:00:00Z")
        );
        assert_eq!(
            calendar.shift(before, Duration::Hours(24), Direction::Forward),
            utc("2026-10-25T07:00:00Z")
        );
    }

    #[test]
    fn a_wall_time_in_a_dst_gap_moves_to_the_end_of_the_gap() {
        let calendar = Calendar {
            time_zone: chrono_tz::Europe::Brussels,
            weekend: vec![],
            holidays: Default::default(),
            owner_time_zone: None,
        };
        // 02:30 on 29 March 2026 does not exist in Brussels; 03:00 CEST is 01:00 UTC.
        let local = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(calendar.instant(local), utc("2026-03-29T01:00:00Z"));
    }
}
