ALTER TABLE digest_entries DROP COLUMN workflow, DROP COLUMN step;
