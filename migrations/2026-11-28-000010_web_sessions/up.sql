-- Signed-in browser sessions of the web interface. The cookie holds a random secret; only its
-- SHA-256 is stored, so a copy of this table signs no one in. A session signed in with an API
-- token names it, and ends when the token is revoked or expires.
CREATE TABLE web_sessions (
    id_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    token_id uuid REFERENCES api_tokens (id),
    -- The synchronizer token every form of this session carries.
    csrf text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    -- The absolute end, whatever the activity.
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
