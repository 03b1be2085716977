UPDATE users SET language = 'en' WHERE language IS NULL;
ALTER TABLE users ALTER COLUMN language SET DEFAULT 'en', ALTER COLUMN language SET NOT NULL;
