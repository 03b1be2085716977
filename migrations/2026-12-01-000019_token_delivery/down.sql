DROP TABLE token_links;
ALTER TABLE api_tokens DROP COLUMN delivery, DROP COLUMN issued_by;
