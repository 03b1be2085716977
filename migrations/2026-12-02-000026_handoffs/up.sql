-- A hand-off (a reminder with the message key `handoff`, due the moment a procedure enters a
-- state that names who must act) tells people something happened; it is not a deadline. So a
-- case's next due time, which the lists sort and filter by ("due before", "overdue"), leaves
-- hand-offs out.
CREATE OR REPLACE FUNCTION case_next_due(delegation text, case_id uuid) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT min(s.due_at) FROM scheduled s
    WHERE s.delegation = case_next_due.delegation AND s.case_id = case_next_due.case_id AND s.status = 'pending'
      AND s.message IS DISTINCT FROM 'handoff'
$$;
