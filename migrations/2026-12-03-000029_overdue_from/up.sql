-- A reminder scheduled after its moment had passed (a hearing entered too close for its 7-day
-- notice, or already past) goes out late, at the next working moment; `overdue_from` keeps the
-- moment it stood for. It is no more than `due_at` tells of any reminder on time: the start of
-- a day derived from a field, never the field itself.
ALTER TABLE scheduled ADD COLUMN overdue_from timestamptz;

-- A case's next due time, which the lists sort and filter by ("overdue only"), counts what is
-- still asked: pending timers and reminders (from the moment a late one stood for), and a
-- one-off reminder already sent while its procedure is still in the step that scheduled it,
-- as "Needs me" does. Hand-offs tell, they are not deadlines.
CREATE OR REPLACE FUNCTION case_next_due(delegation text, case_id uuid) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT min(coalesce(s.overdue_from, s.due_at)) FROM scheduled s
    WHERE s.delegation = case_next_due.delegation AND s.case_id = case_next_due.case_id
      AND s.message IS DISTINCT FROM 'handoff'
      AND (s.status = 'pending'
           OR (s.status = 'done' AND s.kind = 'reminder' AND s.repeat IS NULL
               AND EXISTS (SELECT 1 FROM procedures p
                           WHERE p.delegation = s.delegation AND p.id = s.procedure_id AND p.state = s.state)))
$$;

UPDATE cases SET next_due_at = case_next_due(delegation, id) WHERE erased_at IS NULL;
