-- The SQL of one authenticated `add_note` transition as `vigil serve` issues it, for pgbench.
-- Taken from PostgreSQL's statement log (log_statement = all) of one POST
-- /api/v1/procedures/{id}/transitions, in order, with the same tables, keys and rows; keep it
-- in step with src/cases/transition.rs when that changes. Each client works on its own four
-- procedures (bench_targets, made by `vigil-bench transitions`), like Vigil's clients.
\set n :client_id * 4 + random(0, 3)
SELECT delegation AS d, case_id AS c, procedure_id AS p, user_id AS u FROM bench_targets WHERE n = :n \gset
SELECT t.id, t.user_id, t.hash, t.expires_at, t.revoked_at, u.id, u.email, u.display_name, u.role, u.delegation,
       u.time_zone, u.language, u.digest, u.disabled_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.prefix = :prefix LIMIT 1;
SELECT * FROM cases WHERE id IN (SELECT case_id FROM procedures WHERE id = :p) LIMIT 1;
SELECT * FROM procedures WHERE delegation = :d AND case_id = :c ORDER BY case_id, created_at;
SELECT *, (SELECT time_zone FROM users WHERE id = :u) FROM delegations WHERE code = :d LIMIT 1;
BEGIN;
SELECT * FROM cases WHERE delegation = :d AND id = :c LIMIT 1 FOR UPDATE;
SELECT version AS v FROM procedures WHERE id = :p LIMIT 1 \gset
SELECT * FROM case_keys WHERE delegation = :d AND case_id = :c LIMIT 1;
-- The procedure keeps its own sealed data (as many bytes as Vigil writes; a copy of another
-- case's ciphertext would not open with this case's key on Vigil's next run).
UPDATE procedures SET state = state, queue = queue, version = :v + 1, plain_data = '{}', sealed_data = sealed_data,
       updated_at = now() WHERE delegation = :d AND id = :p;
SELECT seq, hash FROM case_events WHERE delegation = :d AND case_id = :c ORDER BY seq DESC LIMIT 1 \gset
INSERT INTO case_events (delegation, case_id, seq, procedure_id, action, from_state, to_state, actor_id, actor_kind,
                         at, plain, sealed, prev_hash, hash)
  VALUES (:d, :c, :seq + 1, :p, 'add_note', 'draft', 'draft', :u, 'user', now(), '{}', :sealed, :hash, sha256(:hash));
UPDATE cases SET version = version + 1, updated_at = now(),
       next_due_at = (SELECT min(due_at) FROM scheduled WHERE delegation = :d AND case_id = :c AND status = 'pending' LIMIT 1),
       steps = case_steps(:c)
  WHERE delegation = :d AND id = :c RETURNING version;
END;
