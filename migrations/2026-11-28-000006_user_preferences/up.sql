-- A user's own time zone is optional: without one, reminders follow the delegation's. Until
-- now no command could set it, so the 'UTC' every user has is only the old default.
ALTER TABLE users ALTER COLUMN time_zone DROP NOT NULL, ALTER COLUMN time_zone DROP DEFAULT;
UPDATE users SET time_zone = NULL WHERE time_zone = 'UTC';
-- The language of a user's emails (a file under workflows/messages/), English by default.
ALTER TABLE users ADD CONSTRAINT users_language CHECK (language ~ '^[a-z]{2,3}$');
-- Whether a user takes reminders as one digest email a day instead of one by one.
ALTER TABLE users ADD COLUMN digest BOOLEAN NOT NULL DEFAULT false;

-- Reminders that fell due for a digest user, until the day's digest carries them. Plain
-- metadata only, as in any reminder email: the reference, titles, message key and due time.
CREATE TABLE digest_entries (
    user_id        UUID NOT NULL REFERENCES users (id),
    scheduled_id   UUID NOT NULL,
    case_id        UUID NOT NULL,
    reference      TEXT NOT NULL,
    workflow_title TEXT NOT NULL,
    step_title     TEXT NOT NULL,
    message        TEXT NOT NULL,
    due_at         TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Held by the worker sending the digest until then; a crashed worker's hold runs out.
    lease_until    TIMESTAMPTZ,
    sent_at        TIMESTAMPTZ,
    PRIMARY KEY (user_id, scheduled_id)
);
CREATE INDEX digest_entries_unsent ON digest_entries (user_id) WHERE sent_at IS NULL;
