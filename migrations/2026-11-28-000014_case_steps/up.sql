-- The workflows, steps and queues of a case's procedures, on the case row, for the case list's
-- filters. A filter on a procedure's step used to probe the procedures of each case in list
-- order until a page was full (a thousand and more index probes for a page at 1,000,000
-- cases: `vigil bench lists`, 10-13 ms a page against 3 ms without it); the same filter is now
-- a test of this array on the rows the list already reads.
--
-- Elements, one set per procedure: 'w:<workflow>', 's:<step>', 'ws:<workflow>/<step>' and,
-- while it waits in one, 'q:<queue>'. Workflow, step and queue names are identifiers (no '/').
-- Kept by the statements that change a case's procedures (they refresh the case row in the
-- same transaction: store::cases::touch_case_and_next_due, refresh_next_due) through
-- case_steps(), which takes each procedure's elements from procedure_steps(), the one
-- definition of the elements (the list's filters in store::cases::list name them too).
CREATE FUNCTION procedure_steps(workflow text, state text, queue text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['w:' || workflow, 's:' || state, 'ws:' || workflow || '/' || state]
           || CASE WHEN queue IS NULL THEN '{}'::text[] ELSE ARRAY['q:' || queue] END
$$;

CREATE FUNCTION case_steps(case_id uuid) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT element ORDER BY element), '{}')
    FROM procedures p, unnest(procedure_steps(p.workflow, p.state, p.queue)) AS element
    WHERE p.case_id = case_steps.case_id
$$;

ALTER TABLE cases ADD COLUMN steps text[] NOT NULL DEFAULT '{}';
UPDATE cases SET steps = case_steps(id);
