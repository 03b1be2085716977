ALTER TABLE cases DROP COLUMN steps;
DROP FUNCTION case_steps(uuid);
