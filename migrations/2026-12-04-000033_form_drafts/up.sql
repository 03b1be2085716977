-- A form that reached Vigil after its session ended, kept until its person signs in again: sealed
-- with age to a one-time key whose secret only their browser holds (see http::ui::kept), padded
-- to whole kibibytes. One per person; taken once; gone after twelve hours.
CREATE TABLE form_drafts (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    sealed bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX form_drafts_user ON form_drafts (user_id);
