-- The EU Delegations (and the EUSR office's own unit) that cases belong to.
-- Access to a case is scoped by its delegation; a delegation's time zone and weekend drive
-- reminder due times and working-day deadlines.
CREATE TABLE delegations (
    code         TEXT PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,31}$'),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country      CHAR(2) CHECK (country ~ '^[A-Z]{2}$'),
    time_zone    TEXT NOT NULL DEFAULT 'UTC',
    -- ISO weekday numbers (1 = Monday … 7 = Sunday) on which the delegation does not work.
    weekend_days SMALLINT[] NOT NULL DEFAULT '{6,7}'
                 CHECK (weekend_days <@ '{1,2,3,4,5,6,7}'::SMALLINT[] AND cardinality(weekend_days) < 7),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
