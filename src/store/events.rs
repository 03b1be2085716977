//! The hash-chained events of a case: each event's hash covers its plain fields, its ciphertext
//! and the previous event's hash, so the chain can be verified without any key.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::StoreError;
use super::schema::case_events;

/// An event to append to a case's chain.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub procedure_id: Option<Uuid>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<Uuid>,
    /// `user` or `system`.
    pub actor_kind: &'static str,
    pub at: DateTime<Utc>,
    pub plain: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
}

/// The hash of an event: over its plain fields, its ciphertext and the previous hash.
pub fn event_hash(prev: &[u8], case_id: Uuid, seq: i64, event: &NewEvent) -> [u8; 32] {
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"vigil event v1\0");
    field(&mut hasher, prev);
    field(&mut hasher, case_id.as_bytes());
    hasher.update(seq.to_be_bytes());
    field(
        &mut hasher,
        event
            .procedure_id
            .map(|id| id.into_bytes().to_vec())
            .unwrap_or_default()
            .as_slice(),
    );
    field(&mut hasher, event.action.as_bytes());
    field(&mut hasher, event.from_state.as_deref().unwrap_or_default().as_bytes());
    field(&mut hasher, event.to_state.as_deref().unwrap_or_default().as_bytes());
    field(
        &mut hasher,
        event
            .actor_id
            .map(|id| id.into_bytes().to_vec())
            .unwrap_or_default()
            .as_slice(),
    );
    field(&mut hasher, event.actor_kind.as_bytes());
    hasher.update(event.at.timestamp_micros().to_be_bytes());
    field(&mut hasher, event.plain.to_string().as_bytes());
    field(&mut hasher, event.sealed.as_deref().unwrap_or_default());
    hasher.finalize().into()
}

/// Appends an event to a case's chain; the case row must be locked (or just inserted) in this
/// transaction. Returns its sequence number.
pub fn append_event(
    conn: &mut PgConnection,
    delegation: &str,
    case_id: Uuid,
    event: &NewEvent,
) -> Result<i64, StoreError> {
    let last: Option<(i64, Vec<u8>)> = case_events::table
        .filter(
            case_events::delegation
                .eq(delegation)
                .and(case_events::case_id.eq(case_id)),
        )
        .order(case_events::seq.desc())
        .select((case_events::seq, case_events::hash))
        .first(conn)
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, vec![0u8; 32]),
    };
    let hash = event_hash(&prev, case_id, seq, event);
    diesel::insert_into(case_events::table)
        .values((
            case_events::delegation.eq(delegation),
            case_events::case_id.eq(case_id),
            case_events::seq.eq(seq),
            case_events::procedure_id.eq(event.procedure_id),
            case_events::action.eq(&event.action),
            case_events::from_state.eq(&event.from_state),
            case_events::to_state.eq(&event.to_state),
            case_events::actor_id.eq(event.actor_id),
            case_events::actor_kind.eq(event.actor_kind),
            case_events::at.eq(event.at),
            case_events::plain.eq(&event.plain),
            case_events::sealed.eq(&event.sealed),
            case_events::prev_hash.eq(&prev),
            case_events::hash.eq(hash.as_slice()),
        ))
        .execute(conn)?;
    Ok(seq)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_events)]
pub struct EventRow {
    pub seq: i64,
    pub procedure_id: Option<Uuid>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    pub at: DateTime<Utc>,
    pub plain: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
}

/// Every event of a case, oldest first.
pub fn events_of(conn: &mut PgConnection, delegation: &str, case_id: Uuid) -> Result<Vec<EventRow>, StoreError> {
    Ok(case_events::table
        .filter(
            case_events::delegation
                .eq(delegation)
                .and(case_events::case_id.eq(case_id)),
        )
        .order(case_events::seq)
        .select(EventRow::as_select())
        .load(conn)?)
}
