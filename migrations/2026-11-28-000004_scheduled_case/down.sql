DROP INDEX scheduled_case;
