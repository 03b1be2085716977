DROP INDEX cases_list;
CREATE INDEX cases_list ON cases (delegation, created_at DESC, id);
