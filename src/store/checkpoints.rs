//! The rows behind signed checkpoints: the lines every replica's checkpoint file is caught up
//! from, the chain heads each checkpoint committed to, and the access log's segments.
//!
//! The access log has no chain of its own (a chain would make every read wait for the one
//! before it); instead each checkpoint covers the rows added since the previous one. So that
//! "the rows up to id N" means the same later as when it was signed, every insert into the log
//! holds [`ACCESS_LOCK`] shared until it commits, and a checkpoint takes it exclusively for
//! the instant it reads the highest id: no row below that id can commit afterwards.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::schema::{checkpoint_leaves, checkpoints};
use crate::domain::{AccessKind, CaseId, DelegationCode, UserId};

/// The advisory lock access-log inserts hold shared and a checkpoint's boundary takes exclusively.
pub const ACCESS_LOCK: i64 = 0x5649_4731_0001;
/// The advisory lock of the one replica signing a checkpoint.
const SIGNER_LOCK: i64 = 0x5649_4731_0002;

/// Where one case's chain stood when a checkpoint committed to it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName)]
pub struct Leaf {
    #[diesel(sql_type = SqlUuid)]
    pub case_id: CaseId,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = BigInt)]
    pub event_seq: i64,
    #[diesel(sql_type = Bytea)]
    pub event_head: Vec<u8>,
}

/// The highest access-log id below which no row can still commit (see the module's comment).
pub fn access_boundary(conn: &mut PgConnection) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Upto {
        #[diesel(sql_type = BigInt)]
        upto: i64,
    }
    super::transaction(conn, |conn| {
        diesel::sql_query("SET LOCAL lock_timeout = '10s'").execute(conn)?;
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(ACCESS_LOCK)
            .execute(conn)?;
        Ok(diesel::sql_query("SELECT coalesce(max(id), 0) AS upto FROM access_log")
            .get_result::<Upto>(conn)?
            .upto)
    })
}

/// Runs `work` in one REPEATABLE READ snapshot as the only signer: None, doing nothing, when
/// another process is signing a checkpoint now.
pub fn as_signer<T, E: From<StoreError>>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, E>,
) -> Result<Option<T>, E> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Bool)]
        locked: bool,
    }
    super::snapshot(conn, |conn| {
        // Comparing a million chain heads with the leaves recorded before, and reading them
        // all, wants more memory than a request's default: in memory, not spilled to disk.
        diesel::sql_query("SET LOCAL work_mem = '256MB'")
            .execute(conn)
            .map_err(StoreError::from)?;
        let locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(SIGNER_LOCK)
            .get_result::<Locked>(conn)
            .map_err(StoreError::from)?
            .locked;
        if !locked {
            return Ok(None);
        }
        work(conn).map(Some)
    })
}

/// The checkpoint lines after sequence number `after`, oldest first.
pub fn lines_after(conn: &mut PgConnection, after: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(checkpoints::table
        .filter(checkpoints::seq.gt(after))
        .order(checkpoints::seq)
        .select((checkpoints::seq, checkpoints::line))
        .load(conn)?)
}

/// The newest checkpoint's sequence number and line.
pub fn last_line(conn: &mut PgConnection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(checkpoints::table
        .order(checkpoints::seq.desc())
        .select((checkpoints::seq, checkpoints::line))
        .first(conn)
        .optional()?)
}

/// Whether a checkpoint is due: none yet, the last older than `interval`, or an erasure
/// approved since the last.
pub fn due(
    conn: &mut PgConnection,
    interval: Option<std::time::Duration>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    #[derive(QueryableByName)]
    struct Due {
        #[diesel(sql_type = Bool)]
        due: bool,
    }
    let cutoff = interval
        .and_then(|every| chrono::Duration::from_std(every).ok())
        .map(|every| now - every);
    Ok(diesel::sql_query(
        "WITH last AS (SELECT max(at) AS at FROM checkpoints)
         SELECT (SELECT at FROM last) IS NULL
             OR coalesce((SELECT at FROM last) <= $1, false)
             OR EXISTS (SELECT 1 FROM erasure_requests WHERE approved_at >= (SELECT at FROM last)) AS due",
    )
    .bind::<Nullable<Timestamptz>, _>(cutoff)
    .get_result::<Due>(conn)?
    .due)
}

/// Records, as leaves of checkpoint `seq`, every case whose chain head is not the one the
/// checkpoints before committed it to. Returns how many.
pub fn record_changed_leaves(conn: &mut PgConnection, seq: i64) -> Result<usize, StoreError> {
    Ok(diesel::sql_query(
        "INSERT INTO checkpoint_leaves (case_id, checkpoint_seq, reference, event_seq, event_head)
         SELECT c.id, $1, c.reference, c.event_seq, c.event_head FROM cases c
         WHERE NOT EXISTS (
             SELECT 1 FROM checkpoint_leaves l
             WHERE l.case_id = c.id AND l.event_seq = c.event_seq AND l.event_head = c.event_head)",
    )
    .bind::<BigInt, _>(seq)
    .execute(conn)?)
}

/// Every case's chain head now, by case id.
pub fn current_leaves(conn: &mut PgConnection) -> Result<Vec<Leaf>, StoreError> {
    use super::schema::cases;
    let mut leaves: Vec<Leaf> = cases::table
        .select((cases::id, cases::reference, cases::event_seq, cases::event_head))
        .load(conn)?;
    leaves.sort_unstable_by_key(|leaf| leaf.case_id);
    Ok(leaves)
}

/// The leaves checkpoint `seq` committed to, by case id.
pub fn leaves_at(conn: &mut PgConnection, seq: i64) -> Result<Vec<Leaf>, StoreError> {
    let mut leaves: Vec<Leaf> = diesel::sql_query(
        "SELECT DISTINCT ON (case_id) case_id, reference, event_seq, event_head FROM checkpoint_leaves
         WHERE checkpoint_seq <= $1 ORDER BY case_id, checkpoint_seq DESC",
    )
    .bind::<BigInt, _>(seq)
    .load(conn)?;
    leaves.sort_unstable_by_key(|leaf| leaf.case_id);
    Ok(leaves)
}

pub fn insert_checkpoint(conn: &mut PgConnection, seq: i64, at: DateTime<Utc>, line: &str) -> Result<(), StoreError> {
    diesel::insert_into(checkpoints::table)
        .values((
            checkpoints::seq.eq(seq),
            checkpoints::at.eq(at),
            checkpoints::line.eq(line),
        ))
        .execute(conn)?;
    Ok(())
}

/// The access-log rows with ids in `(after, upto]`: how many, and one hash over them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub rows: u64,
    pub hash: [u8; 32],
}

#[derive(Debug, Queryable)]
struct AccessLine {
    id: i64,
    at: DateTime<Utc>,
    user_id: Option<UserId>,
    delegation: Option<DelegationCode>,
    case_id: Option<CaseId>,
    what: AccessKind,
    request_id: Option<String>,
}

/// Hashes the access-log rows with ids in `(after, upto]`, reading them in batches.
pub fn access_segment(conn: &mut PgConnection, after: i64, upto: i64) -> Result<Segment, StoreError> {
    use super::schema::access_log;
    const BATCH: i64 = 10_000;
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"vigil access segment v1\0");
    let mut rows = 0u64;
    let mut from = after;
    loop {
        // Row by row (libpq's single-row mode): a batch's rows are hashed as they arrive, never
        // held together, so signing a checkpoint takes the same little memory however many
        // reads it covers.
        let batch = access_log::table
            .filter(access_log::id.gt(from).and(access_log::id.le(upto)))
            .order(access_log::id)
            .limit(BATCH)
            .select((
                access_log::id,
                access_log::at,
                access_log::user_id,
                access_log::delegation,
                access_log::case_id,
                access_log::what,
                access_log::request_id,
            ))
            .load_iter::<AccessLine, diesel::pg::PgRowByRowLoadingMode>(conn)?;
        let mut in_batch = 0;
        for line in batch {
            let line = line?;
            in_batch += 1;
            from = line.id;
            rows += 1;
            hasher.update(line.id.to_be_bytes());
            hasher.update(line.at.timestamp_micros().to_be_bytes());
            field(
                &mut hasher,
                line.user_id
                    .map(|id| id.into_uuid().into_bytes())
                    .unwrap_or_default()
                    .as_slice(),
            );
            field(
                &mut hasher,
                line.delegation.as_ref().map_or("", |d| d.as_str()).as_bytes(),
            );
            field(
                &mut hasher,
                line.case_id
                    .map(|id| id.into_uuid().into_bytes())
                    .unwrap_or_default()
                    .as_slice(),
            );
            field(&mut hasher, line.what.as_str().as_bytes());
            field(&mut hasher, line.request_id.as_deref().unwrap_or_default().as_bytes());
        }
        if in_batch == 0 {
            break;
        }
    }
    Ok(Segment {
        rows,
        hash: hasher.finalize().into(),
    })
}

/// The leaf of one case at checkpoint `seq`, found by its reference.
pub fn leaf_of(conn: &mut PgConnection, reference: &str, seq: i64) -> Result<Option<Leaf>, StoreError> {
    Ok(checkpoint_leaves::table
        .filter(
            checkpoint_leaves::reference
                .eq(reference)
                .and(checkpoint_leaves::checkpoint_seq.le(seq)),
        )
        .order(checkpoint_leaves::checkpoint_seq.desc())
        .select((
            checkpoint_leaves::case_id,
            checkpoint_leaves::reference,
            checkpoint_leaves::event_seq,
            checkpoint_leaves::event_head,
        ))
        .first(conn)
        .optional()?)
}
