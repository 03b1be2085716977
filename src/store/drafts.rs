//! Forms kept across signing in again (`form_drafts`): what a person typed into a form that
//! reached Vigil after their session had ended, sealed to a one-time key whose secret only
//! their browser holds (the web interface's `kept` module). One per person, taken once, gone
//! when it ends; a stolen copy of the table holds ciphertext padded to whole kibibytes, whose
//! person and times tell only that they were signed out with a form unsent.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::StoreError;
use super::schema::form_drafts;
use crate::domain::{FormDraftId, UserId};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = form_drafts)]
pub struct NewDraft {
    pub id: FormDraftId,
    pub user_id: UserId,
    pub sealed: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Keeps `draft`, instead of any form its person had kept before; also removes every kept
/// form that has ended by now.
pub fn keep(conn: &mut PgConnection, draft: &NewDraft) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::delete(
            form_drafts::table.filter(
                form_drafts::expires_at
                    .le(draft.created_at)
                    .or(form_drafts::user_id.eq(draft.user_id)),
            ),
        )
        .execute(conn)?;
        diesel::insert_into(form_drafts::table).values(draft).execute(conn)?;
        Ok(())
    })
}

/// Takes the kept form `id` out of the table, whoever it was for: its sealed bytes when it is
/// `user`'s and has not ended at `now`, nothing otherwise (someone else signed in on that
/// browser: what the first person typed is gone, never shown).
pub fn take(
    conn: &mut PgConnection,
    id: FormDraftId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Option<Vec<u8>>, StoreError> {
    let taken: Option<(UserId, Vec<u8>, DateTime<Utc>)> = diesel::delete(form_drafts::table.find(id))
        .returning((form_drafts::user_id, form_drafts::sealed, form_drafts::expires_at))
        .get_result(conn)
        .optional()?;
    Ok(taken.and_then(|(owner, sealed, expires_at)| (owner == user && expires_at > now).then_some(sealed)))
}

/// Drops whatever `user` had kept (signing out).
pub fn discard(conn: &mut PgConnection, user: UserId) -> Result<(), StoreError> {
    diesel::delete(form_drafts::table.filter(form_drafts::user_id.eq(user))).execute(conn)?;
    Ok(())
}
