-- Evidence attached to a case: each file sealed to the case's key in age's streaming format as
-- it arrives, its ciphertext kept in rows of at most 256 KiB (`attachment_chunks`) in the same
-- database as everything else: one backup, one erasure (a DELETE in the erasure's
-- transaction), one set of privileges. Large objects were the other choice: they live outside
-- the tables' privileges (one ACL per object), outside row-level deletion (lo_unlink, or
-- vacuumlo for orphans) and would need their own handling in every one of those.
--
-- Nothing here is in clear but sizes, times and who: the file's name, its SHA-256, its size
-- and its media type are sealed in the custody event (`case_events`, action `attach_file`),
-- whose hash chains it to the case's history. `stored_bytes` (the ciphertext's length) tells
-- the file's size to within age's overhead of 16 bytes a 64 KiB chunk: any encryption tells
-- that much; README.md says so.
CREATE TABLE attachments (
    delegation   TEXT NOT NULL,
    id           UUID NOT NULL,
    case_id      UUID NOT NULL,
    procedure_id UUID,
    -- The custody event: the case event that recorded it.
    event_seq    BIGINT NOT NULL,
    uploaded_by  UUID NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    stored_bytes BIGINT NOT NULL CHECK (stored_bytes > 0),
    chunks       INTEGER NOT NULL CHECK (chunks > 0),
    PRIMARY KEY (delegation, id),
    FOREIGN KEY (delegation, case_id) REFERENCES cases (delegation, id)
);
CREATE UNIQUE INDEX attachments_id ON attachments (id);
CREATE INDEX attachments_case ON attachments (delegation, case_id, created_at);

CREATE TABLE attachment_chunks (
    delegation    TEXT NOT NULL,
    attachment_id UUID NOT NULL,
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    bytes         BYTEA NOT NULL,
    PRIMARY KEY (delegation, attachment_id, seq)
);
-- The chunks are written before their attachment's row (its size is known at the end), in the
-- same transaction: the reference is checked at its end.
ALTER TABLE attachment_chunks ADD FOREIGN KEY (delegation, attachment_id)
    REFERENCES attachments (delegation, id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
-- Their ciphertext is already compressed as far as it goes: kept out of line, not compressed.
ALTER TABLE attachment_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;

ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('read', 'export', 'denied', 'timeline', 'attachment'));
