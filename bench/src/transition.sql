-- The reference `vigil-bench transitions` measures Vigil against: the least one authenticated
-- `add_note` transition needs, not a transcript of what Vigil sends (that would grow with
-- Vigil's own waste). The caller's token looked up; then, in one transaction, the case row
-- locked (its version and chain head come with it), the procedure's versioned update, the
-- event chained after the head with as many sealed bytes as Vigil writes, and the case row's
-- version and head moved on. Each client works on its own four procedures (bench_targets, made
-- by `vigil-bench transitions`), like Vigil's clients.
\set n :client_id * 4 + random(0, 3)
SELECT delegation AS d, case_id AS c, procedure_id AS p, user_id AS u FROM bench_targets WHERE n = :n \gset
SELECT t.user_id, t.hash, t.expires_at, t.revoked_at, u.role, u.delegation, u.disabled_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.prefix = :prefix LIMIT 1;
BEGIN;
SELECT version, event_seq FROM cases WHERE delegation = :d AND id = :c FOR UPDATE;
UPDATE procedures SET version = version + 1, updated_at = now() WHERE delegation = :d AND id = :p;
INSERT INTO case_events (delegation, case_id, seq, procedure_id, action, from_state, to_state, actor_id, actor_kind,
                         at, plain, sealed, prev_hash, hash)
  SELECT :d, :c, event_seq + 1, :p, 'add_note', 'draft', 'draft', :u, 'user', now(), '{}', :sealed, event_head,
         sha256(event_head)
  FROM cases WHERE delegation = :d AND id = :c;
UPDATE cases SET version = version + 1, updated_at = now(), event_seq = event_seq + 1, event_head = sha256(event_head)
  WHERE delegation = :d AND id = :c;
END;
