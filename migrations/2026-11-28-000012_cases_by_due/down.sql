DROP INDEX cases_due;
