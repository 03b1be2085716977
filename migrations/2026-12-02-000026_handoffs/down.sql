CREATE OR REPLACE FUNCTION case_next_due(delegation text, case_id uuid) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT min(s.due_at) FROM scheduled s
    WHERE s.delegation = case_next_due.delegation AND s.case_id = case_next_due.case_id AND s.status = 'pending'
$$;
