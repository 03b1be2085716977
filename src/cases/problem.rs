//! What is wrong with one field of a request, as a type: what the field expects, never what was
//! sent. Its English words ([`std::fmt::Display`]) are the API's `problem`; the web interface
//! says it in the page's language, from the Fluent text [`Problem::key`] names with
//! [`Problem::args`].

use crate::domain::{NotInVocabulary, Role};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    // What a case says.
    #[error("must be an ISO 3166-1 alpha-2 code such as KE")]
    Country,
    #[error("name at least one theme")]
    NoTheme,
    #[error("holds a code that is not a theme (see the theme list)")]
    NotThemes,
    #[error("is not a theme code (see the theme list)")]
    NotTheme,
    #[error("must be low, medium, high or critical")]
    Risk,
    #[error("is required and must be a non-empty string")]
    RequiredText,
    #[error("must be a non-empty string")]
    EmptyText,
    #[error("cannot be removed")]
    NotRemovable,
    #[error("must be an active focal point or head of delegation of the case's delegation")]
    Owner,
    #[error("is not a loaded workflow (see GET /api/v1/workflows)")]
    UnknownWorkflow,
    #[error("names no case (references look like VG-2026-00042)")]
    NoSuchReference,
    #[error("is not a procedure of this case")]
    NotCaseProcedure,
    #[error("must be a procedure's id")]
    NotProcedureId,
    // Texts, pages and lists.
    #[error("must not contain a NUL character")]
    Nul,
    #[error("must be given")]
    Required,
    #[error("is missing")]
    Missing,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must be 1 to {max} characters")]
    Length { max: usize },
    #[error("must be 1 to {max} characters, on one line")]
    OneLine { max: usize },
    #[error("must be from 1 to {max}")]
    PageSize { max: i64 },
    #[error("must be a sequence number, 0 or more")]
    SequenceNumber,
    #[error("must be newest or due")]
    Sort,
    #[error("is not a cursor from a previous page of this order")]
    Cursor,
    #[error("{0}")]
    NotInVocabulary(NotInVocabulary),
    // People and their settings.
    #[error("must be one of focal_point, head_of_delegation, eusr_reviewer, admin")]
    GrantRole,
    #[error("a {0} belongs to a delegation: name it")]
    DelegationNeeded(Role),
    #[error("a {0} belongs to no delegation: leave it out")]
    NoDelegation(Role),
    #[error("names no delegation")]
    NoSuchDelegation,
    #[error("is not an email address")]
    NotEmail,
    #[error("belongs to a user already")]
    EmailTaken,
    #[error("is the user's role already, in the same delegation")]
    SameRole,
    #[error("names a user who is not disabled")]
    NotDisabled,
    #[error("must be a time zone such as Europe/Brussels")]
    TimeZone,
    #[error("must be a language code such as en or fr")]
    Language,
    #[error("must be one age X25519 recipient (age1…)")]
    Recipient,
    // Files.
    #[error("must be a file name, without a path")]
    NotFileName,
    #[error("must not hold control characters")]
    ControlCharacters,
    #[error("must not be empty: an attachment is a file with bytes")]
    EmptyFile,
    #[error("must be given in Content-Disposition (attachment; filename*=UTF-8''…)")]
    NoFileName,
    #[error("is not text")]
    NotText,
    #[error("is not an iCalendar (.ics) file")]
    NotCalendar,
    #[error("has an event without a start date (DTSTART)")]
    NoStart,
    #[error("has a recurring event whose rule (RRULE) cannot be read")]
    BadRule,
    #[error("has an event longer than {max} days, which is no public holiday")]
    EventTooLong { max: i64 },
    #[error("holds more than {max} holidays")]
    TooManyHolidays { max: usize },
    #[error("must be a date, as 2026-12-25")]
    Day,
    // Reports.
    #[error("must be a year, YYYY")]
    Year,
    #[error("must be a month, YYYY-MM")]
    Month,
    #[error("names a dimension twice")]
    DimensionTwice,
    #[error("workflow, state and outcome are the procedures report's")]
    ProceduresOnly,
    #[error("takes at most two dimensions")]
    TooManyDimensions,
    #[error("takes only {0}")]
    Parameters(&'static str),
    #[error("is not a {0} this report knows")]
    UnknownValue(&'static str),
    #[error("cannot be both a filter and a grouping")]
    FilterAndGrouping,
    #[error("filters the procedures report only")]
    ProceduresFilter,
    #[error("is before from")]
    BeforeFrom,
    #[error("makes a period longer than {max} months")]
    PeriodTooLong { max: u32 },
    #[error("must be csv (or absent, for JSON)")]
    Format,
}

impl Problem {
    /// The Fluent text of the web interface that says it (`issue-…`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::Country => "issue-country",
            Self::NoTheme => "issue-no-theme",
            Self::NotThemes => "issue-not-themes",
            Self::NotTheme => "issue-not-theme",
            Self::Risk => "issue-risk",
            Self::RequiredText => "issue-required-text",
            Self::EmptyText => "issue-empty-text",
            Self::NotRemovable => "issue-not-removable",
            Self::Owner => "issue-owner",
            Self::UnknownWorkflow => "issue-unknown-workflow",
            Self::NoSuchReference => "issue-no-such-reference",
            Self::NotCaseProcedure => "issue-not-case-procedure",
            Self::NotProcedureId => "issue-not-procedure-id",
            Self::Nul => "issue-nul",
            Self::Required => "issue-required",
            Self::Missing => "issue-missing",
            Self::TooLong { .. } => "issue-too-long",
            Self::Length { .. } => "issue-length",
            Self::OneLine { .. } => "issue-one-line",
            Self::PageSize { .. } => "issue-page-size",
            Self::SequenceNumber => "issue-sequence-number",
            Self::Sort => "issue-sort",
            Self::Cursor => "issue-cursor",
            Self::NotInVocabulary(_) => "issue-not-in-vocabulary",
            Self::GrantRole => "issue-grant-role",
            Self::DelegationNeeded(_) => "issue-delegation-needed",
            Self::NoDelegation(_) => "issue-no-delegation",
            Self::NoSuchDelegation => "issue-no-such-delegation",
            Self::NotEmail => "issue-not-email",
            Self::EmailTaken => "issue-email-taken",
            Self::SameRole => "issue-same-role",
            Self::NotDisabled => "issue-not-disabled",
            Self::TimeZone => "issue-time-zone",
            Self::Language => "issue-language",
            Self::Recipient => "issue-recipient",
            Self::NotFileName => "issue-not-file-name",
            Self::ControlCharacters => "issue-control-characters",
            Self::EmptyFile => "issue-empty-file",
            Self::NoFileName => "issue-no-file-name",
            Self::NotText => "issue-not-text",
            Self::NotCalendar => "issue-not-calendar",
            Self::NoStart => "issue-no-start",
            Self::BadRule => "issue-bad-rule",
            Self::EventTooLong { .. } => "issue-event-too-long",
            Self::TooManyHolidays { .. } => "issue-too-many-holidays",
            Self::Day => "issue-day",
            Self::Year => "issue-year",
            Self::Month => "issue-month",
            Self::DimensionTwice => "issue-dimension-twice",
            Self::ProceduresOnly => "issue-procedures-only",
            Self::TooManyDimensions => "issue-too-many-dimensions",
            Self::Parameters(_) => "issue-parameters",
            Self::UnknownValue(_) => "issue-unknown-value",
            Self::FilterAndGrouping => "issue-filter-and-grouping",
            Self::ProceduresFilter => "issue-procedures-filter",
            Self::BeforeFrom => "issue-before-from",
            Self::PeriodTooLong { .. } => "issue-period-too-long",
            Self::Format => "issue-format",
        }
    }

    /// The arguments its text takes: limits, and names of codes (never a value sent).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::TooLong { max } | Self::Length { max } | Self::OneLine { max } | Self::TooManyHolidays { max } => {
                vec![("max", max.to_string())]
            }
            Self::PageSize { max } | Self::EventTooLong { max } => vec![("max", max.to_string())],
            Self::PeriodTooLong { max } => vec![("max", max.to_string())],
            Self::NotInVocabulary(NotInVocabulary(values)) => vec![("values", (*values).to_owned())],
            Self::DelegationNeeded(role) | Self::NoDelegation(role) => vec![("role", role.as_str().to_owned())],
            Self::Parameters(names) | Self::UnknownValue(names) => vec![("names", (*names).to_owned())],
            _ => Vec::new(),
        }
    }

    /// One of each kind, for the tests that every one is said in every language.
    #[cfg(test)]
    pub fn samples() -> Vec<Problem> {
        vec![
            Self::Country,
            Self::NoTheme,
            Self::NotThemes,
            Self::NotTheme,
            Self::Risk,
            Self::RequiredText,
            Self::EmptyText,
            Self::NotRemovable,
            Self::Owner,
            Self::UnknownWorkflow,
            Self::NoSuchReference,
            Self::NotCaseProcedure,
            Self::NotProcedureId,
            Self::Nul,
            Self::Required,
            Self::Missing,
            Self::TooLong { max: 200 },
            Self::Length { max: 200 },
            Self::OneLine { max: 200 },
            Self::PageSize { max: 100 },
            Self::SequenceNumber,
            Self::Sort,
            Self::Cursor,
            Self::NotInVocabulary(NotInVocabulary("low, high")),
            Self::GrantRole,
            Self::DelegationNeeded(Role::FocalPoint),
            Self::NoDelegation(Role::Admin),
            Self::NoSuchDelegation,
            Self::NotEmail,
            Self::EmailTaken,
            Self::SameRole,
            Self::NotDisabled,
            Self::TimeZone,
            Self::Language,
            Self::Recipient,
            Self::NotFileName,
            Self::ControlCharacters,
            Self::EmptyFile,
            Self::NoFileName,
            Self::NotText,
            Self::NotCalendar,
            Self::NoStart,
            Self::BadRule,
            Self::EventTooLong { max: 31 },
            Self::TooManyHolidays { max: 1000 },
            Self::Day,
            Self::Year,
            Self::Month,
            Self::DimensionTwice,
            Self::ProceduresOnly,
            Self::TooManyDimensions,
            Self::Parameters("from, to"),
            Self::UnknownValue("theme"),
            Self::FilterAndGrouping,
            Self::ProceduresFilter,
            Self::BeforeFrom,
            Self::PeriodTooLong { max: 60 },
            Self::Format,
        ]
    }
}

/// As its English words, where a problem is sent (JSON).
impl serde::Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_text_of_its_own() {
        let samples = Problem::samples();
        let mut keys: Vec<&str> = samples.iter().map(Problem::key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), samples.len(), "one text for each kind of problem");
    }
}
