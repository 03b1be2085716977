DROP INDEX access_log_case;
CREATE INDEX access_log_case ON access_log (case_id, at);
