-- Due mail in the order it is claimed (`ORDER BY next_attempt_at, id`).
-- SQLite's indexes already end with the rowid, which `id` is: the index
-- changes to stay the same as PostgreSQL's, where it spares a claim
-- sorting every due row.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (channel, status, next_attempt_at, id);
