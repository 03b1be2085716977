ALTER TABLE admin_log DROP CONSTRAINT admin_log_act_check;
ALTER TABLE admin_log ADD CONSTRAINT admin_log_act_check CHECK (act IN (
    'user_added', 'user_disabled', 'token_link_sent', 'token_issued', 'token_revoked',
    'erasure_requested', 'erasure_approved', 'keys_rotated', 'index_rebuilt'));
DROP TABLE grant_requests;
