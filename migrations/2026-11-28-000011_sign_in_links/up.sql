-- One-time sign-in links for the web interface, sent by email. Only the SHA-256 of a link's
-- secret is stored; a link works once, for 15 minutes.
CREATE TABLE sign_in_links (
    id_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX sign_in_links_expires ON sign_in_links (expires_at);
