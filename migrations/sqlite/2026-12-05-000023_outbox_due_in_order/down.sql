DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (channel, status, next_attempt_at);
