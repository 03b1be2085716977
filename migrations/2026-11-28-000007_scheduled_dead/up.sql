-- Dead items are few but counted on every metrics scrape: an index keeps that off the whole table.
CREATE INDEX scheduled_dead ON scheduled (kind) WHERE status = 'dead';
