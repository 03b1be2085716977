DROP INDEX cases_to_reindex;
DROP INDEX cases_blind_index_joined;
ALTER TABLE cases DROP COLUMN blind_index_version, DROP COLUMN blind_index_joined;
