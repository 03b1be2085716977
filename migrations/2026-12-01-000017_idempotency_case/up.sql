-- The case a stored idempotent answer is about, so that erasing the case deletes it.
ALTER TABLE idempotency_keys ADD COLUMN case_id UUID;
CREATE INDEX idempotency_keys_case ON idempotency_keys (case_id) WHERE case_id IS NOT NULL;
