//! How Vigil speaks and writes to a user: their language, time zone and whether reminders come
//! as a daily digest. Each user changes their own on their settings page; the operator anyone's
//! on the command line (`vigil users set`). Each change is an entry of the administrative log.

use chrono::{DateTime, Utc};

use super::{CaseError, Context, Problem, issue};
use crate::domain::{AdminAct, UserId};
use crate::store::Conn as PgConnection;
use crate::store::admin_log;
use crate::store::users::{self, PreferenceChanges, UserRow};

/// A language code as a setting holds it: two or three lowercase letters (`en`, `fr`, `es`,
/// or another a file under `workflows/messages/` gives emails).
pub fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase())
}

/// A time zone of the IANA database, such as `Africa/Nairobi`.
pub fn is_time_zone(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}

/// The fields of `changes` that hold no valid value, named, never repeated.
fn check(changes: &PreferenceChanges) -> Result<(), CaseError> {
    let mut issues = Vec::new();
    if let Some(Some(zone)) = &changes.time_zone
        && !is_time_zone(zone)
    {
        issues.push(issue("time_zone", Problem::TimeZone));
    }
    if let Some(Some(code)) = &changes.language
        && !is_language_code(code)
    {
        issues.push(issue("language", Problem::Language));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(CaseError::Invalid(issues))
    }
}

/// Changes `user`'s preferences as `actor` (None: the operator), with its entry on the
/// administrative log, in one transaction.
pub fn change_preferences(
    conn: &mut PgConnection,
    actor: Option<UserId>,
    user: &UserRow,
    changes: &PreferenceChanges,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    check(changes)?;
    crate::store::transaction(conn, |conn| {
        users::set_preferences(conn, user.id, changes)?;
        let entry = admin_log::NewEntry {
            actor,
            act: AdminAct::PreferencesChanged,
            subject: Some(user.id),
            delegation: user.delegation.clone(),
            detail: serde_json::json!({
                "time_zone": changes.time_zone, "language": changes.language, "digest": changes.digest,
            }),
        };
        admin_log::append(conn, &entry, now)?;
        Ok(())
    })
}

/// The caller's own row, for their settings page.
pub fn own_preferences(conn: &mut PgConnection, ctx: &Context<'_>) -> Result<UserRow, CaseError> {
    users::user(conn, ctx.caller.user_id)?.ok_or(CaseError::NotFound)
}

/// Changes the caller's own preferences.
pub fn change_own_preferences(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    changes: &PreferenceChanges,
) -> Result<(), CaseError> {
    let user = own_preferences(conn, ctx)?;
    change_preferences(conn, Some(ctx.caller.user_id), &user, changes, ctx.now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_hold_language_codes_and_iana_time_zones_only() {
        for good in ["en", "fr", "es", "de", "ast"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in ["", "e", "English", "FR", "fr-BE", "f1"] {
            assert!(!is_language_code(bad), "{bad}");
        }
        assert!(is_time_zone("Africa/Nairobi") && is_time_zone("UTC"));
        assert!(!is_time_zone("Mars/Olympus") && !is_time_zone(""));
        let refused = check(&PreferenceChanges {
            time_zone: Some(Some("SECRET/Zone".into())),
            language: Some(Some("SECRET".into())),
            digest: None,
        })
        .unwrap_err();
        assert!(!format!("{refused:?}").contains("SECRET"), "{refused:?}");
        assert!(matches!(refused, CaseError::Invalid(issues) if issues.len() == 2));
        let cleared = PreferenceChanges {
            time_zone: Some(None),
            language: Some(None),
            digest: Some(true),
        };
        assert!(check(&cleared).is_ok());
    }
}
