-- Signed audit checkpoints. Each line is kept here as it was written to the checkpoint file
-- outside the database, so that every replica's file can catch up with the others'; the file,
-- signed with a key the database never holds, is what verification trusts.
CREATE TABLE checkpoints (
    seq  BIGINT PRIMARY KEY CHECK (seq > 0),
    at   TIMESTAMPTZ NOT NULL,
    line TEXT NOT NULL
);

-- The chain head a checkpoint committed each case to, written only when it changed since the
-- checkpoint before: a case's leaf at checkpoint n is its row with the greatest
-- checkpoint_seq <= n. The signed Merkle root over the leaves authenticates these rows.
CREATE TABLE checkpoint_leaves (
    case_id        UUID NOT NULL,
    checkpoint_seq BIGINT NOT NULL,
    reference      TEXT NOT NULL,
    event_seq      BIGINT NOT NULL,
    event_head     BYTEA NOT NULL,
    PRIMARY KEY (case_id, checkpoint_seq)
);

CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
CREATE TRIGGER checkpoint_leaves_append_only BEFORE UPDATE OR DELETE ON checkpoint_leaves
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
