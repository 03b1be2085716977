-- A case found by a search (its reference, or its defender's name through the blind index) is
-- a line of its access log: finding it by a name tells that the name is in it.
ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('read', 'export', 'denied', 'timeline', 'attachment', 'search'));
