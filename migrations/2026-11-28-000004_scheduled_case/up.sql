-- A case's next due time is refreshed from its pending scheduled items after each reminder
-- sent; without this index that is a scan of the whole table.
CREATE INDEX scheduled_case ON scheduled (delegation, case_id) WHERE status = 'pending';
