-- A digest entry keeps its procedure's workflow and step by name, beside their English titles,
-- so a digest can name them in its reader's language. (Nothing new for a stolen backup: the
-- titles already say as much.) Entries made before this have neither and keep their titles.
ALTER TABLE digest_entries
    ADD COLUMN workflow text NOT NULL DEFAULT '',
    ADD COLUMN step text NOT NULL DEFAULT '';
