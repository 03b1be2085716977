-- Who issued each token and how it reached its owner: printed on the operator's command line,
-- or shown once to its owner behind a one-time link emailed to them. Tokens issued before
-- this migration were all printed on the command line.
ALTER TABLE api_tokens
    ADD COLUMN issued_by UUID REFERENCES users (id),
    ADD COLUMN delivery TEXT NOT NULL DEFAULT 'command_line'
        CHECK (delivery IN ('command_line', 'email_link'));
ALTER TABLE api_tokens ALTER COLUMN delivery DROP DEFAULT;

-- A one-time link to a new token, emailed to its owner when an administrator asks for one in
-- the web interface. The token itself is made only when the owner presses the link's button,
-- so no secret is stored while the link waits: only the link's hash.
CREATE TABLE token_links (
    id_hash    BYTEA PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id),
    issued_by  UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX token_links_user ON token_links (user_id);
