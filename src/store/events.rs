//! The hash-chained events of a case: each event's hash covers its plain fields, its ciphertext
//! and the previous event's hash, so the chain can be verified without any key.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::StoreError;
use super::schema::case_events;
use crate::domain::ActorKind;
use crate::domain::DelegationCode;
use crate::domain::{CaseId, ProcedureId, UserId};

/// An event to append to a case's chain.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub procedure_id: Option<ProcedureId>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<UserId>,
    pub actor_kind: ActorKind,
    pub at: DateTime<Utc>,
    pub plain: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
}

/// The hash of an event: over its plain fields, its ciphertext and the previous hash.
pub fn event_hash(prev: &[u8], case_id: CaseId, seq: i64, event: &NewEvent) -> [u8; 32] {
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"vigil event v1\0");
    field(&mut hasher, prev);
    field(&mut hasher, case_id.as_uuid().as_bytes());
    hasher.update(seq.to_be_bytes());
    field(
        &mut hasher,
        event
            .procedure_id
            .map(|id| id.into_uuid().into_bytes().to_vec())
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
            .map(|id| id.into_uuid().into_bytes().to_vec())
            .unwrap_or_default()
            .as_slice(),
    );
    field(&mut hasher, event.actor_kind.as_str().as_bytes());
    hasher.update(event.at.timestamp_micros().to_be_bytes());
    field(&mut hasher, event.plain.to_string().as_bytes());
    field(&mut hasher, event.sealed.as_deref().unwrap_or_default());
    hasher.finalize().into()
}

/// Where a case's chain ends: its newest event's sequence number and hash (zero and a zero
/// hash before the first). Kept on the case row, which every change locks first, so the head a
/// change reads there is current; the change writes the new head back with the case row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl ChainHead {
    /// The head of a chain with no event yet.
    pub fn empty() -> Self {
        Self {
            seq: 0,
            hash: vec![0u8; 32],
        }
    }
}

/// The events of one change of a case, chained onto the head its case row had when the change
/// locked it (or inserted it); [`super::cases::commit_change`] appends them and writes the new
/// head back, in the change's last statement. Hashes are computed here, as each is pushed.
#[derive(Debug, Clone)]
pub struct Chain {
    delegation: DelegationCode,
    case_id: CaseId,
    head: ChainHead,
    pending: Vec<ChainedEvent>,
}

/// An event with its place in the chain.
#[derive(Debug, Clone)]
pub struct ChainedEvent {
    pub seq: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    pub event: NewEvent,
}

impl Chain {
    /// A change of the case `case_id` whose row says its chain ends at `head`.
    pub fn after(delegation: &DelegationCode, case_id: CaseId, head: ChainHead) -> Self {
        Self {
            delegation: delegation.clone(),
            case_id,
            head,
            pending: Vec::new(),
        }
    }

    /// Chains `event` after the last one; returns its sequence number.
    pub fn push(&mut self, event: NewEvent) -> i64 {
        let seq = self.head.seq + 1;
        let hash = event_hash(&self.head.hash, self.case_id, seq, &event).to_vec();
        let prev_hash = std::mem::replace(&mut self.head.hash, hash.clone());
        self.head.seq = seq;
        self.pending.push(ChainedEvent {
            seq,
            prev_hash,
            hash,
            event,
        });
        seq
    }

    pub fn delegation(&self) -> &DelegationCode {
        &self.delegation
    }

    pub fn case_id(&self) -> CaseId {
        self.case_id
    }

    /// The head once the pending events are appended.
    pub fn head(&self) -> &ChainHead {
        &self.head
    }

    pub fn pending(&self) -> &[ChainedEvent] {
        &self.pending
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_events)]
pub struct EventRow {
    pub seq: i64,
    pub procedure_id: Option<ProcedureId>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_id: Option<UserId>,
    pub actor_kind: ActorKind,
    pub at: DateTime<Utc>,
    pub plain: serde_json::Value,
    pub sealed: Option<Vec<u8>>,
}

impl EventRow {
    /// The event as it was appended: what its hash covers, besides its place in the chain.
    pub fn as_new(&self) -> NewEvent {
        NewEvent {
            procedure_id: self.procedure_id,
            action: self.action.clone(),
            from_state: self.from_state.clone(),
            to_state: self.to_state.clone(),
            actor_id: self.actor_id,
            actor_kind: self.actor_kind,
            at: self.at,
            plain: self.plain.clone(),
            sealed: self.sealed.clone(),
        }
    }
}

/// Every event of a case, oldest first.
pub fn events_of(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
) -> Result<Vec<EventRow>, StoreError> {
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

/// A page of a case's events, oldest first: those after `after` (from the first when None),
/// at most `limit`, and only those of the procedures `only` names when it is given.
pub fn events_page(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    case_id: CaseId,
    after: Option<i64>,
    limit: i64,
    only: Option<&[ProcedureId]>,
) -> Result<Vec<EventRow>, StoreError> {
    let mut query = case_events::table
        .filter(
            case_events::delegation
                .eq(delegation)
                .and(case_events::case_id.eq(case_id))
                .and(case_events::seq.gt(after.unwrap_or(0))),
        )
        .order(case_events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(procedures) = only {
        query = query.filter(case_events::procedure_id.eq_any(procedures));
    }
    Ok(query.load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> NewEvent {
        NewEvent {
            procedure_id: None,
            action: "add_note".into(),
            from_state: None,
            to_state: None,
            actor_id: None,
            actor_kind: ActorKind::System,
            at: DateTime::from_timestamp_micros(1_700_000_000_000_000).unwrap(),
            plain: serde_json::json!({ "text": text }),
            sealed: None,
        }
    }

    #[test]
    fn a_chain_links_each_event_to_the_one_before_from_the_head_it_started_on() {
        let case_id = CaseId::from_uuid(uuid::Uuid::from_u128(7));
        let mut chain = Chain::after(&DelegationCode::new("EUD_KE"), case_id, ChainHead::empty());
        assert_eq!(chain.push(note("first")), 1);
        assert_eq!(chain.push(note("second")), 2);
        let [first, second] = chain.pending() else {
            panic!("two events")
        };
        assert_eq!(first.prev_hash, vec![0u8; 32]);
        assert_eq!(first.hash, event_hash(&[0u8; 32], case_id, 1, &note("first")).to_vec());
        assert_eq!(second.prev_hash, first.hash);
        assert_eq!(
            second.hash,
            event_hash(&first.hash, case_id, 2, &note("second")).to_vec()
        );
        assert_eq!(
            chain.head(),
            &ChainHead {
                seq: 2,
                hash: second.hash.clone()
            }
        );
        // A later change starts where this one's head ended.
        let mut next = Chain::after(&DelegationCode::new("EUD_KE"), case_id, chain.head().clone());
        assert_eq!(next.push(note("third")), 3);
        assert_eq!(next.pending()[0].prev_hash, second.hash);
    }
}
