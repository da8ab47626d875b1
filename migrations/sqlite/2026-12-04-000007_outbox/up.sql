-- Outgoing mail, written in the same DB transaction as the change that
-- caused it and delivered by the outbox worker in rt-server (SMTP, a
-- sendmail pipe or a file). A crash or an SMTP outage delays mail but never
-- loses it. Keep migrations/postgres/ equivalent: a test compares them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT REFERENCES tickets(id),
    -- The ticket transaction this mail records (EmailRecord), if any.
    transaction_id BIGINT REFERENCES transactions(id),
    message_id TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    -- Envelope recipients, one address a line.
    recipients TEXT NOT NULL,
    -- The full RFC 5322 message, sent as is.
    content BLOB NOT NULL,
    -- 'pending', 'sent' or 'failed' (given up).
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker's lease: until then no other worker takes the row.
    claimed_until TIMESTAMP,
    claimed_by TEXT,
    last_error TEXT,
    created TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
-- Workers claim pending rows in next_attempt_at order.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_ticket ON outbox (ticket_id);
