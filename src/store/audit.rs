//! Verifying the hash chains of case events, and one digest over every chain head.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use crate::domain::{CaseId, DelegationCode, ProcedureId, UserId};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::StoreError;
use super::checkpoints::Leaf;
use super::events::{EventRow, event_hash, events_of};
use super::schema::{case_events, cases, procedures};

/// A broken link: which case, which event, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub reference: String,
    pub seq: i64,
    pub problem: String,
}

/// What walking every chain found.
#[derive(Debug, Clone, Default)]
pub struct ChainCheck {
    pub broken: Vec<BrokenLink>,
    pub events: usize,
    /// Leaves of the checkpoint whose case is gone from the database.
    pub missing: Vec<Leaf>,
}

/// The heads a checkpoint committed the cases to, to check each chain against.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    pub checkpoint: i64,
    pub leaves: Vec<Leaf>,
}

#[derive(Debug, Clone, Queryable)]
struct ProcedureRow {
    id: ProcedureId,
    state: String,
    version: i64,
    plain_data: serde_json::Value,
    claimed_by: Option<UserId>,
    claimed_at: Option<DateTime<Utc>>,
}

/// Who holds a procedure of the EUSR queue by its events since its last change: the reviewer
/// of the last claim event if it took it (`take_review`), else no one (`give_back_review`, or
/// no claim since).
fn claim_by_events(since_change: &[&EventRow]) -> Option<(UserId, DateTime<Utc>)> {
    since_change
        .iter()
        .rev()
        .find_map(|e| match e.action.as_str() {
            crate::domain::TAKE_REVIEW_ACTION => Some(e.actor_id.map(|by| (by, e.at))),
            crate::domain::GIVE_BACK_REVIEW_ACTION => Some(None),
            _ => None,
        })
        .flatten()
}

/// The plain fields of `events`, each as the last of them set it.
fn folded<'a>(events: impl Iterator<Item = &'a EventRow>) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    for event in events {
        if let serde_json::Value::Object(plain) = &event.plain {
            fields.extend(plain.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    fields
}

/// Cases walked per round trip: each batch is three statements (its case rows, their events,
/// their procedures), however many events it holds.
const BATCH: i64 = 1000;

/// An event with the two hashes that chain it: its predecessor's and its own.
type Linked = (EventRow, Vec<u8>, Vec<u8>);

/// A case row as the walk reads it.
#[derive(Debug, Clone, Queryable)]
struct CaseRow {
    delegation: DelegationCode,
    id: CaseId,
    reference: String,
    version: i64,
    event_seq: i64,
    event_head: Vec<u8>,
    country: String,
    themes: Vec<Option<String>>,
    risk: String,
    owner_id: UserId,
}

/// Walks every case's chain: each event's hash must cover its own fields and the previous
/// event's hash, from a zero hash at sequence 1, with no gap; the case row must name the last
/// event; the chain must still hold the head `committed` names for it; and each procedure's
/// state, version and plain fields must be what its events made them (the projection), as must
/// the case's country, themes, risk, owner and version (one per change: the events of one
/// change share their time). Cases are read [`BATCH`] at a time, by reference.
pub fn verify(conn: &mut PgConnection, committed: &Committed) -> Result<ChainCheck, StoreError> {
    let mut leaves: HashMap<CaseId, &Leaf> = committed.leaves.iter().map(|leaf| (leaf.case_id, leaf)).collect();
    let mut check = ChainCheck::default();
    let mut after = String::new();
    loop {
        let batch: Vec<CaseRow> = cases::table
            .filter(cases::reference.gt(&after))
            .order(cases::reference)
            .limit(BATCH)
            .select((
                cases::delegation,
                cases::id,
                cases::reference,
                cases::version,
                cases::event_seq,
                cases::event_head,
                cases::country,
                cases::themes,
                cases::risk,
                cases::owner_id,
            ))
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after = last.reference.clone();
        let ids: Vec<CaseId> = batch.iter().map(|case| case.id).collect();
        let mut delegations: Vec<DelegationCode> = batch.iter().map(|case| case.delegation.clone()).collect();
        delegations.sort();
        delegations.dedup();
        let mut events: HashMap<CaseId, Vec<Linked>> = HashMap::new();
        let rows: Vec<(CaseId, EventRow, Vec<u8>, Vec<u8>)> = case_events::table
            .filter(
                case_events::delegation
                    .eq_any(&delegations)
                    .and(case_events::case_id.eq_any(&ids)),
            )
            .order((case_events::case_id, case_events::seq))
            .select((
                case_events::case_id,
                EventRow::as_select(),
                case_events::prev_hash,
                case_events::hash,
            ))
            .load(conn)?;
        for (case_id, event, prev_hash, hash) in rows {
            events.entry(case_id).or_default().push((event, prev_hash, hash));
        }
        let mut procedures_of: HashMap<CaseId, Vec<ProcedureRow>> = HashMap::new();
        let rows: Vec<(CaseId, ProcedureRow)> = procedures::table
            .filter(
                procedures::delegation
                    .eq_any(&delegations)
                    .and(procedures::case_id.eq_any(&ids)),
            )
            .order(procedures::id)
            .select((
                procedures::case_id,
                (
                    procedures::id,
                    procedures::state,
                    procedures::version,
                    procedures::plain_data,
                    procedures::claimed_by,
                    procedures::claimed_at,
                ),
            ))
            .load(conn)?;
        for (case_id, procedure) in rows {
            procedures_of.entry(case_id).or_default().push(procedure);
        }
        for case in &batch {
            let chain = events.remove(&case.id).unwrap_or_default();
            let procedures = procedures_of.remove(&case.id).unwrap_or_default();
            let leaf = leaves.remove(&case.id);
            check_case(case, &chain, &procedures, leaf, committed.checkpoint, &mut check);
        }
    }
    check.missing = leaves.into_values().cloned().collect();
    check.missing.sort_by(|a, b| a.reference.cmp(&b.reference));
    Ok(check)
}

/// One case's chain, its head, its checkpoint leaf and its projection, as [`verify`] checks them.
fn check_case(
    case: &CaseRow,
    chain: &[Linked],
    procedures: &[ProcedureRow],
    leaf: Option<&Leaf>,
    checkpoint: i64,
    check: &mut ChainCheck,
) {
    let reference = &case.reference;
    let mut problem = |seq: i64, text: String| {
        check.broken.push(BrokenLink {
            reference: reference.clone(),
            seq,
            problem: text,
        })
    };
    let mut previous = vec![0u8; 32];
    for (expected_seq, (event, prev_hash, hash)) in (1..).zip(chain) {
        if event.seq != expected_seq {
            problem(
                event.seq,
                format!("sequence jumps from {} to {}", expected_seq - 1, event.seq),
            );
        }
        if *prev_hash != previous {
            problem(event.seq, "does not follow the event before it".into());
        }
        if event_hash(prev_hash, case.id, event.seq, &event.as_new()).as_slice() != hash.as_slice() {
            problem(event.seq, "its content does not match its hash".into());
        }
        previous = hash.clone();
    }
    // The case row names the chain's last event: events removed from the end (or all of
    // them) leave it pointing past what is left.
    let last = chain.last().map_or(0, |(event, _, _)| event.seq);
    if last != case.event_seq || previous != case.event_head {
        problem(
            case.event_seq,
            format!(
                "the case names event {} as its last, and its chain ends at {last}",
                case.event_seq
            ),
        );
    }
    if let Some(leaf) = leaf {
        let kept = chain.iter().find(|(event, _, _)| event.seq == leaf.event_seq);
        match kept {
            _ if leaf.reference != *reference => problem(
                leaf.event_seq,
                format!("checkpoint {checkpoint} committed this case under another reference"),
            ),
            None => problem(
                leaf.event_seq,
                format!("checkpoint {checkpoint} committed the chain to this event, and it is gone"),
            ),
            Some((_, _, hash)) if *hash != leaf.event_head => problem(
                leaf.event_seq,
                format!("is not the event checkpoint {checkpoint} committed the chain to: the chain was rewritten"),
            ),
            Some(_) => {}
        }
    }
    let events: Vec<&EventRow> = chain.iter().map(|(event, _, _)| event).collect();
    // The projection: what the events say each procedure and the case should be.
    for procedure in procedures {
        let named: Vec<&EventRow> = events
            .iter()
            .copied()
            .filter(|e| e.procedure_id == Some(procedure.id))
            .collect();
        // Who the row says holds it (a claim older than its last change has lapsed) must be
        // who its claim events say.
        let last_change = named.iter().rposition(|e| changes_data(e));
        let changed = last_change.map(|i| named[i].at);
        let held = match (procedure.claimed_by, procedure.claimed_at) {
            (Some(by), Some(at)) if changed.is_none_or(|changed| at >= changed) => Some((by, at)),
            _ => None,
        };
        if held != claim_by_events(&named[last_change.map_or(0, |i| i + 1)..]) {
            problem(
                named.last().map_or(0, |e| e.seq),
                format!(
                    "who holds a procedure is not who its claim events name (procedure {})",
                    procedure.id
                ),
            );
        }
        let own: Vec<&EventRow> = named.iter().copied().filter(|e| changes_data(e)).collect();
        let state = own.iter().rev().find_map(|e| e.to_state.as_deref());
        let seq = own.last().map_or(0, |e| e.seq);
        if state != Some(procedure.state.as_str()) {
            problem(
                seq,
                format!(
                    "a procedure's state is not the one its events lead to (procedure {})",
                    procedure.id
                ),
            );
        }
        // A plain field the events set must hold what the last of them set.
        let set = folded(own.iter().copied());
        if let serde_json::Value::Object(stored) = &procedure.plain_data {
            for (name, value) in stored {
                if set.get(name).is_some_and(|from_events| from_events != value) {
                    problem(
                        seq,
                        format!(
                            "a procedure's field `{name}` is not what its events set (procedure {})",
                            procedure.id
                        ),
                    );
                }
            }
        }
        if procedure.version != own.len() as i64 {
            problem(
                seq,
                format!(
                    "a procedure's version is {} and its events make it {} (procedure {})",
                    procedure.version,
                    own.len(),
                    procedure.id
                ),
            );
        }
    }
    // The case row's own plain fields: as its opening and its edits set them, and its owner as
    // the last hand-over did.
    let case_fields = folded(
        events
            .iter()
            .copied()
            .filter(|e| e.procedure_id.is_none() && changes_data(e)),
    );
    let handed = events.iter().rev().find_map(|e| {
        e.plain
            .get("new_owner")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    });
    let owner = handed.or_else(|| case_fields.get("owner").and_then(|v| v.as_str()).map(str::to_owned));
    let themes: Vec<String> = case.themes.iter().flatten().cloned().collect();
    let stored = [
        ("country", serde_json::Value::String(case.country.clone())),
        ("themes", serde_json::json!(themes)),
        ("risk", serde_json::Value::String(case.risk.clone())),
    ];
    for (name, value) in stored {
        if case_fields.get(name).is_some_and(|from_events| *from_events != value) {
            problem(last, format!("the case's `{name}` is not what its events set"));
        }
    }
    if owner.is_some_and(|owner| owner != case.owner_id.to_string()) {
        problem(last, "the case's owner is not the one its events name".into());
    }
    let changes = events
        .iter()
        .map(|e| e.at)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as i64;
    if !events.is_empty() && case.version != changes {
        problem(
            last,
            format!(
                "the case's version is {} and its events make it {changes}",
                case.version
            ),
        );
    }
    check.events += chain.len();
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

/// Whether `event` changes the data it names (the case's, or a procedure's state, fields and
/// version): every event but those that only record something of it (a file's custody, a
/// claim on a review: `domain::changes_nothing`).
pub fn changes_data(event: &EventRow) -> bool {
    !crate::domain::changes_nothing(&event.action)
}

/// A live case's sealed state, for the check of sealed data against its events (which needs
/// the keys, so it is made above the store): its confidential object, its key as wrapped, each
/// procedure's sealed data, and its events.
#[derive(Debug, Clone)]
pub struct SealedCase {
    pub delegation: DelegationCode,
    pub id: CaseId,
    pub reference: String,
    pub sealed: Vec<u8>,
    /// None: the key row is gone (which only erasure may do).
    pub wrapped: Option<Vec<u8>>,
    pub procedures: Vec<(ProcedureId, Option<Vec<u8>>)>,
    pub events: Vec<EventRow>,
}

/// The cases not erased, by reference: what the sealed check walks.
pub fn live_cases(conn: &mut PgConnection) -> Result<Vec<(DelegationCode, CaseId)>, StoreError> {
    Ok(cases::table
        .filter(cases::erased_at.is_null())
        .order(cases::reference)
        .select((cases::delegation, cases::id))
        .load(conn)?)
}

/// One case's sealed state (None: no such live case).
pub fn sealed_case(
    conn: &mut PgConnection,
    delegation: &DelegationCode,
    id: CaseId,
) -> Result<Option<SealedCase>, StoreError> {
    use super::schema::case_keys;
    let row: Option<(String, Vec<u8>, Option<Vec<u8>>)> = cases::table
        .left_join(
            case_keys::table.on(case_keys::delegation
                .eq(cases::delegation)
                .and(case_keys::case_id.eq(cases::id))),
        )
        .filter(
            cases::delegation
                .eq(delegation)
                .and(cases::id.eq(id))
                .and(cases::erased_at.is_null()),
        )
        .select((cases::reference, cases::sealed, case_keys::wrapped.nullable()))
        .first(conn)
        .optional()?;
    let Some((reference, sealed, wrapped)) = row else {
        return Ok(None);
    };
    let procedures = procedures::table
        .filter(procedures::delegation.eq(delegation).and(procedures::case_id.eq(id)))
        .order(procedures::id)
        .select((procedures::id, procedures::sealed_data))
        .load(conn)?;
    Ok(Some(SealedCase {
        delegation: delegation.clone(),
        id,
        reference,
        sealed,
        wrapped,
        procedures,
        events: events_of(conn, delegation, id)?,
    }))
}
