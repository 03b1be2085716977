ALTER TABLE procedures DROP COLUMN claimed_by, DROP COLUMN claimed_at;
