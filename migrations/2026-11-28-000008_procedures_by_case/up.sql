-- A page of the case list fetches the procedures of its 50 cases by case id alone (the page
-- may span delegations), and list filters on a procedure's workflow or state probe procedures
-- case by case. Without an index led by case_id both were sequential scans of every procedure
-- (`vigil bench lists`: p95 1 s at 100,000 cases).
CREATE INDEX procedures_case_id ON procedures (case_id, created_at);
