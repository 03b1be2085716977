DROP INDEX scheduled_dead;
