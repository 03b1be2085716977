-- A grant that reaches cases (a new user, a change of role or delegation, re-enabling a
-- disabled user) asked for in the web interface or the API is a request: nothing changes until
-- a second person approves it, the head of the delegation concerned for its focal points (a
-- second administrator while the delegation has no active head), a second administrator for
-- everyone else. Neither the requester nor the person the grant is for may decide it: the
-- CHECK below holds even against a forged UPDATE by the serving role.
CREATE TABLE grant_requests (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('new_user', 'change', 're_enable')),
    -- The user the grant is for; a new user's id, chosen now, is theirs once approved.
    user_id      UUID NOT NULL,
    -- A new user's address and name, until the approval makes them a user row.
    email        TEXT,
    display_name TEXT CHECK (length(display_name) BETWEEN 1 AND 200),
    role         TEXT NOT NULL CHECK (role IN ('focal_point', 'head_of_delegation', 'eusr_reviewer', 'admin')),
    delegation   TEXT REFERENCES delegations (code),
    -- Who may decide, fixed when asked: 'head_of_delegation' (of `delegation`) or 'admin'.
    approver     TEXT NOT NULL CHECK (approver IN ('head_of_delegation', 'admin')),
    requested_by UUID NOT NULL REFERENCES users (id),
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by   UUID REFERENCES users (id),
    decided_at   TIMESTAMPTZ,
    decision     TEXT CHECK (decision IN ('approved', 'refused')),
    CHECK ((role IN ('focal_point', 'head_of_delegation')) = (delegation IS NOT NULL)),
    CHECK ((kind = 'new_user') = (email IS NOT NULL AND display_name IS NOT NULL)),
    CHECK (approver = 'admin' OR delegation IS NOT NULL),
    CHECK (decided_by IS NULL OR (decided_by <> requested_by AND decided_by <> user_id)),
    CHECK ((decided_by IS NULL) = (decided_at IS NULL) AND (decided_at IS NULL) = (decision IS NULL))
);
-- One open request per person, by id and (for new users) by address.
CREATE UNIQUE INDEX grant_requests_open_user ON grant_requests (user_id) WHERE decided_at IS NULL;
CREATE UNIQUE INDEX grant_requests_open_email ON grant_requests (lower(email)) WHERE decided_at IS NULL;
CREATE INDEX grant_requests_pending ON grant_requests (requested_at) WHERE decided_at IS NULL;

-- The acts of the four-eyes rule, and the operator's remaining ones, join the log's vocabulary.
ALTER TABLE admin_log DROP CONSTRAINT admin_log_act_check;
ALTER TABLE admin_log ADD CONSTRAINT admin_log_act_check CHECK (act IN (
    'user_added', 'user_disabled', 'token_link_sent', 'token_issued', 'token_revoked',
    'erasure_requested', 'erasure_approved', 'keys_rotated', 'index_rebuilt',
    'grant_requested', 'grant_approved', 'grant_refused', 'user_changed', 'user_enabled',
    'delegation_added', 'preferences_changed', 'reminder_retried'));
