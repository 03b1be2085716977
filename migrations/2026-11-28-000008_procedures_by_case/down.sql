DROP INDEX procedures_case_id;
