-- Workflow versions, users, cases, their keys, procedures, events and scheduled work.
--
-- Plain columns hold only what routing, queues, deadlines and statistics need; everything
-- about a person is age ciphertext (BYTEA), sealed to the case's own key (case_keys).
-- Tables that belong to a case carry its delegation and are keyed by it, so that they can be
-- distributed by delegation (Citus) without changing a key.

-- Every version of every workflow definition ever loaded; procedures keep the version they
-- started on, so a definition is never deleted while a procedure uses it.
CREATE TABLE workflow_versions (
    name        TEXT NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
    version     TEXT NOT NULL CHECK (version ~ '^[0-9a-f]{16}$'),
    definition  JSONB NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

CREATE TABLE users (
    id           UUID PRIMARY KEY,
    email        TEXT NOT NULL,
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role         TEXT NOT NULL CHECK (role IN ('focal_point', 'head_of_delegation', 'eusr_reviewer', 'admin')),
    -- Focal points and heads of delegation belong to one delegation; the EUSR office and admins to none.
    delegation   TEXT REFERENCES delegations (code),
    time_zone    TEXT NOT NULL DEFAULT 'UTC',
    language     TEXT NOT NULL DEFAULT 'en',
    disabled_at  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role IN ('focal_point', 'head_of_delegation')) = (delegation IS NOT NULL))
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- API tokens are shown once; only a SHA-256 hash is kept, found by a short public prefix.
CREATE TABLE api_tokens (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id),
    prefix      TEXT NOT NULL UNIQUE,
    hash        BYTEA NOT NULL CHECK (length(hash) = 32),
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE SEQUENCE case_reference_seq;

CREATE TABLE cases (
    delegation  TEXT NOT NULL REFERENCES delegations (code),
    id          UUID NOT NULL,
    -- A human reference such as VG-2026-00042: says nothing about the person.
    reference   TEXT NOT NULL CHECK (reference ~ '^VG-[0-9]{4}-[0-9]{5,}$'),
    country     CHAR(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    themes      TEXT[] NOT NULL CHECK (cardinality(themes) BETWEEN 1 AND 17),
    risk        TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high', 'critical')),
    owner_id    UUID NOT NULL REFERENCES users (id),
    -- Optimistic lock: every change names the version it read.
    version     BIGINT NOT NULL DEFAULT 1 CHECK (version > 0),
    -- The confidential object (name, narrative, …), age-encrypted to the case key.
    sealed      BYTEA NOT NULL,
    -- HMAC-SHA-256 of the normalised defender name under the index key: duplicates without plaintext.
    blind_index BYTEA CHECK (length(blind_index) = 32),
    next_due_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Erased cases keep this tombstone of plain metadata; their key row is gone.
    erased_at   TIMESTAMPTZ,
    PRIMARY KEY (delegation, id)
);
CREATE UNIQUE INDEX cases_id ON cases (id);
CREATE UNIQUE INDEX cases_reference ON cases (reference);
CREATE INDEX cases_list ON cases (delegation, created_at DESC, id);
CREATE INDEX cases_blind_index ON cases (blind_index) WHERE blind_index IS NOT NULL;

-- A case's own X25519 key: the public half (an age recipient) in clear, so sealing needs no
-- decryption; the secret age-encrypted to every master recipient. Deleting the row shreds the case.
CREATE TABLE case_keys (
    delegation TEXT NOT NULL,
    case_id    UUID NOT NULL,
    recipient  TEXT NOT NULL CHECK (recipient LIKE 'age1%'),
    wrapped    BYTEA NOT NULL,
    -- Which master recipients the secret is wrapped to, for resumable rotation.
    wrapped_for TEXT NOT NULL,
    rotated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (delegation, case_id),
    FOREIGN KEY (delegation, case_id) REFERENCES cases (delegation, id) ON DELETE CASCADE
);

CREATE TABLE procedures (
    delegation       TEXT NOT NULL,
    id               UUID NOT NULL,
    case_id          UUID NOT NULL,
    workflow         TEXT NOT NULL,
    workflow_version TEXT NOT NULL,
    state            TEXT NOT NULL,
    -- The review queue the current state puts the procedure in (e.g. eusr_review), if any.
    queue            TEXT,
    version          BIGINT NOT NULL DEFAULT 1 CHECK (version > 0),
    -- The procedure's fields so far: plain ones in clear, confidential ones sealed to the case key.
    plain_data       JSONB NOT NULL DEFAULT '{}',
    sealed_data      BYTEA,
    -- The procedure whose action started this one, if any.
    started_by       UUID,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (delegation, id),
    FOREIGN KEY (delegation, case_id) REFERENCES cases (delegation, id),
    FOREIGN KEY (workflow, workflow_version) REFERENCES workflow_versions (name, version)
);
CREATE UNIQUE INDEX procedures_id ON procedures (id);
CREATE INDEX procedures_case ON procedures (delegation, case_id);
CREATE INDEX procedures_queue ON procedures (queue, updated_at) WHERE queue IS NOT NULL;
CREATE INDEX procedures_workflow ON procedures (workflow, workflow_version);

-- Every change to a case, hash-chained per case: each event's hash covers its plain fields,
-- its ciphertext and the previous event's hash, so the chain is verifiable without any key.
CREATE TABLE case_events (
    delegation   TEXT NOT NULL,
    case_id      UUID NOT NULL,
    seq          BIGINT NOT NULL CHECK (seq > 0),
    procedure_id UUID,
    action       TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT,
    actor_id     UUID,
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('user', 'system')),
    at           TIMESTAMPTZ NOT NULL,
    plain        JSONB NOT NULL DEFAULT '{}',
    sealed       BYTEA,
    prev_hash    BYTEA NOT NULL CHECK (length(prev_hash) = 32),
    hash         BYTEA NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (delegation, case_id, seq),
    FOREIGN KEY (delegation, case_id) REFERENCES cases (delegation, id)
);

-- Reminders and timers a state scheduled. Only the due time is stored, never the date field
-- it was computed from.
CREATE TABLE scheduled (
    delegation   TEXT NOT NULL,
    id           UUID NOT NULL,
    case_id      UUID NOT NULL,
    procedure_id UUID NOT NULL,
    -- The state that scheduled it: leaving that state cancels it.
    state        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('reminder', 'timer')),
    -- Position of the reminder or timer in the state's definition.
    position     INTEGER NOT NULL CHECK (position >= 0),
    message      TEXT,
    recipients   TEXT[] NOT NULL DEFAULT '{}',
    action       TEXT,
    repeat       TEXT,
    due_at       TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'cancelled', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (delegation, id),
    FOREIGN KEY (delegation, procedure_id) REFERENCES procedures (delegation, id),
    CHECK ((kind = 'reminder') = (message IS NOT NULL)),
    CHECK ((kind = 'timer') = (action IS NOT NULL))
);
CREATE INDEX scheduled_due ON scheduled (due_at) WHERE status = 'pending';
CREATE INDEX scheduled_procedure ON scheduled (delegation, procedure_id) WHERE status = 'pending';

-- Responses to POSTs sent with an Idempotency-Key, written in the same transaction as the
-- change they report, so a retry gets the first response and changes nothing. They hold ids,
-- references and states, never confidential data.
CREATE TABLE idempotency_keys (
    user_id      UUID NOT NULL REFERENCES users (id),
    key          TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash BYTEA NOT NULL CHECK (length(request_hash) = 32),
    status       SMALLINT NOT NULL,
    location     TEXT,
    response     JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

-- Who read, exported or failed to reach which case, and when; never the data itself.
CREATE TABLE access_log (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_id    UUID,
    delegation TEXT,
    case_id    UUID,
    what       TEXT NOT NULL CHECK (what IN ('read', 'export', 'denied', 'timeline')),
    request_id TEXT
);
CREATE INDEX access_log_case ON access_log (case_id, at);

-- Events and the access log are append-only: no UPDATE or DELETE, whoever asks.
CREATE FUNCTION vigil_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
