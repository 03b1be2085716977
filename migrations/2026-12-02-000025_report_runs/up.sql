-- Every report run: who, which report, with which filters and groupings; never its figures.
CREATE TABLE report_runs (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id),
    report     TEXT NOT NULL,
    parameters JSONB NOT NULL,
    request_id TEXT
);

CREATE TRIGGER report_runs_append_only BEFORE UPDATE OR DELETE ON report_runs
    FOR EACH ROW EXECUTE FUNCTION vigil_refuse_change();
