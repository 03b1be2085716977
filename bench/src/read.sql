-- The SQL of one GET /api/v1/cases/{id} as `vigil serve` issues it, for pgbench. Taken from
-- PostgreSQL's statement log (log_statement = all) of one read, in order; keep it in step with
-- src/cases/read.rs when that changes. Each statement commits on its own, as Vigil's do: the
-- access-log insert is a durable write on every read.
\set n random(0, :count - 1)
SELECT delegation AS d, case_id AS c, user_id AS u FROM bench_targets WHERE n = :n \gset
SELECT t.id, t.user_id, t.hash, t.expires_at, t.revoked_at, u.id, u.email, u.display_name, u.role, u.delegation,
       u.time_zone, u.language, u.digest, u.disabled_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.prefix = :prefix LIMIT 1;
SELECT * FROM cases WHERE id = :c LIMIT 1;
SELECT * FROM procedures WHERE delegation = :d AND case_id = :c ORDER BY case_id, created_at;
SELECT * FROM case_keys WHERE delegation = :d AND case_id = :c LIMIT 1;
INSERT INTO access_log (user_id, delegation, case_id, what, request_id) VALUES (:u, :d, :c, 'read', 'bench');
SELECT other.reference FROM cases me
  JOIN cases other ON other.blind_index = me.blind_index AND other.delegation = me.delegation
  WHERE me.delegation = :d AND me.id = :c AND other.id <> me.id AND other.erased_at IS NULL
  ORDER BY other.reference;
SELECT id, procedure_id, kind, message, action, due_at FROM scheduled
  WHERE delegation = :d AND case_id = :c AND status = 'pending' ORDER BY due_at;
