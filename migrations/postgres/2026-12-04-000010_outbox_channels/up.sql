-- Outgoing deliveries other than mail share the outbox: its leases,
-- retries and crash safety. 'mail' rows are RFC 5322 messages; 'webhook'
-- rows carry the URL in recipients and a JSON body in content.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'mail';
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (channel, status, next_attempt_at);
