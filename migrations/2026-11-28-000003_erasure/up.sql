-- Erasure (crypto-shredding) takes two admins: one requests, another approves. Approval
-- deletes the case's key row, so no copy of its ciphertext (backups included) can be opened;
-- the case row stays as a tombstone of plain metadata for statistics.
CREATE TABLE erasure_requests (
    id           UUID PRIMARY KEY,
    delegation   TEXT NOT NULL,
    case_id      UUID NOT NULL,
    -- A code, not free text: nothing about the person may sit beside an erased case.
    reason       TEXT NOT NULL CHECK (reason IN ('defender_request', 'retention_expired', 'data_protection_order', 'opened_in_error')),
    requested_by UUID NOT NULL REFERENCES users (id),
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    approved_by  UUID REFERENCES users (id),
    approved_at  TIMESTAMPTZ,
    FOREIGN KEY (delegation, case_id) REFERENCES cases (delegation, id),
    CHECK (approved_by IS NULL OR approved_by <> requested_by),
    CHECK ((approved_by IS NULL) = (approved_at IS NULL))
);
CREATE UNIQUE INDEX erasure_requests_open ON erasure_requests (case_id) WHERE approved_at IS NULL;
