ALTER TABLE admin_log DROP CONSTRAINT admin_log_act_check;
-- The administrative log is append-only: entries of holiday changes stay, unchecked.
ALTER TABLE admin_log ADD CONSTRAINT admin_log_act_check CHECK (act IN (
    'user_added', 'user_disabled', 'token_link_sent', 'token_issued', 'token_revoked',
    'erasure_requested', 'erasure_approved', 'keys_rotated', 'index_rebuilt',
    'grant_requested', 'grant_approved', 'grant_refused', 'user_changed', 'user_enabled',
    'delegation_added', 'preferences_changed', 'reminder_retried')) NOT VALID;
DROP TABLE delegation_holidays;
