-- What the procedures report counts of a case, on the case row: one element per distinct
-- '<workflow>/<state>/<outcome>/<YYYY-MM>' among its procedures (the outcome is the plain
-- `outcome` code a procedure was closed with, 'open' until then; the month is the one it was
-- opened in, in UTC). Counting cases, not procedures, used to group every procedure of the
-- period by its case at report time (1,333,333 rows at 1,000,000 cases: 2.9 s, BENCHMARKS.md
-- `reports`); with this a report reads one row per case and groups cases alike in what they
-- count. Plain metadata already in clear in `procedures`: nothing more is told to a reader of
-- a copy.
--
-- Kept like `steps`, by the statement that ends every change of a case's procedures
-- (store::cases::commit_change refreshes the case row in the same transaction). Workflow and
-- state names are identifiers and outcomes plain codes (`vigil workflows check`): no '/'.
CREATE FUNCTION procedure_figure(workflow text, state text, plain_data jsonb, created_at timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT workflow || '/' || state || '/' || coalesce(plain_data ->> 'outcome', 'open') || '/'
           || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')
$$;

CREATE FUNCTION case_figures(delegation text, case_id uuid) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT procedure_figure(p.workflow, p.state, p.plain_data, p.created_at)
                              ORDER BY procedure_figure(p.workflow, p.state, p.plain_data, p.created_at)), '{}')
    FROM procedures p
    WHERE p.delegation = case_figures.delegation AND p.case_id = case_figures.case_id
$$;

ALTER TABLE cases ADD COLUMN figures text[] NOT NULL DEFAULT '{}';
UPDATE cases SET figures = case_figures(delegation, id);
