-- The case list sorted by due time (`sort=due`): a delegation's cases, soonest next due item
-- first, nothing due last, ties by id; the keyset pages walk this index.
CREATE INDEX cases_due ON cases (delegation, next_due_at, id);
