//! The checks of what a request says about a case, one set for opening, editing and listing.
//! Each names the field at fault and says what is expected; none quotes what was sent.

use serde_json::{Map, Value};

use super::scope::owner_fits;
use super::{CaseError, FieldIssue, Problem, issue};
use crate::domain::DelegationCode;
use crate::domain::Risk;
use crate::domain::UserId;
use crate::domain::{Sensitive, is_country, is_theme};
use crate::store::Conn as PgConnection;

/// The problems found so far; [`Checks::finish`] turns them into one refusal.
#[derive(Debug, Default)]
pub(super) struct Checks {
    issues: Vec<FieldIssue>,
}

impl Checks {
    pub(super) fn push(&mut self, field: &str, problem: Problem) {
        self.issues.push(issue(field, problem));
    }

    pub(super) fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }

    /// `Ok` when nothing was found, else every problem at once.
    pub(super) fn finish(self) -> Result<(), CaseError> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(CaseError::Invalid(self.issues))
        }
    }

    pub(super) fn into_error(self) -> CaseError {
        CaseError::Invalid(self.issues)
    }

    pub(super) fn country(&mut self, country: Option<&str>) {
        if country.is_some_and(|code| !is_country(code)) {
            self.push("country", Problem::Country);
        }
    }

    /// A case's themes: at least one, each a theme code; returns them without repeats.
    pub(super) fn themes(&mut self, themes: &[String]) -> Vec<String> {
        if themes.is_empty() {
            self.push("themes", Problem::NoTheme);
        }
        let mut kept: Vec<String> = Vec::new();
        if themes.iter().any(|theme| !is_theme(theme)) {
            self.push("themes", Problem::NotThemes);
        }
        for theme in themes {
            if is_theme(theme) && !kept.contains(theme) {
                kept.push(theme.clone());
            }
        }
        kept
    }

    /// A name the list filters by (a workflow, a step, a queue, a delegation): anything but a
    /// NUL character, which PostgreSQL keeps in no text.
    pub(super) fn name(&mut self, field: &str, name: Option<&str>) {
        if name.is_some_and(|name| name.contains('\0')) {
            self.push(field, Problem::Nul);
        }
    }

    /// One theme, as the list filters by.
    pub(super) fn theme(&mut self, theme: Option<&str>) {
        if theme.is_some_and(|code| !is_theme(code)) {
            self.push("theme", Problem::NotTheme);
        }
    }

    /// A risk level, if one was sent: its name parsed, or the field refused.
    pub(super) fn risk(&mut self, risk: Option<&str>) -> Option<Risk> {
        let parsed = risk.map(str::parse::<Risk>);
        if let Some(Err(_)) = parsed {
            self.push("risk", Problem::Risk);
        }
        parsed.and_then(Result::ok)
    }

    /// A new case's defender name: required, a non-empty string.
    pub(super) fn defender_name(&mut self, confidential: &Sensitive<Map<String, Value>>) -> Option<Sensitive<String>> {
        match confidential.expose().get("defender_name") {
            Some(Value::String(name)) if !name.trim().is_empty() => Some(Sensitive::new(name.clone())),
            _ => {
                self.push("confidential.defender_name", Problem::RequiredText);
                None
            }
        }
    }

    /// A change of the defender name: absent, or a non-empty string; never removed.
    pub(super) fn defender_name_change(&mut self, confidential: Option<&Sensitive<Map<String, Value>>>) {
        match confidential.and_then(|c| c.expose().get("defender_name")) {
            Some(Value::Null) => self.push("confidential.defender_name", Problem::NotRemovable),
            Some(Value::String(name)) if !name.trim().is_empty() => {}
            Some(_) => self.push("confidential.defender_name", Problem::EmptyText),
            None => {}
        }
    }

    /// An owner other than the caller: an active focal point or head of the case's delegation.
    pub(super) fn owner(
        &mut self,
        conn: &mut PgConnection,
        field: &str,
        owner: Option<UserId>,
        delegation: &DelegationCode,
    ) -> Result<(), CaseError> {
        if let Some(owner) = owner
            && !owner_fits(conn, owner, delegation)?
        {
            self.push(field, Problem::Owner);
        }
        Ok(())
    }
}

/// A page of an ordered read, and whether more follow it.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub more: bool,
}

impl<T> Paged<T> {
    /// The page of `limit` from `fetched`, which asked for one item more than `limit`.
    pub(super) fn of(mut fetched: Vec<T>, limit: i64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = fetched.len() > limit;
        fetched.truncate(limit);
        Self { items: fetched, more }
    }
}

/// The size of a page (`limit`, or `default` when absent) and its cursor, checked: the size
/// from 1 to `max`, the cursor (the sequence number it starts after or before) not negative.
pub(super) fn page(cursor: (&str, Option<i64>), limit: Option<i64>, default: i64, max: i64) -> Result<i64, CaseError> {
    let mut checks = Checks::default();
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        checks.push("limit", Problem::PageSize { max });
    }
    if cursor.1.is_some_and(|at| at < 0) {
        checks.push(cursor.0, Problem::SequenceNumber);
    }
    checks.finish().map(|()| limit)
}

/// A JSON integer, also when written with a fraction of zero (`3.0`): JSON Schema counts it an
/// integer, and so does Vigil; any other number is refused as serde refuses one.
pub(super) fn integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::Deserialize;
    use serde::de::Error;
    let number = serde_json::Number::deserialize(deserializer)?;
    number
        .as_i64()
        .or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (i64::MIN as f64..=i64::MAX as f64).contains(f))
                .map(|f| f as i64)
        })
        .ok_or_else(|| D::Error::custom("invalid type: expected an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integer_may_be_written_with_a_zero_fraction_and_nothing_else() {
        #[derive(serde::Deserialize)]
        struct Version {
            #[serde(deserialize_with = "integer")]
            v: i64,
        }
        let read = |text: &str| serde_json::from_str::<Version>(text).map(|version| version.v);
        assert_eq!(read(r#"{"v": 3}"#).unwrap(), 3);
        assert_eq!(read(r#"{"v": 3.0}"#).unwrap(), 3);
        assert_eq!(read(r#"{"v": -2}"#).unwrap(), -2);
        for wrong in [r#"{"v": 3.5}"#, r#"{"v": "3"}"#, r#"{"v": 1e300}"#, r#"{"v": null}"#] {
            assert!(read(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn themes_are_kept_once_and_a_wrong_one_is_refused_without_its_value() {
        let mut checks = Checks::default();
        let kept = checks.themes(&["MEDIA".into(), "secret-theme".into(), "MEDIA".into()]);
        assert_eq!(kept, vec!["MEDIA".to_owned()]);
        let CaseError::Invalid(issues) = checks.into_error() else {
            panic!("expected a refusal");
        };
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, "themes");
        assert!(!issues[0].problem.to_string().contains("secret"), "{:?}", issues[0]);
    }

    #[test]
    fn no_theme_at_all_is_refused() {
        let mut checks = Checks::default();
        checks.themes(&[]);
        assert!(!checks.is_clean());
    }

    #[test]
    fn a_defender_name_may_change_but_never_go() {
        let name = |value: Value| Sensitive::new(Map::from_iter([("defender_name".to_owned(), value)]));
        let mut checks = Checks::default();
        checks.defender_name_change(Some(&name(Value::String("A. N.".into()))));
        checks.defender_name_change(None);
        assert!(checks.is_clean());
        checks.defender_name_change(Some(&name(Value::Null)));
        checks.defender_name_change(Some(&name(Value::String("  ".into()))));
        let CaseError::Invalid(issues) = checks.into_error() else {
            panic!("expected a refusal");
        };
        assert_eq!(issues.len(), 2);
    }
}
