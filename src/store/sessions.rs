//! Browser sessions of the web interface (`web_sessions`) and the one-time sign-in links sent
//! by email (`sign_in_links`). Only the SHA-256 of a session's or a link's secret is stored;
//! the secret itself lives in the browser's cookie or the email.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::StoreError;
use super::prepared::prepared;
use super::schema::{api_tokens, sign_in_links, web_sessions};
use super::users::UserRow;
use crate::domain::UserId;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewSession {
    pub id_hash: Vec<u8>,
    pub user_id: UserId,
    pub token_id: Option<Uuid>,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
pub struct SessionRow {
    pub user_id: UserId,
    pub csrf: String,
    pub last_seen_at: DateTime<Utc>,
}

/// A live session and its user: what a request presenting the session's cookie acts as.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub session: SessionRow,
    pub user: UserRow,
    /// The time zone of the user's delegation, if they belong to one.
    pub delegation_time_zone: Option<String>,
}

/// Starts a session; also removes every session of any user past its absolute end by now. A
/// session ended by idleness stays until then (refused by [`live`]): a form sent after it
/// ended is known by it to be its person's, and kept for them (the web interface's `kept`).
pub fn insert(conn: &mut PgConnection, new: &NewSession) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(new.created_at))).execute(conn)?;
        diesel::insert_into(web_sessions::table).values(new).execute(conn)?;
        Ok(())
    })
}

/// The session whose secret hashes to `id_hash`, if it has not ended: not past its absolute
/// end, used after `idle_since`, its user active and, when it was opened with an API token,
/// that token neither revoked nor expired.
pub fn live(
    conn: &mut PgConnection,
    id_hash: &[u8],
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Option<LiveSession>, StoreError> {
    use super::schema::{delegations, users};
    type Found = (
        SessionRow,
        UserRow,
        Option<String>,
        Option<(Option<DateTime<Utc>>, DateTime<Utc>)>,
    );
    let found: Option<Found> = web_sessions::table
        .inner_join(users::table.left_join(delegations::table))
        .left_join(api_tokens::table)
        .filter(web_sessions::id_hash.eq(id_hash))
        .filter(web_sessions::expires_at.gt(now))
        .filter(web_sessions::last_seen_at.gt(idle_since))
        .filter(users::disabled_at.is_null())
        .select((
            SessionRow::as_select(),
            UserRow::as_select(),
            delegations::time_zone.nullable(),
            (api_tokens::revoked_at, api_tokens::expires_at).nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(session, user, delegation_time_zone, token)| {
        let token_live = token.is_none_or(|(revoked_at, expires_at)| revoked_at.is_none() && expires_at > now);
        token_live.then_some(LiveSession {
            session,
            user,
            delegation_time_zone,
        })
    }))
}

/// The session whose secret hashes to `id_hash`, live or ended (but not signed out, nor past
/// its absolute end long enough to be removed): whose it was, and its CSRF token.
pub fn any(conn: &mut PgConnection, id_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
    Ok(web_sessions::table
        .find(id_hash)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records that a session was used at `now`.
pub fn touch(conn: &mut PgConnection, id_hash: &[u8], now: DateTime<Utc>) -> Result<(), StoreError> {
    prepared(
        diesel::update(web_sessions::table.find(id_hash))
            .set(web_sessions::last_seen_at.eq(now))
            .returning(web_sessions::last_seen_at),
    )
    .execute(conn)?;
    Ok(())
}

/// Ends a session (signing out).
pub fn end(conn: &mut PgConnection, id_hash: &[u8]) -> Result<(), StoreError> {
    diesel::delete(web_sessions::table.find(id_hash)).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sign_in_links)]
pub struct NewLink {
    pub id_hash: Vec<u8>,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Records a sign-in link; also removes the links that ended before `now`.
pub fn insert_link(conn: &mut PgConnection, new: &NewLink) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::delete(sign_in_links::table.filter(sign_in_links::expires_at.le(new.created_at))).execute(conn)?;
        diesel::insert_into(sign_in_links::table).values(new).execute(conn)?;
        Ok(())
    })
}

/// Uses the link whose secret hashes to `id_hash`, if it is unused and live at `now` and its
/// user active: the user it signs in. A link is used once, even by two racing requests.
pub fn use_link(conn: &mut PgConnection, id_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserId>, StoreError> {
    use super::schema::users;
    let active = users::table.filter(users::disabled_at.is_null()).select(users::id);
    Ok(diesel::update(
        sign_in_links::table
            .filter(sign_in_links::id_hash.eq(id_hash))
            .filter(sign_in_links::used_at.is_null())
            .filter(sign_in_links::expires_at.gt(now))
            .filter(sign_in_links::user_id.eq_any(active)),
    )
    .set(sign_in_links::used_at.eq(now))
    .returning(sign_in_links::user_id)
    .get_result(conn)
    .optional()?)
}
