-- A delegation's public holidays: dates its office does not work whatever their weekday, for
-- every working-day duration and the start of the working day. Public knowledge, kept in clear.
CREATE TABLE delegation_holidays (
    delegation text NOT NULL REFERENCES delegations (code),
    day date NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    PRIMARY KEY (delegation, day)
);

ALTER TABLE admin_log DROP CONSTRAINT admin_log_act_check;
ALTER TABLE admin_log ADD CONSTRAINT admin_log_act_check CHECK (act IN (
    'user_added', 'user_disabled', 'token_link_sent', 'token_issued', 'token_revoked',
    'erasure_requested', 'erasure_approved', 'keys_rotated', 'index_rebuilt',
    'grant_requested', 'grant_approved', 'grant_refused', 'user_changed', 'user_enabled',
    'delegation_added', 'preferences_changed', 'reminder_retried', 'holidays_changed'));
