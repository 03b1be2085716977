-- Every administrative act, hash-chained, naming who really acted: the signed-in person or
-- the token used (never a user id from a form), or the operator on the server's command line
-- (actor_id NULL). Append-only; its head is committed to by every signed checkpoint.
CREATE TABLE admin_log (
    seq        BIGINT PRIMARY KEY CHECK (seq > 0),
    at         TIMESTAMPTZ NOT NULL,
    actor_id   UUID REFERENCES users (id),
    act        TEXT NOT NULL CHECK (act IN (
        'user_added', 'user_disabled', 'token_link_sent', 'token_issued', 'token_revoked',
        'erasure_requested', 'erasure_approved', 'keys_rotated', 'index_rebuilt')),
    subject_id UUID,
    delegation TEXT,
    detail     JSONB NOT NULL,
    prev_hash  BYTEA NOT NULL,
    hash       BYTEA NOT NULL
);
CREATE INDEX admin_log_by_delegation ON admin_log (delegation, seq);
CREATE TRIGGER admin_log_append_only BEFORE UPDATE OR DELETE ON admin_log
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
