DROP TABLE digest_entries;
ALTER TABLE users DROP COLUMN digest;
ALTER TABLE users DROP CONSTRAINT users_language;
UPDATE users SET time_zone = 'UTC' WHERE time_zone IS NULL;
ALTER TABLE users ALTER COLUMN time_zone SET DEFAULT 'UTC', ALTER COLUMN time_zone SET NOT NULL;
