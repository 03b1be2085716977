//! Delegations, users and their API tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::StoreError;
use super::schema::{api_tokens, delegations, users};
use crate::domain::DelegationCode;
use crate::domain::Role;
use crate::domain::UserId;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = delegations)]
pub struct NewDelegation {
    pub code: String,
    pub name: String,
    pub country: Option<String>,
    pub time_zone: String,
    /// ISO weekday numbers, 1 = Monday … 7 = Sunday.
    pub weekend_days: Vec<Option<i16>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = delegations)]
pub struct DelegationRow {
    pub code: String,
    pub name: String,
    pub country: Option<String>,
    pub time_zone: String,
    pub weekend_days: Vec<Option<i16>>,
}

pub fn insert_delegation(conn: &mut PgConnection, new: &NewDelegation) -> Result<(), StoreError> {
    diesel::insert_into(delegations::table).values(new).execute(conn)?;
    Ok(())
}

pub fn delegation(conn: &mut PgConnection, code: &str) -> Result<Option<DelegationRow>, StoreError> {
    Ok(delegations::table
        .find(code)
        .select(DelegationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every delegation's name, by its code.
pub fn delegation_names(conn: &mut PgConnection) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    Ok(delegations::table
        .select((delegations::code, delegations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// A delegation, its holidays' dates and the time zone the owner of one of its cases has set
/// (if any).
pub type DelegationCalendar = (DelegationRow, Vec<chrono::NaiveDate>, Option<String>);

/// A delegation's calendar for a case of `owner`, in one round trip: what a case's calendar
/// needs.
pub fn delegation_and_owner_zone(
    conn: &mut PgConnection,
    code: &str,
    owner: UserId,
) -> Result<Option<DelegationCalendar>, StoreError> {
    use diesel::sql_types::{Array, Date};
    let owner_zone = users::table.find(owner).select(users::time_zone).single_value();
    let holidays = diesel::dsl::sql::<Array<Date>>(super::holidays::holidays_of_sql!("delegations.code"));
    Ok(delegations::table
        .find(code)
        .select((DelegationRow::as_select(), holidays, owner_zone))
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub delegation: Option<DelegationCode>,
    pub time_zone: Option<String>,
    /// None: the browser's on the web, English in emails.
    pub language: Option<String>,
    pub digest: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub delegation: Option<DelegationCode>,
    /// None: the delegation's.
    pub time_zone: Option<String>,
    /// None: the browser's on the web, English in emails.
    pub language: Option<String>,
    pub digest: bool,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// What a user may change of how Vigil writes to them.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct PreferenceChanges {
    pub time_zone: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub digest: Option<bool>,
}

/// Changes a user's preferences.
pub fn set_preferences(conn: &mut PgConnection, id: UserId, changes: &PreferenceChanges) -> Result<(), StoreError> {
    if changes.time_zone.is_some() || changes.language.is_some() || changes.digest.is_some() {
        diesel::update(users::table.find(id)).set(changes).execute(conn)?;
    }
    Ok(())
}

pub fn insert_user(conn: &mut PgConnection, new: &NewUser) -> Result<(), StoreError> {
    diesel::insert_into(users::table).values(new).execute(conn)?;
    Ok(())
}

/// A user and their first token, together or not at all.
pub fn insert_user_with_token(conn: &mut PgConnection, user: &NewUser, token: &NewToken) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        insert_user(conn, user)?;
        insert_token(conn, token)
    })
}

pub fn user(conn: &mut PgConnection, id: UserId) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub prefix: String,
    pub hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    /// The administrator who asked for it; None: the operator, on the command line.
    pub issued_by: Option<UserId>,
    pub delivery: crate::domain::TokenDelivery,
}

/// A one-time link to a new token, emailed to its owner.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::token_links)]
pub struct NewTokenLink {
    pub id_hash: Vec<u8>,
    pub user_id: UserId,
    pub issued_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Records a token link; also removes the links that ended before it was made.
pub fn insert_token_link(conn: &mut PgConnection, new: &NewTokenLink) -> Result<(), StoreError> {
    use super::schema::token_links;
    diesel::delete(token_links::table.filter(token_links::expires_at.le(new.created_at))).execute(conn)?;
    diesel::insert_into(token_links::table).values(new).execute(conn)?;
    Ok(())
}

/// Uses the token link whose secret hashes to `id_hash`, if it is unused and live at `now` and
/// its user active: (the user, who asked for it). Once, even for two racing requests.
pub fn use_token_link(
    conn: &mut PgConnection,
    id_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<(UserId, UserId)>, StoreError> {
    use super::schema::token_links;
    let active = users::table.filter(users::disabled_at.is_null()).select(users::id);
    Ok(diesel::update(
        token_links::table
            .filter(token_links::id_hash.eq(id_hash))
            .filter(token_links::used_at.is_null())
            .filter(token_links::expires_at.gt(now))
            .filter(token_links::user_id.eq_any(active)),
    )
    .set(token_links::used_at.eq(now))
    .returning((token_links::user_id, token_links::issued_by))
    .get_result(conn)
    .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: Uuid,
    pub user_id: UserId,
    pub hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub fn insert_token(conn: &mut PgConnection, new: &NewToken) -> Result<(), StoreError> {
    diesel::insert_into(api_tokens::table).values(new).execute(conn)?;
    Ok(())
}

/// The token with this prefix and its user.
pub fn token_by_prefix(conn: &mut PgConnection, prefix: &str) -> Result<Option<(TokenRow, UserRow)>, StoreError> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::prefix.eq(prefix))
        .select((TokenRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}

pub fn list_users(conn: &mut PgConnection) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .order((users::delegation, users::email))
        .select(UserRow::as_select())
        .load(conn)?)
}

/// The users of one delegation, by email.
pub fn users_of(conn: &mut PgConnection, delegation: &DelegationCode) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::delegation.eq(delegation))
        .order(users::email)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// The email addresses of the users `ids`.
pub fn emails_of(conn: &mut PgConnection, ids: &[UserId]) -> Result<Vec<(UserId, String)>, StoreError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::email))
        .load(conn)?)
}

/// Which of `ids` are users of the EUSR office (reviewers), now.
/// The users among `ids` who are of the EUSR office.
pub fn eusr_users_among(conn: &mut PgConnection, ids: &[UserId]) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .filter(
            users::id
                .eq_any(ids)
                .and(users::role.eq(crate::domain::Role::EusrReviewer)),
        )
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn eusr_among(conn: &mut PgConnection, ids: &[UserId]) -> Result<Vec<UserId>, StoreError> {
    Ok(users::table
        .filter(
            users::id
                .eq_any(ids)
                .and(users::role.eq(crate::domain::Role::EusrReviewer)),
        )
        .select(users::id)
        .load(conn)?)
}

pub fn user_by_email(conn: &mut PgConnection, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email)
                .sql(")"),
        )
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Disables a user; their tokens stop working at once. Returns whether a user changed.
pub fn disable_user(conn: &mut PgConnection, id: UserId) -> Result<bool, StoreError> {
    Ok(
        diesel::update(users::table.find(id).filter(users::disabled_at.is_null()))
            .set(users::disabled_at.eq(diesel::dsl::now))
            .execute(conn)?
            > 0,
    )
}

/// Enables a disabled user again; returns whether a user changed.
pub fn enable_user(conn: &mut PgConnection, id: UserId) -> Result<bool, StoreError> {
    Ok(
        diesel::update(users::table.find(id).filter(users::disabled_at.is_not_null()))
            .set(users::disabled_at.eq(None::<DateTime<Utc>>))
            .execute(conn)?
            > 0,
    )
}

/// Gives a user another role and delegation (None for the roles that have none).
pub fn set_role(
    conn: &mut PgConnection,
    id: UserId,
    role: Role,
    delegation: Option<&DelegationCode>,
) -> Result<bool, StoreError> {
    Ok(diesel::update(users::table.find(id))
        .set((users::role.eq(role), users::delegation.eq(delegation)))
        .execute(conn)?
        > 0)
}

/// Revokes the token with this prefix; returns whether one was live.
pub fn revoke_token(conn: &mut PgConnection, prefix: &str) -> Result<bool, StoreError> {
    Ok(
        diesel::update(api_tokens::table.filter(api_tokens::prefix.eq(prefix).and(api_tokens::revoked_at.is_null())))
            .set(api_tokens::revoked_at.eq(diesel::dsl::now))
            .execute(conn)?
            > 0,
    )
}

/// Someone a reminder goes to, with what the email needs to speak their language and time.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Recipient {
    pub id: UserId,
    pub email: String,
    /// None: English (see [`crate::mail::catalog::Catalog::words_for`]).
    pub language: Option<String>,
    /// None: the delegation's.
    pub time_zone: Option<String>,
    /// Takes reminders as a daily digest.
    pub digest: bool,
}

/// Who a reminder goes to: `owner`, the case delegation's `focal_point`s or
/// `head_of_delegation`s, or `eusr_reviewers`; active users only, each address once.
pub fn recipients_for(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    owner: UserId,
    recipients: &[String],
) -> Result<Vec<Recipient>, StoreError> {
    let mut found_all: Vec<Recipient> = Vec::new();
    for recipient in recipients {
        let active = users::table
            .filter(users::disabled_at.is_null())
            .select((
                users::id,
                users::email,
                users::language,
                users::time_zone,
                users::digest,
            ))
            .into_boxed();
        let found: Vec<Recipient> = match recipient.as_str() {
            "owner" => active.filter(users::id.eq(owner)).load(conn)?,
            "eusr_reviewers" => active.filter(users::role.eq("eusr_reviewer")).load(conn)?,
            role => active
                .filter(
                    users::role
                        .eq(role.to_owned())
                        .and(users::delegation.eq(delegation.to_owned())),
                )
                .load(conn)?,
        };
        for one in found {
            if !found_all.iter().any(|r| r.email.eq_ignore_ascii_case(&one.email)) {
                found_all.push(one);
            }
        }
    }
    Ok(found_all)
}
