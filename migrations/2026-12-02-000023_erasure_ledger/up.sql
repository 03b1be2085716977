-- The erasure ledger: one signed line per erased case, kept here as it was written to the
-- ledger file outside the database (so every replica's file can catch up with the others').
-- The file is what Vigil trusts: at every start and after every restore, each case it names
-- is shredded again if a restored backup brought its key back. No foreign key to cases: a
-- restored backup may not hold a case opened and erased after it was taken.
CREATE TABLE erasure_ledger (
    seq        BIGINT PRIMARY KEY CHECK (seq > 0),
    -- The key a distribution of the tables by delegation would use (ARCHITECTURE.md).
    delegation TEXT NOT NULL,
    case_id    UUID NOT NULL UNIQUE,
    at         TIMESTAMPTZ NOT NULL,
    line       TEXT NOT NULL
);

CREATE TRIGGER erasure_ledger_append_only BEFORE UPDATE OR DELETE ON erasure_ledger
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
