ALTER TABLE cases DROP COLUMN figures;
DROP FUNCTION case_figures(text, uuid);
DROP FUNCTION procedure_figure(text, text, jsonb, timestamptz);
