//! Verifying the hash chains of case events, and one digest over every chain head.

use crate::domain::{CaseId, DelegationCode};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::StoreError;
use super::events::{EventRow, NewEvent, event_hash, events_of};
use super::schema::{case_events, cases};

/// A broken link: which case, which event, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub reference: String,
    pub seq: i64,
    pub problem: String,
}

#[derive(Debug, Clone, Queryable)]
struct ChainRow {
    seq: i64,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

fn rebuilt(event: &EventRow) -> NewEvent {
    NewEvent {
        procedure_id: event.procedure_id,
        action: event.action.clone(),
        from_state: event.from_state.clone(),
        to_state: event.to_state.clone(),
        actor_id: event.actor_id,
        actor_kind: event.actor_kind,
        at: event.at,
        plain: event.plain.clone(),
        sealed: event.sealed.clone(),
    }
}

/// Walks every case's chain: each event's hash must cover its own fields and the previous
/// event's hash, from a zero hash at sequence 1, with no gap. Returns every broken link and
/// how many events were checked.
pub fn verify(conn: &mut PgConnection) -> Result<(Vec<BrokenLink>, usize), StoreError> {
    let all: Vec<(DelegationCode, CaseId, String, i64, Vec<u8>)> = cases::table
        .order(cases::reference)
        .select((
            cases::delegation,
            cases::id,
            cases::reference,
            cases::event_seq,
            cases::event_head,
        ))
        .load(conn)?;
    let mut broken = Vec::new();
    let mut checked = 0;
    for (delegation, case_id, reference, head_seq, head_hash) in all {
        let events = events_of(conn, &delegation, case_id)?;
        let links: Vec<ChainRow> = case_events::table
            .filter(
                case_events::delegation
                    .eq(&delegation)
                    .and(case_events::case_id.eq(case_id)),
            )
            .order(case_events::seq)
            .select((case_events::seq, case_events::prev_hash, case_events::hash))
            .load(conn)?;
        let mut previous = vec![0u8; 32];
        for (expected_seq, (event, link)) in (1..).zip(events.iter().zip(&links)) {
            checked += 1;
            let mut problem = |text: &str| {
                broken.push(BrokenLink {
                    reference: reference.clone(),
                    seq: link.seq,
                    problem: text.to_owned(),
                })
            };
            if link.seq != expected_seq {
                problem(&format!("sequence jumps from {} to {}", expected_seq - 1, link.seq));
            }
            if link.prev_hash != previous {
                problem("does not follow the event before it");
            }
            if event_hash(&link.prev_hash, case_id, link.seq, &rebuilt(event)).as_slice() != link.hash.as_slice() {
                problem("its content does not match its hash");
            }
            previous = link.hash.clone();
        }
        // The case row names the chain's last event: events removed from the end (or all of
        // them) leave it pointing past what is left.
        let last = links.last().map_or(0, |link| link.seq);
        if last != head_seq || previous != head_hash {
            broken.push(BrokenLink {
                reference: reference.clone(),
                seq: head_seq,
                problem: format!("the case names event {head_seq} as its last, and its chain ends at {last}"),
            });
        }
    }
    Ok((broken, checked))
}

/// One SHA-256 over every case's chain head (case id, last sequence number, last hash), to be
/// kept outside the database: a truncated or removed chain changes it.
pub fn digest(conn: &mut PgConnection) -> Result<(String, usize), StoreError> {
    let heads: Vec<(CaseId, i64, Vec<u8>)> = case_events::table
        .distinct_on(case_events::case_id)
        .order((case_events::case_id, case_events::seq.desc()))
        .select((case_events::case_id, case_events::seq, case_events::hash))
        .load(conn)?;
    let mut hasher = Sha256::new();
    hasher.update(b"vigil chain heads v1\0");
    for (case_id, seq, hash) in &heads {
        hasher.update(case_id.as_uuid().as_bytes());
        hasher.update(seq.to_be_bytes());
        hasher.update(hash);
    }
    let hex = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, heads.len()))
}
