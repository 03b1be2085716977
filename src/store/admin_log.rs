//! The administrative log: every administrative act, hash-chained, naming the real actor.
//!
//! One chain for the whole service (administrative acts are rare, so appending under one
//! advisory lock costs nothing that matters); each entry's hash covers its fields and the
//! previous entry's hash, so the chain is checked without any key, and a signed checkpoint
//! commits to its head.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::StoreError;
use super::schema::admin_log;
use crate::domain::{AdminAct, DelegationCode, UserId};

/// The advisory lock an append holds until its transaction ends.
const ADMIN_LOG_LOCK: i64 = 0x5649_4731_0003;

/// An act to record. `actor` None: the operator, on the server's command line.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub actor: Option<UserId>,
    pub act: AdminAct,
    pub subject: Option<UserId>,
    pub delegation: Option<DelegationCode>,
    /// Never a secret: a role, a case reference, a token's prefix, a count.
    pub detail: serde_json::Value,
}

/// A recorded act.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = admin_log)]
#[schema(as = AdminLogEntry)]
pub struct Entry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub act: AdminAct,
    pub subject_id: Option<UserId>,
    pub delegation: Option<DelegationCode>,
    /// Never a secret: a role, a case reference, a token's prefix, a count.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    #[serde(skip)]
    pub prev_hash: Vec<u8>,
    #[serde(skip)]
    pub hash: Vec<u8>,
}

/// The hash of an entry: over its fields and the previous entry's hash.
pub fn entry_hash(prev: &[u8], seq: i64, at: DateTime<Utc>, entry: &NewEntry) -> [u8; 32] {
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"vigil admin log v1\0");
    field(&mut hasher, prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(at.timestamp_micros().to_be_bytes());
    field(
        &mut hasher,
        entry
            .actor
            .map(|id| id.into_uuid().into_bytes())
            .unwrap_or_default()
            .as_slice(),
    );
    field(&mut hasher, entry.act.as_str().as_bytes());
    field(
        &mut hasher,
        entry
            .subject
            .map(|id| id.into_uuid().into_bytes())
            .unwrap_or_default()
            .as_slice(),
    );
    field(
        &mut hasher,
        entry.delegation.as_ref().map_or("", |d| d.as_str()).as_bytes(),
    );
    field(&mut hasher, entry.detail.to_string().as_bytes());
    hasher.finalize().into()
}

/// Appends an entry after the chain's head, in the caller's transaction (or its own).
pub fn append(conn: &mut PgConnection, entry: &NewEntry, at: DateTime<Utc>) -> Result<i64, StoreError> {
    super::transaction(conn, |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(ADMIN_LOG_LOCK)
            .execute(conn)?;
        let (seq, prev) = head(conn)?;
        let seq = seq + 1;
        // Microseconds, as the database keeps them, so the hash reads back the same.
        let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        let hash = entry_hash(&prev, seq, at, entry);
        diesel::insert_into(admin_log::table)
            .values((
                admin_log::seq.eq(seq),
                admin_log::at.eq(at),
                admin_log::actor_id.eq(entry.actor),
                admin_log::act.eq(entry.act),
                admin_log::subject_id.eq(entry.subject),
                admin_log::delegation.eq(entry.delegation.as_ref()),
                admin_log::detail.eq(&entry.detail),
                admin_log::prev_hash.eq(&prev),
                admin_log::hash.eq(hash.to_vec()),
            ))
            .execute(conn)?;
        Ok(seq)
    })
}

/// The chain's head: its last sequence number and hash (0 and a zero hash when empty).
pub fn head(conn: &mut PgConnection) -> Result<(i64, Vec<u8>), StoreError> {
    let last: Option<(i64, Vec<u8>)> = admin_log::table
        .order(admin_log::seq.desc())
        .select((admin_log::seq, admin_log::hash))
        .first(conn)
        .optional()?;
    Ok(last.unwrap_or((0, vec![0u8; 32])))
}

/// A page of the log, newest first: entries before `before` (all when None), of `delegation`
/// only when given.
pub fn page(
    conn: &mut PgConnection,
    delegation: Option<&DelegationCode>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let mut query = admin_log::table.into_boxed();
    if let Some(code) = delegation {
        query = query.filter(admin_log::delegation.eq(code));
    }
    if let Some(before) = before {
        query = query.filter(admin_log::seq.lt(before));
    }
    Ok(query
        .order(admin_log::seq.desc())
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}

/// A broken link of the chain: the entry's sequence number and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub problem: String,
}

/// Walks the chain from its start; returns the first broken link (if any) and the hash at
/// each sequence number (for the checkpoints' heads to be checked against).
pub fn verify(conn: &mut PgConnection) -> Result<(Option<Broken>, Vec<Vec<u8>>), StoreError> {
    let entries: Vec<Entry> = admin_log::table
        .order(admin_log::seq)
        .select(Entry::as_select())
        .load(conn)?;
    let mut previous = vec![0u8; 32];
    let mut hashes = Vec::with_capacity(entries.len());
    for (expected, entry) in (1..).zip(&entries) {
        let broken = |problem: &str| {
            Some(Broken {
                seq: entry.seq,
                problem: problem.to_owned(),
            })
        };
        if entry.seq != expected {
            return Ok((
                broken(&format!("sequence jumps from {} to {}", expected - 1, entry.seq)),
                hashes,
            ));
        }
        if entry.prev_hash != previous {
            return Ok((broken("does not follow the entry before it"), hashes));
        }
        let rebuilt = NewEntry {
            actor: entry.actor_id,
            act: entry.act,
            subject: entry.subject_id,
            delegation: entry.delegation.clone(),
            detail: entry.detail.clone(),
        };
        if entry_hash(&entry.prev_hash, entry.seq, entry.at, &rebuilt).as_slice() != entry.hash.as_slice() {
            return Ok((broken("its content does not match its hash"), hashes));
        }
        previous = entry.hash.clone();
        hashes.push(entry.hash.clone());
    }
    Ok((None, hashes))
}
