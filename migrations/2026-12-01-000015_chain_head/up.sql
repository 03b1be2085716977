-- The head of each case's event chain on the case row: the sequence number and hash of its
-- newest event. Every change locks the case row first, so the head it reads there is current,
-- and appending an event needs no read of the chain (a transition used to issue a SELECT of
-- the newest event for it). `vigil audit verify` compares the head with the newest event, so
-- deleting the newest events of a case, or all of them, no longer passes unseen.
ALTER TABLE cases
    ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0 CHECK (event_seq >= 0),
    ADD COLUMN event_head BYTEA NOT NULL DEFAULT decode(repeat('00', 32), 'hex') CHECK (length(event_head) = 32);

UPDATE cases c SET event_seq = newest.seq, event_head = newest.hash
FROM (
    SELECT DISTINCT ON (delegation, case_id) delegation, case_id, seq, hash
    FROM case_events ORDER BY delegation, case_id, seq DESC
) newest
WHERE c.delegation = newest.delegation AND c.id = newest.case_id;

-- A case's next due time, the earliest of its pending scheduled items: the one definition that
-- the statement ending a change (store::cases::commit_change) and the reminders' batch refresh
-- (store::scheduled::REFRESH_NEXT_DUE_SQL) both use.
CREATE FUNCTION case_next_due(delegation text, case_id uuid) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT min(s.due_at) FROM scheduled s
    WHERE s.delegation = case_next_due.delegation AND s.case_id = case_next_due.case_id AND s.status = 'pending'
$$;
