CREATE OR REPLACE FUNCTION case_next_due(delegation text, case_id uuid) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT min(s.due_at) FROM scheduled s
    WHERE s.delegation = case_next_due.delegation AND s.case_id = case_next_due.case_id AND s.status = 'pending'
      AND s.message IS DISTINCT FROM 'handoff'
$$;
ALTER TABLE scheduled DROP COLUMN overdue_from;
UPDATE cases SET next_due_at = case_next_due(delegation, id) WHERE erased_at IS NULL;
