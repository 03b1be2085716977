//! Data for `vigil-bench`: a delegation with cases and procedures, and due reminders loaded in
//! bulk. Only ever run against the bench's own database.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use uuid::Uuid;

use vigil::store::StoreError;

pub const DELEGATION: &str = "EUD_BENCH";

/// A delegation, one focal point (the owner of every case) and `cases` cases, each with one
/// procedure of `workflow` in `state`.
pub fn seed(conn: &mut PgConnection, workflow: &str, version: &str, state: &str, cases: i64) -> Result<(), StoreError> {
    let owner = Uuid::new_v4();
    diesel::sql_query("INSERT INTO delegations (code, name) VALUES ($1, 'Bench delegation')")
        .bind::<Text, _>(DELEGATION)
        .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO users (id, email, display_name, role, delegation)
         VALUES ($1, 'bench-owner@example.org', 'Bench owner', 'focal_point', $2)",
    )
    .bind::<diesel::sql_types::Uuid, _>(owner)
    .bind::<Text, _>(DELEGATION)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO cases (delegation, id, reference, country, themes, risk, owner_id, sealed)
         SELECT $1, gen_random_uuid(), 'VG-2026-' || lpad(g::text, 5, '0'), 'KE', '{MEDIA}', 'high', $2, '\\x00'
         FROM generate_series(1, $3) g",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<diesel::sql_types::Uuid, _>(owner)
    .bind::<BigInt, _>(cases)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO procedures (delegation, id, case_id, workflow, workflow_version, state)
         SELECT delegation, gen_random_uuid(), id, $2, $3, $4 FROM cases WHERE delegation = $1",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<Text, _>(workflow)
    .bind::<Text, _>(version)
    .bind::<Text, _>(state)
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE cases SET steps = case_steps(id), figures = case_figures(delegation, id) WHERE delegation = $1",
    )
    .bind::<Text, _>(DELEGATION)
    .execute(conn)?;
    Ok(())
}

/// Replaces every scheduled item with `count` reminders to the owner, due just before `now`,
/// spread over the seeded procedures.
pub fn load_due_reminders(
    conn: &mut PgConnection,
    message: &str,
    count: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::sql_query("TRUNCATE scheduled").execute(conn)?;
    // Due a minute ago and earlier, a millisecond apart.
    spread_reminders(
        conn,
        message,
        count,
        now - chrono::Duration::minutes(1),
        -chrono::Duration::milliseconds(1),
    )?;
    // Each run starts from the same tables: the previous drain (Vigil's or pgbench's) left a
    // dead version of a case row per batch, which the next would otherwise walk past.
    diesel::sql_query("VACUUM ANALYZE cases").execute(conn)?;
    diesel::sql_query("VACUUM ANALYZE scheduled").execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// How many reminders are still pending.
pub fn pending_reminders(conn: &mut PgConnection) -> Result<i64, StoreError> {
    let row: Count =
        diesel::sql_query("SELECT count(*) AS count FROM scheduled WHERE kind = 'reminder' AND status = 'pending'")
            .get_result(conn)?;
    Ok(row.count)
}

/// Numbers the seeded procedures `0..` (by case reference) in `bench_targets`, for pgbench
/// scripts to pick a row by number: delegation, case, procedure and the case owner.
pub fn number_targets(conn: &mut PgConnection) -> Result<(), StoreError> {
    diesel::sql_query("DROP TABLE IF EXISTS bench_targets").execute(conn)?;
    diesel::sql_query(
        "CREATE TABLE bench_targets AS
         SELECT (row_number() OVER (ORDER BY c.reference, p.id) - 1)::int AS n,
                p.delegation, p.case_id, p.id AS procedure_id, c.owner_id AS user_id
         FROM procedures p JOIN cases c ON c.delegation = p.delegation AND c.id = p.case_id",
    )
    .execute(conn)?;
    diesel::sql_query("CREATE UNIQUE INDEX ON bench_targets (n)").execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Sealed {
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    sealed: Vec<u8>,
}

/// The largest sealed event payload, for a reference to write as many bytes.
pub fn largest_sealed_event(conn: &mut PgConnection) -> Result<Option<Vec<u8>>, StoreError> {
    let row: Option<Sealed> = diesel::sql_query(
        "SELECT sealed FROM case_events WHERE sealed IS NOT NULL ORDER BY length(sealed) DESC LIMIT 1",
    )
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.sealed))
}

/// Adds `count` cases owned by `owner` in the bench delegation, each with one procedure of
/// `workflow` in one of `states`, with risks, themes, countries and creation times spread
/// over three years; for the list scenario. Sealed columns hold a placeholder byte: lists
/// never decrypt.
pub fn bulk_cases(
    conn: &mut PgConnection,
    owner: vigil::domain::UserId,
    workflow: &str,
    version: &str,
    states: &[String],
    count: i64,
) -> Result<(), StoreError> {
    diesel::sql_query(
        "INSERT INTO cases (delegation, id, reference, country, themes, risk, owner_id, sealed, created_at, updated_at,
                            steps, figures)
         SELECT $1, gen_random_uuid(), 'VG-2020-' || lpad(g::text, 7, '0'),
                (ARRAY['KE','UG','TZ','ET','SO'])[1 + g % 5],
                ARRAY[(ARRAY['MEDIA','LAWYERS','ENV_LAND','WHRD','LGBTI','LABOUR'])[1 + g % 6]],
                (ARRAY['low','medium','high','critical'])[1 + (g / 7) % 4],
                $2, '\\x00', t, t,
                procedure_steps($4, step, NULL), ARRAY[procedure_figure($4, step, '{}', t)]
         FROM generate_series(1, $3) g,
              LATERAL (SELECT now() - (g * interval '90 seconds') AS t) created,
              LATERAL (SELECT ($5::text[])[1 + (g * 7) % cardinality($5::text[])] AS step) chosen",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<diesel::sql_types::Uuid, _>(owner)
    .bind::<BigInt, _>(count)
    .bind::<Text, _>(workflow)
    .bind::<diesel::sql_types::Array<Text>, _>(states)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO procedures (delegation, id, case_id, workflow, workflow_version, state, created_at, updated_at)
         SELECT c.delegation, gen_random_uuid(), c.id, $2, $3,
                ($4::text[])[1 + (substr(c.reference, 9)::bigint * 7) % cardinality($4::text[])], c.created_at, c.created_at
         FROM cases c WHERE c.delegation = $1 AND NOT EXISTS (SELECT 1 FROM procedures p WHERE p.case_id = c.id)",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<Text, _>(workflow)
    .bind::<Text, _>(version)
    .bind::<diesel::sql_types::Array<Text>, _>(states)
    .execute(conn)?;
    diesel::sql_query("ANALYZE cases").execute(conn)?;
    diesel::sql_query("ANALYZE procedures").execute(conn)?;
    Ok(())
}

/// A second procedure, of `workflow` in one of its `states`, opened a day after the case, for
/// every `every`-th case of the bench delegation that has one procedure: cases counted once
/// whatever their procedures is what the procedures report must get right.
pub fn second_procedures(
    conn: &mut PgConnection,
    workflow: &str,
    version: &str,
    states: &[String],
    every: i64,
) -> Result<usize, StoreError> {
    let added = diesel::sql_query(
        "INSERT INTO procedures (delegation, id, case_id, workflow, workflow_version, state, created_at, updated_at)
         SELECT c.delegation, gen_random_uuid(), c.id, $2, $3,
                ($4::text[])[1 + (substr(c.reference, 9)::bigint * 5) % cardinality($4::text[])],
                c.created_at + interval '1 day', c.created_at + interval '1 day'
         FROM cases c
         WHERE c.delegation = $1 AND substr(c.reference, 9)::bigint % $5 = 0
           AND (SELECT count(*) FROM procedures p WHERE p.delegation = c.delegation AND p.case_id = c.id) = 1",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<Text, _>(workflow)
    .bind::<Text, _>(version)
    .bind::<diesel::sql_types::Array<Text>, _>(states)
    .bind::<BigInt, _>(every)
    .execute(conn)?;
    // Their cases' figures, as a change would leave them (what the procedures report reads).
    diesel::sql_query(
        "UPDATE cases SET figures = case_figures(delegation, id)
         WHERE delegation = $1 AND substr(reference, 9)::bigint % $2 = 0",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<BigInt, _>(every)
    .execute(conn)?;
    diesel::sql_query("ANALYZE procedures").execute(conn)?;
    Ok(added)
}

/// Sequential scans so far of each of Vigil's tables, by name.
pub fn seq_scans(conn: &mut PgConnection) -> Result<Vec<(String, i64)>, StoreError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        relname: String,
        #[diesel(sql_type = BigInt)]
        seq_scan: i64,
    }
    let rows: Vec<Row> =
        diesel::sql_query("SELECT relname::text AS relname, seq_scan FROM pg_stat_user_tables ORDER BY relname")
            .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.relname, r.seq_scan)).collect())
}

/// What a table and its indexes weigh, in MiB.
pub fn table_size_mb(conn: &mut PgConnection, table: &str) -> Result<f64, StoreError> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        bytes: i64,
    }
    let size: Size = diesel::sql_query("SELECT pg_total_relation_size($1::regclass) AS bytes")
        .bind::<Text, _>(table)
        .get_result(conn)?;
    Ok(size.bytes as f64 / 1024.0 / 1024.0)
}

/// `per_case` events for every case of the bench delegation that has none yet (the scale
/// bench's history: 10 per case for 1,000,000 cases is 10,000,000 rows), inserted by the
/// server from `generate_series` in one statement. The hashes are filler: the chain of these
/// cases is not verified.
pub fn bulk_events(conn: &mut PgConnection, per_case: i64) -> Result<(), StoreError> {
    diesel::sql_query(
        "INSERT INTO case_events (delegation, case_id, seq, procedure_id, action, from_state, to_state,
                                  actor_kind, at, plain, sealed, prev_hash, hash)
         SELECT c.delegation, c.id, s, p.id, 'add_note', p.state, p.state, 'user',
                c.created_at + s * interval '1 hour', '{}', '\\x00'::bytea,
                decode(repeat('00', 32), 'hex'), decode(repeat('11', 32), 'hex')
         FROM cases c
              -- A case's first procedure: its chain is one per case, whatever its procedures.
              CROSS JOIN LATERAL (SELECT p.id, p.state FROM procedures p
                                  WHERE p.delegation = c.delegation AND p.case_id = c.id
                                  ORDER BY p.created_at LIMIT 1) p,
              generate_series(1, $2) s
         WHERE c.delegation = $1 AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.delegation = c.delegation AND e.case_id = c.id)",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<BigInt, _>(per_case)
    .execute(conn)?;
    // The case rows name their chain's last event, as a change would leave them.
    diesel::sql_query(
        "UPDATE cases SET event_seq = $2, event_head = decode(repeat('11', 32), 'hex')
         WHERE delegation = $1 AND event_seq < $2",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<BigInt, _>(per_case)
    .execute(conn)?;
    diesel::sql_query("ANALYZE case_events").execute(conn)?;
    Ok(())
}

/// Adds `count` pending reminders that fall due a month after `now`: rows the claim must not
/// pay for.
pub fn load_not_due(conn: &mut PgConnection, count: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    // Due in a month and later, a second apart.
    spread_reminders(
        conn,
        "demarche.decision_due",
        count,
        now + chrono::Duration::days(30),
        chrono::Duration::seconds(1),
    )?;
    diesel::sql_query("VACUUM ANALYZE scheduled").execute(conn)?;
    Ok(())
}

/// `count` pending reminders `message` to the owner, spread over the bench delegation's
/// procedures in turn, the first due at `first`, each next one `step` later.
fn spread_reminders(
    conn: &mut PgConnection,
    message: &str,
    count: i64,
    first: DateTime<Utc>,
    step: chrono::Duration,
) -> Result<(), StoreError> {
    diesel::sql_query(
        "WITH p AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, * FROM procedures WHERE delegation = $1),
              n AS (SELECT count(*) AS n FROM p)
         INSERT INTO scheduled (delegation, id, case_id, procedure_id, state, kind, position, message, recipients, due_at)
         SELECT p.delegation, gen_random_uuid(), p.case_id, p.id, p.state, 'reminder', 0, $2, '{owner}',
                $4 + g * make_interval(secs => $5)
         FROM generate_series(0, $3 - 1) g JOIN p ON p.k = g % (SELECT n FROM n)",
    )
    .bind::<Text, _>(DELEGATION)
    .bind::<Text, _>(message)
    .bind::<BigInt, _>(count)
    .bind::<Timestamptz, _>(first)
    .bind::<diesel::sql_types::Double, _>(step.num_microseconds().unwrap_or(0) as f64 / 1e6)
    .execute(conn)?;
    Ok(())
}

/// A table's size and its indexes' size, in MB.
#[derive(Debug, Clone, QueryableByName)]
pub struct RelationSize {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub rows: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub table_mb: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub indexes_mb: f64,
}

/// The sizes of Vigil's largest tables (heap with TOAST, and all indexes), and their row
/// counts as `ANALYZE` estimates them.
pub fn relation_sizes(conn: &mut PgConnection) -> Result<Vec<RelationSize>, StoreError> {
    diesel::sql_query("ANALYZE cases, procedures, case_events, scheduled, access_log, case_keys").execute(conn)?;
    Ok(diesel::sql_query(
        "SELECT c.relname::text AS name, greatest(c.reltuples, 0)::bigint AS rows,
                (pg_table_size(c.oid) / 1048576.0)::float8 AS table_mb,
                (pg_indexes_size(c.oid) / 1048576.0)::float8 AS indexes_mb
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND c.relname IN ('cases', 'procedures', 'case_events', 'scheduled', 'access_log', 'case_keys')
         ORDER BY c.relname",
    )
    .load(conn)?)
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The claim statement Vigil issues (`CLAIM_DUE_SQL`, a batch of `limit` reminders), run under
/// `EXPLAIN (ANALYZE, BUFFERS)` in a transaction that is rolled back: its execution time in
/// milliseconds and the shared buffers it touched, as PostgreSQL reports them.
pub fn explain_claim(conn: &mut PgConnection, now: DateTime<Utc>, limit: i64) -> Result<(f64, i64), StoreError> {
    use diesel::connection::SimpleConnection;
    // Nothing the EXPLAIN claims stays claimed: its transaction is rolled back.
    conn.batch_execute("BEGIN")?;
    let explained = diesel::sql_query(format!(
        "EXPLAIN (ANALYZE, BUFFERS) {}",
        vigil::store::scheduled::CLAIM_DUE_SQL
    ))
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + chrono::Duration::minutes(2))
    .bind::<BigInt, _>(limit)
    .bind::<Text, _>("reminder")
    .load::<PlanLine>(conn);
    conn.batch_execute("ROLLBACK")?;
    let lines: Vec<String> = explained?.into_iter().map(|l| l.line).collect();
    let number_after = |marker: &str| {
        lines.iter().find_map(|l| {
            let rest = &l[l.find(marker)? + marker.len()..];
            rest.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .next()?
                .parse::<f64>()
                .ok()
        })
    };
    let ms = number_after("Execution Time: ").unwrap_or(f64::NAN);
    // The top node's buffers count every node's below it.
    let hit = number_after("shared hit=").unwrap_or(0.0);
    let read = number_after(" read=").unwrap_or(0.0);
    Ok((ms, (hit + read) as i64))
}

/// Moves the chain heads of `count` cases on by one event's worth (as an appended event would:
/// a higher sequence number and another head), without writing the events: what a checkpoint
/// reads is the case row. Returns how many moved.
pub fn advance_heads(conn: &mut PgConnection, count: i64) -> Result<usize, StoreError> {
    Ok(diesel::sql_query(
        "UPDATE cases SET event_seq = event_seq + 1, event_head = sha256(event_head)
         WHERE id IN (SELECT id FROM cases ORDER BY random() LIMIT $1)",
    )
    .bind::<diesel::sql_types::BigInt, _>(count)
    .execute(conn)?)
}
