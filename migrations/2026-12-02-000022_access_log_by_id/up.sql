-- A case's access log is read newest first a page at a time, its id the cursor: index it by
-- (case, id) rather than (case, time), so a page is one index range whatever the clock said.
DROP INDEX access_log_case;
CREATE INDEX access_log_case ON access_log (case_id, id);
