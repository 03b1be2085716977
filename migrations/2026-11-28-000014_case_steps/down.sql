ALTER TABLE cases DROP COLUMN steps;
DROP FUNCTION case_steps(uuid);
DROP FUNCTION procedure_steps(text, text, text);
