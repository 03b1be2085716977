-- Country codes as text rather than CHAR(2). Vigil binds a filter's country as text, and
-- comparing a CHAR(2) column with text casts the column: PostgreSQL then has no statistics for
-- the comparison, guesses that 0.5 % of the rows match instead of the real share (a fifth of a
-- delegation's cases, for one country), and chose a parallel sequential scan and a sort for a
-- list page that an index scan in order answers after a few hundred rows (`vigil bench lists`,
-- `country=UG&state=awaiting_reply`). The CHECK constraints still allow two capitals only.
ALTER TABLE cases ALTER COLUMN country TYPE text;
ALTER TABLE delegations ALTER COLUMN country TYPE text;
