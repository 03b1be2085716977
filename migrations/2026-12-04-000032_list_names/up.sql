-- A case shown in a list with its defender's name (opened for the row) is a line of its access
-- log: the list tells the reader who the case is about.
ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('read', 'export', 'denied', 'timeline', 'attachment', 'search', 'list'));
