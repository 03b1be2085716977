//! The administrative commands behind `vigil delegations` and `vigil users`: validation of
//! their arguments, then the store. Errors are for a person at a terminal (anyhow); those that
//! no database could make right are [`Misuse`], which the command line answers as usage errors.

use std::str::FromStr;

use anyhow::{Context, ensure};
use chrono::{Duration, Utc, Weekday};
use uuid::Uuid;

use crate::crypto::token;
use crate::domain::{AdminAct, TokenDelivery, UserId};
use crate::domain::{Role, Sensitive};
use crate::store::keys;
use crate::store::{Db, admin_log, users};

/// Arguments that cannot be right whatever the database holds: a value of the wrong form, or
/// values that do not go together. The message names what is allowed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Misuse(pub String);

/// Parses `sat,sun` (or `fri,sat`, or `none`) into ISO weekday numbers.
pub fn parse_weekend(text: &str) -> anyhow::Result<Vec<i16>> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut days = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let day =
            Weekday::from_str(item).map_err(|_| Misuse(format!("`{item}` is not a day of the week (mon … sun)")))?;
        let number = i16::try_from(day.number_from_monday()).unwrap_or_default();
        if !days.contains(&number) {
            days.push(number);
        }
    }
    ensure!(
        days.len() < 7,
        Misuse("a delegation must work on at least one day".into())
    );
    days.sort_unstable();
    Ok(days)
}

pub fn add_delegation(
    db: &Db,
    code: &str,
    name: &str,
    country: Option<&str>,
    time_zone: &str,
    weekend: &str,
) -> anyhow::Result<()> {
    check_delegation_code(code)?;
    ensure!(!name.trim().is_empty(), "the delegation needs a name");
    if let Some(country) = country {
        check_country(country)?;
    }
    check_time_zone(time_zone)?;
    let new = users::NewDelegation {
        code: code.to_owned(),
        name: name.trim().to_owned(),
        country: country.map(str::to_owned),
        time_zone: time_zone.to_owned(),
        weekend_days: parse_weekend(weekend)?.into_iter().map(Some).collect(),
    };
    db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            users::insert_delegation(conn, &new)?;
            let detail = serde_json::json!({ "name": new.name, "country": new.country, "time_zone": new.time_zone });
            record(
                conn,
                None,
                AdminAct::DelegationAdded,
                None,
                Some(&crate::domain::DelegationCode::new(code)),
                detail,
            )
        })
    })
    .map_err(|e| {
        if e.is_unique_violation() {
            anyhow::anyhow!("delegation {code} exists already")
        } else {
            anyhow::Error::new(e).context("cannot add the delegation")
        }
    })
}

/// A new user and their first API token.
pub struct AddedUser {
    pub id: UserId,
    pub token: Sensitive<String>,
    pub expires_at: chrono::DateTime<Utc>,
}

/// How Vigil writes to a user: in which time zone (None: the delegation's), in which language,
/// and whether reminders come one by one or as a daily digest.
#[derive(Debug, Clone, Default)]
pub struct Preferences {
    pub time_zone: Option<String>,
    /// None: the browser's on the web, English in emails.
    pub language: Option<String>,
    pub digest: bool,
}

/// A delegation code of the form Vigil names delegations by (capital letters, digits and
/// underscores, such as EUD_KE).
pub fn check_delegation_code(code: &str) -> anyhow::Result<()> {
    let plain_code = code.len() <= 32
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    ensure!(
        plain_code,
        Misuse(format!(
            "delegation code `{code}` must be capital letters, digits and underscores, such as EUD_KE"
        ))
    );
    Ok(())
}

/// A role a user may hold, with a delegation exactly when the role belongs to one.
fn check_role_delegation(role: Role, delegation: Option<&str>) -> anyhow::Result<()> {
    ensure!(
        !role.is_system(),
        Misuse("`system` is Vigil's own role, no user's".into())
    );
    match (role.is_delegation_staff(), delegation) {
        (true, None) => Err(Misuse(format!("a {role} belongs to a delegation: add --delegation CODE")).into()),
        (false, Some(_)) => Err(Misuse(format!("a {role} belongs to no delegation: leave out --delegation")).into()),
        _ => Ok(()),
    }
}

pub fn check_country(country: &str) -> anyhow::Result<()> {
    ensure!(
        crate::domain::is_country(country),
        Misuse(format!("`{country}` is not an ISO 3166-1 alpha-2 country code"))
    );
    Ok(())
}

pub fn check_time_zone(time_zone: &str) -> anyhow::Result<()> {
    ensure!(
        crate::cases::preferences::is_time_zone(time_zone),
        Misuse(format!("`{time_zone}` is not a time zone such as Europe/Brussels"))
    );
    Ok(())
}

pub fn check_language(language: &str) -> anyhow::Result<()> {
    ensure!(
        crate::cases::preferences::is_language_code(language),
        Misuse(format!("`{language}` is not a language code such as en or fr"))
    );
    Ok(())
}

/// Records an administrative act in the administrative log, in the caller's transaction.
/// `actor` None: the operator, on the server's command line.
fn record(
    conn: &mut crate::store::Conn,
    actor: Option<UserId>,
    act: AdminAct,
    subject: Option<UserId>,
    delegation: Option<&crate::domain::DelegationCode>,
    detail: serde_json::Value,
) -> Result<(), crate::store::StoreError> {
    let entry = admin_log::NewEntry {
        actor,
        act,
        subject,
        delegation: delegation.cloned(),
        detail,
    };
    admin_log::append(conn, &entry, Utc::now()).map(drop)
}

/// A user as `add_user` adds them, once every value is checked.
fn new_user(
    db: &Db,
    email: &str,
    role: Role,
    delegation: Option<&str>,
    name: Option<&str>,
    preferences: &Preferences,
) -> anyhow::Result<users::NewUser> {
    let email = email.trim();
    ensure!(
        crate::domain::is_email_address(email),
        Misuse(format!("`{email}` is not an email address"))
    );
    if let Some(time_zone) = &preferences.time_zone {
        check_time_zone(time_zone)?;
    }
    if let Some(language) = &preferences.language {
        check_language(language)?;
    }
    check_role_delegation(role, delegation)?;
    if let Some(code) = delegation {
        let known = db.run_blocking(|conn| users::delegation(conn, code))?;
        ensure!(
            known.is_some(),
            "no delegation {code}; add it with `vigil delegations add {code} --name …`"
        );
    }
    Ok(users::NewUser {
        id: UserId::random(),
        email: email.to_owned(),
        display_name: name.unwrap_or(email).trim().to_owned(),
        role,
        delegation: delegation.map(crate::domain::DelegationCode::new),
        time_zone: preferences.time_zone.clone(),
        language: preferences.language.clone(),
        digest: preferences.digest,
    })
}

/// What the log says of a user added: their address and role (no secret).
fn added_detail(user: &users::NewUser) -> serde_json::Value {
    serde_json::json!({ "email": user.email, "role": user.role.as_str() })
}

/// What the log says of a token issued: its prefix (what revoking it takes) and how it went.
fn token_detail(row: &users::NewToken) -> serde_json::Value {
    serde_json::json!({ "prefix": row.prefix, "delivery": row.delivery.as_str() })
}

fn added_or_exists(e: crate::store::StoreError) -> anyhow::Error {
    if e.is_unique_violation() {
        anyhow::anyhow!("a user with this email exists already")
    } else {
        anyhow::Error::new(e).context("cannot add the user")
    }
}

/// A new token's row: who issued it (None: the operator, on the command line) and how it
/// reaches its owner.
fn token_row(
    user_id: UserId,
    new: &token::NewToken,
    expires_at: chrono::DateTime<Utc>,
    issued_by: Option<UserId>,
    delivery: TokenDelivery,
) -> users::NewToken {
    users::NewToken {
        id: Uuid::new_v4(),
        user_id,
        prefix: new.prefix.clone(),
        hash: new.hash.to_vec(),
        expires_at,
        issued_by,
        delivery,
    }
}

/// Adds a user with a first token, for the operator's command line, which prints it.
pub fn add_user(
    db: &Db,
    email: &str,
    role: Role,
    delegation: Option<&str>,
    name: Option<&str>,
    token_days: u32,
    preferences: &Preferences,
) -> anyhow::Result<AddedUser> {
    ensure!((1..=3650).contains(&token_days), "a token lasts from 1 to 3650 days");
    let user = new_user(db, email, role, delegation, name, preferences)?;
    let new = token::generate()?;
    let expires_at = Utc::now() + Duration::days(i64::from(token_days));
    let row = token_row(user.id, &new, expires_at, None, TokenDelivery::CommandLine);
    db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            users::insert_user_with_token(conn, &user, &row)?;
            record(
                conn,
                None,
                AdminAct::UserAdded,
                Some(user.id),
                user.delegation.as_ref(),
                added_detail(&user),
            )?;
            record(
                conn,
                None,
                AdminAct::TokenIssued,
                Some(user.id),
                user.delegation.as_ref(),
                token_detail(&row),
            )
        })
    })
    .map_err(added_or_exists)?;
    Ok(AddedUser {
        id: user.id,
        token: new.token,
        expires_at,
    })
}

/// A one-time link to another token for an existing, active user, asked for by `issued_by`
/// (an administrator in the web interface): the link is for the user's email alone.
pub fn token_link_for(db: &Db, user_id: UserId, issued_by: UserId) -> anyhow::Result<crate::cases::TokenLink> {
    let user = db
        .run_blocking(|conn| users::user(conn, user_id))?
        .context("no such user")?;
    ensure!(user.disabled_at.is_none(), "{} is disabled", user.email);
    let link = db.run_blocking(|conn| {
        Ok(crate::store::transaction(conn, |conn| {
            crate::cases::new_token_link(
                conn,
                user.id,
                (&user.email, user.language.as_deref()),
                user.delegation.as_ref(),
                issued_by,
                Utc::now(),
            )
        }))
    })??;
    Ok(link)
}

/// Spends a token link, once, before it expires: the token is made now, recorded as issued by
/// whoever asked for the link and delivered by it, and returned to be shown once. None: the
/// link is unknown, used, expired, or its user disabled.
pub fn spend_token_link(db: &Db, secret: &str, token_days: u32) -> anyhow::Result<Option<AddedUser>> {
    let id_hash = token::hash(secret).to_vec();
    let new = token::generate()?;
    let now = Utc::now();
    let expires_at = now + Duration::days(i64::from(token_days));
    let spent = db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            let Some((user_id, issued_by)) = users::use_token_link(conn, &id_hash, now)? else {
                return Ok(None);
            };
            let row = token_row(user_id, &new, expires_at, Some(issued_by), TokenDelivery::EmailLink);
            users::insert_token(conn, &row)?;
            let delegation = users::user(conn, user_id)?.and_then(|user| user.delegation);
            record(
                conn,
                Some(issued_by),
                AdminAct::TokenIssued,
                Some(user_id),
                delegation.as_ref(),
                token_detail(&row),
            )?;
            Ok::<_, crate::store::StoreError>(Some(user_id))
        })
    })?;
    Ok(spent.map(|id| AddedUser {
        id,
        token: new.token,
        expires_at,
    }))
}

/// Re-wraps every case key to the keyring's master recipients, a batch per transaction, so an
/// interrupted rotation resumes where it stopped and the service keeps running meanwhile.
/// `progress` is told (done, total) after each batch. Returns how many keys were re-wrapped.
pub fn rotate_keys(
    db: &Db,
    keyring: &crate::crypto::Keyring,
    batch: i64,
    mut progress: impl FnMut(i64, i64),
) -> anyhow::Result<i64> {
    let target = keyring.wrapped_for();
    let total = db.run_blocking(|conn| keys::count_keys_to_rotate(conn, &target))?;
    let done = in_batches(db, total, &mut progress, |conn| {
        let keys = keys::lock_keys_to_rotate(conn, &target, batch)?;
        for key in &keys {
            let wrapped = keyring.rewrap(&key.wrapped).map_err(|e| {
                anyhow::anyhow!(
                    "cannot unwrap the key of a case of {}: {e}; is the old identity in VIGIL_IDENTITY_FILE?",
                    key.delegation
                )
            })?;
            keys::rewrap_key(conn, &key.delegation, key.case_id, &wrapped, &target)?;
        }
        Ok(keys.len())
    })?;
    db.run_blocking(|conn| {
        record(
            conn,
            None,
            AdminAct::KeysRotated,
            None,
            None,
            serde_json::json!({ "keys": done, "to": target }),
        )
    })?;
    Ok(done)
}

/// Runs `batch` in a transaction of its own until it does nothing (returns 0), telling
/// `progress` (done, total) after each: the loop of a resumable administrative command, which
/// an interruption leaves with its finished batches kept. Returns how many were done.
fn in_batches(
    db: &Db,
    total: i64,
    progress: &mut impl FnMut(i64, i64),
    mut batch: impl FnMut(&mut crate::store::Conn) -> anyhow::Result<usize>,
) -> anyhow::Result<i64> {
    let mut done = 0;
    progress(done, total);
    loop {
        let finished = db.run_blocking(|conn| Ok(crate::store::transaction(conn, &mut batch)))??;
        if finished == 0 {
            return Ok(done);
        }
        done += i64::try_from(finished).unwrap_or(0);
        progress(done, total.max(done));
    }
}

/// Rewrites the blind index of every live case written with an older version (or under
/// another index key), a batch per transaction: each case's confidential object is opened to
/// read the defender's name, and the opening recorded in the access log as a read by no user.
/// Safe to interrupt and run again, and to run beside `serve`. Returns how many were rewritten.
pub fn reindex(
    db: &Db,
    keys: &crate::crypto::Keys,
    batch: i64,
    mut progress: impl FnMut(i64, i64),
) -> anyhow::Result<i64> {
    use crate::crypto::{BLIND_INDEX_VERSION, keyring};
    use crate::domain::{AccessKind, Sensitive};
    use crate::store::{access_log, cases};
    let total = db.run_blocking(|conn| cases::count_to_reindex(conn, BLIND_INDEX_VERSION))?;
    let done = in_batches(db, total, &mut progress, |conn| {
        let rows = cases::lock_to_reindex(conn, BLIND_INDEX_VERSION, batch)?;
        for row in &rows {
            let wrapped = row
                .key_wrapped
                .as_deref()
                .with_context(|| format!("a case of {} has no key row", row.delegation))?;
            let case_key = keys.keyring.open_case_key(wrapped)?;
            access_log::log_access(
                conn,
                None,
                Some(&row.delegation),
                Some(row.id),
                AccessKind::Read,
                Some("vigil keys reindex"),
            )?;
            let confidential = keyring::open_json(&case_key, &row.sealed)?.into_inner();
            let index = confidential
                .get("defender_name")
                .and_then(serde_json::Value::as_str)
                .and_then(|name| keys.index.index(&row.delegation, &Sensitive::new(name.to_owned())));
            let mut changes = cases::CaseChanges::default();
            crate::cases::set_blind_index(&mut changes, index);
            cases::update_case(conn, &row.delegation, row.id, &changes)?;
        }
        Ok(rows.len())
    })?;
    db.run_blocking(|conn| {
        record(
            conn,
            None,
            AdminAct::IndexRebuilt,
            None,
            None,
            serde_json::json!({ "cases": done }),
        )
    })?;
    Ok(done)
}

/// A new API token for an existing, active user, for the operator's command line.
pub fn issue_token(db: &Db, email: &str, token_days: u32) -> anyhow::Result<AddedUser> {
    ensure!((1..=3650).contains(&token_days), "a token lasts from 1 to 3650 days");
    let user = db
        .run_blocking(|conn| users::user_by_email(conn, email))?
        .with_context(|| format!("no user {email}"))?;
    ensure!(user.disabled_at.is_none(), "{email} is disabled");
    let new = token::generate()?;
    let expires_at = Utc::now() + Duration::days(i64::from(token_days));
    let row = token_row(user.id, &new, expires_at, None, TokenDelivery::CommandLine);
    db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            users::insert_token(conn, &row)?;
            record(
                conn,
                None,
                AdminAct::TokenIssued,
                Some(user.id),
                user.delegation.as_ref(),
                token_detail(&row),
            )
        })
    })?;
    Ok(AddedUser {
        id: user.id,
        token: new.token,
        expires_at,
    })
}

/// Revokes a token, given whole or by its prefix (the 8 hex digits after `vgl_`).
/// Revokes a token, by `by` (None: the operator, on the command line).
pub fn revoke_token(db: &Db, token_or_prefix: &str, by: Option<UserId>) -> anyhow::Result<()> {
    let prefix = token::prefix_of(token_or_prefix).unwrap_or(token_or_prefix).to_owned();
    ensure!(
        prefix.len() == 8 && prefix.chars().all(|c| c.is_ascii_hexdigit()),
        "give a token or its 8-digit prefix"
    );
    let revoked = db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            let owner = users::token_by_prefix(conn, &prefix)?.map(|(_, user)| user);
            let revoked = users::revoke_token(conn, &prefix)?;
            if revoked {
                record(
                    conn,
                    by,
                    AdminAct::TokenRevoked,
                    owner.as_ref().map(|user| user.id),
                    owner.as_ref().and_then(|user| user.delegation.as_ref()),
                    serde_json::json!({ "prefix": prefix }),
                )?;
            }
            Ok::<_, crate::store::StoreError>(revoked)
        })
    })?;
    ensure!(revoked, "no live token with prefix {prefix}");
    Ok(())
}

/// Disables a user, by `by` (None: the operator, on the command line).
pub fn disable_user(db: &Db, email: &str, by: Option<UserId>) -> anyhow::Result<()> {
    switch_user(db, email, by, false)
}

/// Enables a disabled user again, directly: the operator's command line is not held to the
/// four-eyes rule (the web interface and the API are). Recorded as the operator's act.
pub fn enable_user(db: &Db, email: &str) -> anyhow::Result<()> {
    switch_user(db, email, None, true)
}

/// Disables a user or (`enable`) enables them again, and logs it as `by`'s act.
fn switch_user(db: &Db, email: &str, by: Option<UserId>, enable: bool) -> anyhow::Result<()> {
    let user = db
        .run_blocking(|conn| users::user_by_email(conn, email))?
        .with_context(|| format!("no user {email}"))?;
    let (switch, act): (fn(&mut crate::store::Conn, UserId) -> _, _) = if enable {
        (users::enable_user, AdminAct::UserEnabled)
    } else {
        (users::disable_user, AdminAct::UserDisabled)
    };
    let changed = db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            let changed = switch(conn, user.id)?;
            if changed {
                record(
                    conn,
                    by,
                    act,
                    Some(user.id),
                    user.delegation.as_ref(),
                    serde_json::json!({}),
                )?;
            }
            Ok::<_, crate::store::StoreError>(changed)
        })
    })?;
    if enable {
        ensure!(changed, "{email} is not disabled");
    } else {
        ensure!(changed, "{email} is disabled already");
    }
    Ok(())
}

/// Changes how Vigil writes to the user with this email.
pub fn set_preferences(db: &Db, email: &str, changes: &users::PreferenceChanges) -> anyhow::Result<()> {
    if let Some(Some(time_zone)) = &changes.time_zone {
        check_time_zone(time_zone)?;
    }
    if let Some(Some(language)) = &changes.language {
        check_language(language)?;
    }
    let user = db
        .run_blocking(|conn| users::user_by_email(conn, email))?
        .with_context(|| format!("no user {email}"))?;
    db.run_blocking(|conn| {
        Ok(crate::cases::preferences::change_preferences(
            conn,
            None,
            &user,
            changes,
            Utc::now(),
        ))
    })?
    .context("cannot change the preferences")?;
    Ok(())
}

/// Gives a dead reminder or timer another round, as the operator; returns whether one was dead.
pub fn retry_scheduled(db: &Db, id: crate::domain::ScheduledId) -> anyhow::Result<bool> {
    Ok(db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            let revived = crate::store::scheduled::revive(conn, id)?;
            if revived {
                record(
                    conn,
                    None,
                    AdminAct::ReminderRetried,
                    None,
                    None,
                    serde_json::json!({ "scheduled": id }),
                )?;
            }
            Ok::<_, crate::store::StoreError>(revived)
        })
    })?)
}

/// Gives a user another role (and delegation), directly, as the operator: see [`enable_user`].
pub fn change_user(db: &Db, email: &str, role: Role, delegation: Option<&str>) -> anyhow::Result<()> {
    check_role_delegation(role, delegation)?;
    let user = db
        .run_blocking(|conn| users::user_by_email(conn, email))?
        .with_context(|| format!("no user {email}"))?;
    let delegation = delegation.map(crate::domain::DelegationCode::new);
    if let Some(code) = &delegation {
        let known = db.run_blocking(|conn| users::delegation(conn, code.as_str()))?;
        ensure!(known.is_some(), "no delegation {code}");
    }
    db.run_blocking(|conn| {
        crate::store::transaction(conn, |conn| {
            users::set_role(conn, user.id, role, delegation.as_ref())?;
            let detail = serde_json::json!({
                "role": role.as_str(), "from_role": user.role.as_str(), "from_delegation": user.delegation,
            });
            record(
                conn,
                None,
                AdminAct::UserChanged,
                Some(user.id),
                delegation.as_ref().or(user.delegation.as_ref()),
                detail,
            )
        })
    })?;
    Ok(())
}

/// A delegation's holidays, by date (`vigil delegations holidays list`).
pub fn list_holidays(db: &Db, code: &str) -> anyhow::Result<Vec<crate::store::holidays::HolidayRow>> {
    check_delegation_code(code)?;
    let delegation = crate::domain::DelegationCode::new(code);
    ensure!(
        db.run_blocking(|conn| users::delegation(conn, code))?.is_some(),
        "no delegation {code}"
    );
    Ok(db.run_blocking(|conn| crate::store::holidays::holidays_of(conn, &delegation))?)
}

/// Changes a delegation's holidays as the operator, moving what is scheduled by the workflows
/// of `registry`, on the administrative log (`vigil delegations holidays import|add|remove`).
pub fn change_holidays(
    db: &Db,
    registry: &crate::workflow::Registry,
    code: &str,
    change: crate::cases::holidays::HolidayChange,
) -> anyhow::Result<crate::cases::holidays::Changed> {
    check_delegation_code(code)?;
    let delegation = crate::domain::DelegationCode::new(code);
    let changed = db.run_blocking(|conn| {
        Ok(crate::cases::holidays::apply(
            conn,
            registry,
            None,
            &delegation,
            change,
            Utc::now(),
        ))
    })?;
    changed.map_err(|e| match e {
        crate::cases::CaseError::NotFound => anyhow::anyhow!("no delegation {code}"),
        crate::cases::CaseError::Invalid(issues) => anyhow::anyhow!(
            "{}",
            issues
                .iter()
                .map(|i| format!("{} {}", i.field, i.problem))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::Error::new(other).context("cannot change the holidays"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekends_parse_from_day_names() {
        assert_eq!(parse_weekend("sat,sun").unwrap(), [6, 7]);
        assert_eq!(parse_weekend("Fri, Sat").unwrap(), [5, 6]);
        assert_eq!(parse_weekend("none").unwrap(), Vec::<i16>::new());
        assert!(parse_weekend("mon,tue,wed,thu,fri,sat,sun").is_err());
        assert!(parse_weekend("caturday").is_err());
    }
}
