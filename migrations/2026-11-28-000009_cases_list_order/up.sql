-- The case list orders by (created_at DESC, id DESC); an index in exactly that order lets a
-- page be read in index order, with no sort at all.
DROP INDEX cases_list;
CREATE INDEX cases_list ON cases (delegation, created_at DESC, id DESC);
