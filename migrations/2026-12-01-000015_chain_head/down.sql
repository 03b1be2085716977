DROP FUNCTION case_next_due(text, uuid);
ALTER TABLE cases DROP COLUMN event_head, DROP COLUMN event_seq;
