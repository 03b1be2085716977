//! Digest entries: reminders that fell due for a user who takes one email a day, held until
//! that day's digest carries them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::digest_entries;
use crate::domain::{CaseId, ScheduledId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = digest_entries)]
pub struct DigestEntry {
    pub user_id: UserId,
    pub scheduled_id: ScheduledId,
    pub case_id: CaseId,
    pub reference: String,
    pub workflow_title: String,
    pub step_title: String,
    pub message: String,
    pub due_at: DateTime<Utc>,
    /// The procedure's workflow and step by name, for their words in the reader's language
    /// (empty in entries older than that: their titles stand).
    pub workflow: String,
    pub step: String,
}

/// Adds entries; one already there (a reminder tried again) is left as it is.
pub fn add(conn: &mut PgConnection, entries: &[DigestEntry]) -> Result<(), StoreError> {
    if !entries.is_empty() {
        diesel::insert_into(digest_entries::table)
            .values(entries)
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(())
}

/// Someone with entries waiting, and when their last digest went out.
#[derive(Debug, Clone, QueryableByName)]
pub struct Waiting {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub user_id: UserId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub email: String,
    /// None: English.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub language: Option<String>,
    /// Theirs, else their delegation's, else UTC.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub time_zone: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub last_sent: Option<DateTime<Utc>>,
}

/// Active users with unsent entries.
pub fn waiting(conn: &mut PgConnection) -> Result<Vec<Waiting>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT u.id AS user_id, u.email, u.language, coalesce(u.time_zone, d.time_zone, 'UTC') AS time_zone,
                (SELECT max(sent_at) FROM digest_entries sent WHERE sent.user_id = u.id) AS last_sent
         FROM users u LEFT JOIN delegations d ON d.code = u.delegation
         WHERE u.disabled_at IS NULL
           AND EXISTS (SELECT 1 FROM digest_entries e WHERE e.user_id = u.id AND e.sent_at IS NULL)
         ORDER BY u.id",
    )
    .load(conn)?)
}

/// Holds a user's unsent entries until `lease_until` and returns them, oldest due first;
/// none when another worker holds them.
pub fn claim(
    conn: &mut PgConnection,
    user_id: UserId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<DigestEntry>, StoreError> {
    let mut entries: Vec<DigestEntry> = diesel::update(
        digest_entries::table.filter(
            digest_entries::user_id
                .eq(user_id)
                .and(digest_entries::sent_at.is_null())
                .and(
                    digest_entries::lease_until
                        .is_null()
                        .or(digest_entries::lease_until.lt(now)),
                ),
        ),
    )
    .set(digest_entries::lease_until.eq(lease_until))
    .returning(DigestEntry::as_returning())
    .get_results(conn)?;
    entries.sort_by(|a, b| (a.due_at, &a.reference).cmp(&(b.due_at, &b.reference)));
    Ok(entries)
}

/// Marks entries sent.
pub fn mark_sent(
    conn: &mut PgConnection,
    user_id: UserId,
    ids: &[ScheduledId],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(
        digest_entries::table.filter(
            digest_entries::user_id
                .eq(user_id)
                .and(digest_entries::scheduled_id.eq_any(ids)),
        ),
    )
    .set((
        digest_entries::sent_at.eq(at),
        digest_entries::lease_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)?;
    Ok(())
}
