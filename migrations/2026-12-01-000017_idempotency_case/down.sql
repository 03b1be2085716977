ALTER TABLE idempotency_keys DROP COLUMN case_id;
