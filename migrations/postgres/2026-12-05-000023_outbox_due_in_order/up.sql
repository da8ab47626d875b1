-- Due mail in the order it is claimed (`ORDER BY next_attempt_at, id`):
-- a claim reads the first rows of the index instead of sorting every due
-- row first, which a backlog (an SMTP outage) made thousands per claim.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (channel, status, next_attempt_at, id);
