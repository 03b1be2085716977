-- A user's language is optional: without one, the web interface speaks their browser's
-- language (its Accept-Language) and emails are in English. Until now every user had one, and
-- the 'en' most have is only the old default, so it becomes none; a user who wants English
-- whatever their browser says chooses it again on their settings page.
ALTER TABLE users ALTER COLUMN language DROP NOT NULL, ALTER COLUMN language DROP DEFAULT;
UPDATE users SET language = NULL WHERE language = 'en';
