-- The blind index, version 2: keyed per delegation, two values (the name's parts sorted, and
-- run together in order), either of which in common makes a possible duplicate. Rows written
-- before keep version 1 until `vigil keys reindex` rewrites them.
ALTER TABLE cases
    ADD COLUMN blind_index_joined BYTEA,
    ADD COLUMN blind_index_version SMALLINT NOT NULL DEFAULT 1;
CREATE INDEX cases_blind_index_joined ON cases (blind_index_joined) WHERE blind_index_joined IS NOT NULL;
CREATE INDEX cases_to_reindex ON cases (id) WHERE blind_index_version < 2 AND erased_at IS NULL;
