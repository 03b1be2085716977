-- A reviewer of the EUSR office takes an item of its queue, so that the office knows who works
-- on it: who and since when, on the procedure (what the queue shows), and as an event of the
-- case's chain (take_review, give_back_review). A claim made before the procedure's last change
-- has lapsed.
ALTER TABLE procedures ADD COLUMN claimed_by uuid REFERENCES users (id),
                       ADD COLUMN claimed_at timestamptz;
