-- The reference `vigil-bench reads` measures Vigil against: the least one authenticated case
-- read needs, not a transcript of what Vigil sends. The caller's token looked up, the case row
-- with its wrapped key, its procedures, and the access-log line, each committing on its own as
-- Vigil's do (the access-log insert is a durable write on every read).
\set n random(0, :count - 1)
SELECT delegation AS d, case_id AS c, user_id AS u FROM bench_targets WHERE n = :n \gset
SELECT t.user_id, t.hash, t.expires_at, t.revoked_at, u.role, u.delegation, u.disabled_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.prefix = :prefix LIMIT 1;
SELECT c.*, k.wrapped FROM cases c JOIN case_keys k ON k.delegation = c.delegation AND k.case_id = c.id
  WHERE c.id = :c;
SELECT * FROM procedures WHERE delegation = :d AND case_id = :c ORDER BY created_at, id;
INSERT INTO access_log (user_id, delegation, case_id, what, request_id) VALUES (:u, :d, :c, 'read', 'bench');
